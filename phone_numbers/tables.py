"""django-tables2 tables over one fetched page, paginated by the API's TotalCount."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .ccc import NumberUsage, PhoneNumber, SkillGroup
from .forms import ListQuery
from .services import ResultPage

USAGE_LABELS = {
    NumberUsage.INBOUND: _("Inbound only"),
    NumberUsage.OUTBOUND: _("Outbound only"),
    NumberUsage.BIDIRECTION: _("Inbound and outbound"),
}


class ResultPageData(tables.data.TableListData):
    """The one fetched page standing in for every match: the paginator counts the API's total
    and asks only for the slice this page holds."""

    def __init__(self, result: ResultPage) -> None:
        super().__init__(list(result.items))
        self.result = result
        self._offset = (result.page - 1) * result.per_page

    def __len__(self) -> int:
        return self.result.reachable_count

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            start = max((key.start or 0) - self._offset, 0)
            stop = None if key.stop is None else max(key.stop - self._offset, 0)
            return self.data[start:stop]
        return self.data[key - self._offset]


class ResultTable(tables.Table):
    """A table of one API result page; sorting is off because the API cannot sort."""

    def __init__(self, result: ResultPage, **kwargs: Any) -> None:
        super().__init__(ResultPageData(result), orderable=False, **kwargs)
        if result.page <= result.num_pages:
            self.paginate(per_page=result.per_page, page=result.page)

    class Meta:
        template_name = "phone_numbers/table.html"
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}


class PhoneNumberTable(ResultTable):
    number = tables.Column(verbose_name=_("Number"), attrs={"td": {"class": "font-monospace"}})
    active = tables.Column(verbose_name=_("Status"))
    usage = tables.Column(verbose_name=_("Usage"))
    province = tables.Column(verbose_name=_("Province"))
    city = tables.Column(verbose_name=_("City"))
    contact_flow_id = tables.Column(
        verbose_name=_("Contact flow"), attrs={"td": {"class": "font-monospace small"}}
    )

    class Meta(ResultTable.Meta):
        empty_text = _("No numbers match.")
        attrs = {**ResultTable.Meta.attrs, "aria-label": _("Phone numbers")}

    def render_active(self, value: bool) -> str:
        # Words and a symbol, so the status never depends on colour alone.
        if value:
            return format_html('<span class="badge text-bg-success">✓ {}</span>', _("Active"))
        return format_html('<span class="badge text-bg-secondary">✕ {}</span>', _("Inactive"))

    def render_usage(self, value: str) -> str:
        return USAGE_LABELS.get(value, value)

    def render_contact_flow_id(self, record: PhoneNumber) -> str:
        return record.contact_flow_id or "—"


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
        return format_html('<a href="{}">{}</a>', url, record.display_name or record.name)


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str = ""  # empty for the ellipsis
    is_current: bool = False


@dataclass(frozen=True)
class Pager:
    previous_url: str
    next_url: str
    pages: tuple[PageLink, ...]


def pager(table: ResultTable, query: ListQuery, path: str) -> Pager | None:
    """Canonical links for the table's pages, or None when there is only one page."""
    page = getattr(table, "page", None)
    if page is None or table.paginator.num_pages <= 1:
        return None

    def url(number: int) -> str:
        return path + query.query_string(page=number)

    return Pager(
        previous_url=url(page.previous_page_number()) if page.has_previous() else "",
        next_url=url(page.next_page_number()) if page.has_next() else "",
        pages=tuple(
            PageLink(str(number), url(number), number == page.number)
            if isinstance(number, int)
            else PageLink(str(number))
            for number in table.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            )
        ),
    )
