"""The numbers feature's tables: skill groups and phone numbers, with the sentences that
describe them, and (for the numbers) the cells of their export. The drawing is
`portal.tables.ResultTable`'s."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from ccc import InstancePhoneNumber, MediaType, NumberUsage, SkillGroup
from portal.paging import ResultPage
from portal.tables import ResultTable, cell_html

# A skill group's media in words, on the page and in the skill groups' filter.
MEDIA_LABELS = {
    MediaType.AUDIO: pgettext_lazy("skill group media", "Voice"),
    MediaType.CHAT: pgettext_lazy("skill group media", "Chat"),
    MediaType.VIDEO: pgettext_lazy("skill group media", "Video"),
}
USAGE_LABELS = {
    NumberUsage.INBOUND: _("Inbound only"),
    NumberUsage.OUTBOUND: _("Outbound only"),
    NumberUsage.BIDIRECTION: _("Inbound and outbound"),
}

# What `reverse` leaves unquoted in a path segment: links built from a prefix match its own.
_PATH_SAFE = RFC3986_SUBDELIMS + "~:@"

# Whole sentences, plural on `count`: a translator never splices a noun into a sentence.
NUMBERS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s number",
    "Showing %(start)s–%(end)s of %(total)s numbers",
    "count",
)
SKILL_GROUPS_SHOWN = ngettext_lazy(
    "Showing %(start)s–%(end)s of %(total)s skill group",
    "Showing %(start)s–%(end)s of %(total)s skill groups",
    "count",
)
# Why a skill group of another medium than voice has no number to link, a sentence a medium.
NOT_SERVED = {
    MediaType.CHAT: _("Phone numbers serve voice skill groups; %(group)s is a chat group."),
    MediaType.VIDEO: _("Phone numbers serve voice skill groups; %(group)s is a video group."),
}
# A medium without words, as CCC names it.
NOT_SERVED_OTHER = _("Phone numbers serve voice skill groups; the media of %(group)s is %(media)s.")


def not_served_text(group: SkillGroup) -> str:
    """Why no phone number can be linked to `group`, a skill group of another medium."""
    sentence = NOT_SERVED.get(group.media_type.upper(), NOT_SERVED_OTHER)
    return sentence % {"group": group.display_name or group.name, "media": group.media_type}


class SelectionColumn(tables.Column):
    """A checkbox per row for the editor's selection, and "select all on this page" above
    them (shown by the script, which keeps the selection across pages)."""

    def __init__(self) -> None:
        super().__init__(
            accessor="number",
            orderable=False,
            attrs={"td": {"class": "select"}},
            exclude_from_export=True,
        )

    @property
    def header(self) -> SafeString:
        return format_html(
            '<input class="form-check-input" type="checkbox" data-select-page hidden '
            'aria-label="{}">',
            _("Select all on this page"),
        )


def number_page_prefix(instance_id: str) -> str:
    """The address of the instance's numbers, to which a number's own page adds the number
    (made once per table: `reverse` per row would cost more than the row)."""
    return reverse("phone_numbers:instance_number_list", args=[instance_id])


class PhoneNumberTable(ResultTable):
    """The numbers of one page, each linked to its own page; with `selectable`, each row has a
    checkbox for the editor's selection, named by its number, in the form `#selection`."""

    selected = SelectionColumn()
    number = tables.Column(verbose_name=_("Number"), attrs={"td": {"class": "font-monospace"}})
    active = tables.Column(verbose_name=_("Status"))
    usage = tables.Column(verbose_name=_("Usage"))
    province = tables.Column(verbose_name=_("Province"))
    city = tables.Column(verbose_name=_("City"))
    contact_flow_id = tables.Column(verbose_name=_("Contact flow"))
    # In files only, beside the name: a script keys on the id.
    contact_flow_ref = tables.Column(
        verbose_name=_("Contact flow ID"), accessor="contact_flow_id", visible=False
    )

    summary_text = NUMBERS_SHOWN
    export_phone_numbers = frozenset({"number"})

    class Meta(ResultTable.Meta):
        empty_text = _("No numbers match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Phone numbers")}

    def __init__(
        self,
        result: ResultPage,
        *,
        instance_id: str = "",
        selectable: bool = False,
        contact_flow_names: Mapping[str, str] | None = None,
        exclude: tuple[str, ...] = (),
    ) -> None:
        """`contact_flow_names`: flows' names by id; a flow without one shows its id. The
        numbers link to their pages in `instance_id` (an export needs none)."""
        self.contact_flow_names = contact_flow_names or {}
        self.number_prefix = number_page_prefix(instance_id) if instance_id else ""
        super().__init__(result, exclude=exclude if selectable else (*exclude, "selected"))

    def render_number(self, value: str) -> SafeString | str:
        if not self.number_prefix:
            return value
        return cell_html('<a href="{}{}/">{}</a>', self.number_prefix, value, value)

    @cached_property
    def _select_label(self) -> str:
        return str(_("Select %(number)s"))

    def render_selected(self, value: str) -> SafeString:
        return cell_html(
            '<input class="form-check-input" type="checkbox" name="number" value="{}" '
            'form="selection" aria-label="{}">',
            value,
            self._select_label % {"number": value},
        )

    @cached_property
    def _status_badges(self) -> dict[bool, SafeString]:
        # Words and a symbol, so the status never depends on colour alone. Built once per
        # table, in the reader's language, not once per row.
        return {
            True: format_html('<span class="badge text-bg-success">✓ {}</span>', _("Active")),
            False: format_html('<span class="badge text-bg-secondary">✕ {}</span>', _("Inactive")),
        }

    @cached_property
    def _usage_labels(self) -> dict[str, str]:
        return {usage: str(label) for usage, label in USAGE_LABELS.items()}

    def render_active(self, value: bool) -> str:
        return self._status_badges[value]

    def render_usage(self, value: str) -> str:
        return self._usage_labels.get(value, value)

    @cached_property
    def _status_words(self) -> dict[bool, str]:
        return {True: str(_("Active")), False: str(_("Inactive"))}

    def value_active(self, value: bool) -> str:
        return self._status_words[value]

    # The same words on the page and in files.
    value_usage = render_usage

    def value_contact_flow_id(self, value: str) -> str:
        """The name, or the id where CCC names none (as the page shows it)."""
        return self.contact_flow_names.get(value, value)

    def render_contact_flow_id(self, value: str) -> SafeString:
        """The flow's name, its id on hover; the id itself when the name is unknown."""
        name = self.contact_flow_names.get(value)
        if name is None:
            return cell_html('<span class="font-monospace small">{}</span>', value)
        return cell_html('<span title="{}">{}</span>', value, name)


class SkillGroupTable(ResultTable):
    # Never empty: a group without a display name is still linked, by its name.
    display_name = tables.Column(verbose_name=_("Skill group"), empty_values=())
    skill_group_id = tables.Column(
        verbose_name=_("ID"), attrs={"td": {"class": "font-monospace small"}}
    )
    media_type = tables.Column(verbose_name=_("Media"))
    phone_number_count = tables.Column(
        verbose_name=_("Numbers"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    user_count = tables.Column(
        verbose_name=_("Agents"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    summary_text = SKILL_GROUPS_SHOWN

    class Meta(ResultTable.Meta):
        empty_text = _("No skill groups match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Skill groups")}

    def __init__(self, result: ResultPage, *, instance_id: str) -> None:
        # Links use the instance of the page's own URL, not whatever the API echoed back.
        self.instance_id = instance_id
        super().__init__(result)

    def render_display_name(self, record: SkillGroup) -> str:
        url = reverse(
            "phone_numbers:number_list",
            kwargs={"instance_id": self.instance_id, "skill_group_id": record.skill_group_id},
        )
        return cell_html('<a href="{}">{}</a>', url, record.display_name or record.name)

    @cached_property
    def _media_labels(self) -> dict[str, str]:
        return {media: str(label) for media, label in MEDIA_LABELS.items()}

    def render_media_type(self, value: str) -> str:
        """The media in words (CCC takes it in any case); one without words, as CCC says it."""
        return self._media_labels.get(value.upper(), value)


class InstanceNumberTable(PhoneNumberTable):
    """Every number of an instance: the columns of a group's numbers, with the skill groups
    each serves (linked to their numbers), its provider, and the agent whose personal
    outbound number it is. CCC names the flow in the listing itself."""

    skill_groups = tables.Column(verbose_name=_("Skill groups"), orderable=False)
    provider = tables.Column(verbose_name=_("Provider"))
    user_id = tables.Column(verbose_name=_("Agent"))

    class Meta(PhoneNumberTable.Meta):
        sequence = (
            "number",
            "active",
            "usage",
            "province",
            "city",
            "contact_flow_id",
            "contact_flow_ref",
            "skill_groups",
            "provider",
            "user_id",
        )

    def __init__(
        self,
        result: ResultPage,
        *,
        instance_id: str = "",
        agent_names: Mapping[str, str] | None = None,
    ) -> None:
        """`agent_names`: agents' display names by user id; an agent without one shows its id."""
        self.agent_names = agent_names or {}
        self.instance_id = instance_id
        super().__init__(result, instance_id=instance_id, exclude=("selected",))

    @cached_property
    def _group_prefix(self) -> str:
        return reverse("phone_numbers:skill_group_list", args=[self.instance_id])

    def render_contact_flow_id(self, value: str, record: InstancePhoneNumber) -> SafeString:
        if not record.contact_flow_name:
            return cell_html('<span class="font-monospace small">{}</span>', value)
        return cell_html('<span title="{}">{}</span>', value, record.contact_flow_name)

    def value_contact_flow_id(self, value: str, record: InstancePhoneNumber) -> str:
        return record.contact_flow_name or value

    def render_skill_groups(self, value: tuple) -> SafeString:
        return SafeString(
            ", ".join(
                cell_html(
                    '<a href="{}{}/numbers/">{}</a>',
                    self._group_prefix,
                    quote(group.skill_group_id, safe=_PATH_SAFE),
                    group.display_name or group.name or group.skill_group_id,
                )
                for group in value
            )
        )

    def value_skill_groups(self, value: tuple) -> str:
        return ", ".join(
            group.display_name or group.name or group.skill_group_id for group in value
        )

    def render_user_id(self, value: str) -> str:
        return self.agent_names.get(value, value)

    def value_user_id(self, value: str) -> str:
        name = self.agent_names.get(value)
        return f"{name} ({value})" if name else value
