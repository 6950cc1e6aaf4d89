"""The list query: what a list page's URL asks for, validated, normalised and turned back into
links.

A shared link is only the URL, so the query never fails: an unusable value falls back to its
default and leaves a notice the page shows. `ListQuery` is the one owner of a list page's query:
its values, the selector arguments they mean, the form the page renders and every URL it links
to (pager, view toggle, canonical push URL, share link).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .paging import MAX_REACHABLE_ROWS, ResultPage, last_reachable_page
from .selectors import IN_PROGRESS

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
# What is searched for, counted after normalising.
SEARCH_MAX_LENGTH = 32
# What the search box takes: more than is searched, because the punctuation people type
# between digits is dropped before the cut.
SEARCH_INPUT_MAX_LENGTH = 2 * SEARCH_MAX_LENGTH
NOTICE_QUOTE_MAX_LENGTH = 40
REFRESH_PARAMETER = "refresh"
# What people type between digits: spaces, dashes, dots, parentheses.
_NUMBER_PUNCTUATION = re.compile(r"[\s\-\.\(\)\u2010-\u2015]+")
_DIGITS = re.compile(r"[0-9]*")
_SELECT = {"class": "form-select form-select-sm filter-select"}


def _search_input(**attrs: str) -> forms.SearchInput:
    return forms.SearchInput(
        attrs={
            "class": "form-control form-control-sm",
            "maxlength": str(SEARCH_INPUT_MAX_LENGTH),
            "autocomplete": "off",
            **attrs,
        }
    )


class ListFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), widget=_search_input())
    page = forms.IntegerField(required=False, min_value=1, label=_("Page"))
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        label=_("Per page"),
        widget=forms.Select(attrs=_SELECT),
    )

    # In the order they appear in links.
    defaults: dict[str, Any] = {"q": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    # How many matches the list can reach: the CCC API's first 10,000, or None (a database
    # list) for every one. Pages past the reach are clamped to its last page, with a notice.
    max_rows: int | None = MAX_REACHABLE_ROWS
    # Whether the list has exports (`<list path>export.<format>`), with the same query.
    exportable = False

    @staticmethod
    def normalise_q(value: str) -> str:
        return value.strip()

    def clean_q(self) -> str:
        # Stripped again after the cut, or the canonical link would end in a space.
        return self.normalise_q(self.cleaned_data["q"])[:SEARCH_MAX_LENGTH].strip()

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {"search": values["q"], "page": values["page"], "per_page": values["per_page"]}


class SkillGroupFilterForm(ListFilterForm):
    q = forms.CharField(required=False, label=_("Search skill groups"), widget=_search_input())


class NumberFilterForm(ListFilterForm):
    view = forms.ChoiceField(
        required=False,
        choices=[("linked", _("Linked")), ("eligible", _("Eligible"))],
        label=_("View"),
    )
    q = forms.CharField(
        required=False,
        label=_("Search numbers"),
        widget=_search_input(placeholder=_("e.g. 0833")),
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))],
        label=_("Status"),
        widget=forms.Select(attrs=_SELECT),
    )

    defaults = {"view": "linked", "q": "", "active": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    exportable = True

    @staticmethod
    def normalise_q(value: str) -> str:
        # NFKC first: a Chinese input method types full-width digits and dashes.
        return _NUMBER_PUNCTUATION.sub("", unicodedata.normalize("NFKC", value))

    def clean_q(self) -> str:
        q = super().clean_q()
        if not _DIGITS.fullmatch(q):
            raise forms.ValidationError(_("A phone number holds only digits."), code="digits")
        return q

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            **ListFilterForm.selector_arguments(values),
            "linked": values["view"] == "linked",
            "active": None if not values["active"] else values["active"] == "true",
        }


def _printable(value: str) -> str:
    """The value as a notice may quote it: control characters (NUL included) left out."""
    return "".join(char for char in value if char.isprintable())


@dataclass(frozen=True)
class ViewLink:
    value: str
    label: str
    url: str
    is_current: bool


@dataclass(frozen=True)
class ExportLink:
    label: str
    url: str


# The file formats a list exports to, with their links' words.
EXPORT_FORMATS = {"csv": _("Export CSV"), "xlsx": _("Export Excel")}


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


@dataclass(frozen=True)
class ListQuery:
    """The cleaned query of a list page, the notices its cleaning produced, and its links."""

    form_class: type[ListFilterForm]
    values: dict[str, Any]
    path: str
    origin: str
    notices: tuple[str, ...] = field(default=())
    # Refresh: ask CCC again, whatever is cached. It belongs to this request, never to a link.
    refresh: bool = False

    @classmethod
    def from_request(cls, form_class: type[ListFilterForm], request: HttpRequest) -> ListQuery:
        data = request.GET
        form = form_class(data)
        form.is_valid()
        notices = []
        values = {}
        for name, default in form.defaults.items():
            if name in form.errors:
                notices.append(
                    _("“%(value)s” is not a valid value for “%(field)s”; showing the default.")
                    % {
                        "value": _printable(data.get(name, ""))[:NOTICE_QUOTE_MAX_LENGTH],
                        "field": form.fields[name].label,
                    }
                )
                values[name] = default
            else:
                values[name] = form.cleaned_data.get(name) or default
        # Measured after normalising: punctuation dropped from a number does not count.
        if (
            "q" in form.fields
            and "q" not in form.errors
            and len(form.normalise_q(data.get("q", ""))) > SEARCH_MAX_LENGTH
        ):
            notices.append(
                _("The search was cut to its first %(length)d characters.")
                % {"length": SEARCH_MAX_LENGTH}
            )
        # A database list (max_rows None) has no last reachable page: past its end is said so.
        last_page = (
            None
            if form.max_rows is None
            else last_reachable_page(values["per_page"], form.max_rows)
        )
        if last_page is not None and values["page"] > last_page:
            notices.append(
                _("Only the first %(pages)d pages can be listed; showing page %(pages)d.")
                % {"pages": last_page}
            )
            values["page"] = last_page
        return cls(
            form_class=form_class,
            values=values,
            path=request.path,
            origin=f"{request.scheme}://{request.get_host()}",
            notices=tuple(notices),
            refresh=REFRESH_PARAMETER in data,
        )

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @cached_property
    def form(self) -> ListFilterForm:
        """The filter form as the page shows it: the values these results answer."""
        return self.form_class(initial=self.values)

    def selector_arguments(self, *, paged: bool = True) -> dict[str, Any]:
        """What the list's selector is called with; `paged=False` leaves out the page and its
        size, for a read of the whole view and search (the numbers' status counts)."""
        arguments = {**self.form_class.selector_arguments(self.values), "refresh": self.refresh}
        if not paged:
            del arguments["page"], arguments["per_page"]
        return arguments

    def query_string(self, **changes: Any) -> str:
        """`?…` without defaults (or "" when all are defaults); filter changes reset the page."""
        values = {**self.values, **changes}
        if "page" not in changes and changes:
            values["page"] = 1
        defaults = self.form_class.defaults
        kept = {name: value for name, value in values.items() if value != defaults[name]}
        return f"?{urlencode(kept)}" if kept else ""

    def url(self, **changes: Any) -> str:
        return self.path + self.query_string(**changes)

    # Cached: a page uses these links several times, and the query does not change.
    @cached_property
    def canonical_url(self) -> str:
        """The link that reproduces this view: what the address bar shows."""
        return self.url()

    @property
    def share_url(self) -> str:
        return self.origin + self.canonical_url

    def export_url(self, file_format: str) -> str:
        """This view's every row as a file: the query without its page and page size (and,
        like every link, without the reader's language), beside the list's path."""
        defaults = self.form_class.defaults
        every_row = self.query_string(page=defaults["page"], per_page=defaults["per_page"])
        return f"{self.path}export.{file_format}{every_row}"

    @cached_property
    def export_links(self) -> list[ExportLink]:
        """The view's exports, or none where the list has none."""
        if not self.form_class.exportable:
            return []
        return [
            ExportLink(str(label), self.export_url(file_format))
            for file_format, label in EXPORT_FORMATS.items()
        ]

    @property
    def refresh_url(self) -> str:
        """This view, asked of CCC again (the address bar still gets the canonical link)."""
        separator = "&" if "?" in self.canonical_url else "?"
        return f"{self.canonical_url}{separator}{REFRESH_PARAMETER}=1"

    @cached_property
    def view_links(self) -> list[ViewLink]:
        """The views of the list (linked / eligible), or none where the list has one view."""
        if "view" not in self.form_class.base_fields:
            return []
        return [
            ViewLink(value, label, self.url(view=value), self.values["view"] == value)
            for value, label in self.form_class.base_fields["view"].choices
        ]

    def pager(self, result: ResultPage) -> Pager | None:
        """Canonical links for the result's pages, or None when there is only one page."""
        if result.num_pages <= 1 or result.is_past_the_end:
            return None
        return Pager(
            previous_url=self.url(page=result.page - 1) if result.page > 1 else "",
            next_url=self.url(page=result.page + 1) if result.page < result.num_pages else "",
            pages=tuple(
                PageLink(str(number), self.url(page=number), number == result.page)
                if isinstance(number, int)
                else PageLink(str(number))
                for number in result.page_numbers()
            ),
        )


# -- the audit page's query --------------------------------------------------------------------

# What the date inputs take: the trail's dates are this century's, and a mistyped year (0026)
# falls back with a notice rather than asking for a day the database cannot hold.
AUDIT_DATE_MIN = date(2000, 1, 1)
AUDIT_DATE_MAX = date(2999, 12, 31)
_TEXT = {"class": "form-control form-control-sm filter-text", "autocomplete": "off"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(
        format="%Y-%m-%d",
        attrs={
            "type": "date",
            "class": "form-control form-control-sm filter-date",
            "min": AUDIT_DATE_MIN.isoformat(),
            "max": AUDIT_DATE_MAX.isoformat(),
        },
    )


def _date_field(label: Promise) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        widget=_date_input(),
        validators=[MinValueValidator(AUDIT_DATE_MIN), MaxValueValidator(AUDIT_DATE_MAX)],
    )


class AuditFilterForm(ListFilterForm):
    """The audit page's query: every filter of the trail, from the database (no 10,000 cap).

    Made per request by `for_identity`: the instance filter takes only the instances the user
    may see, and its select offers those the trail holds (read only when the form is drawn).
    Dates are ISO days ("2026-12-01") of the deployment's time zone, both inclusive.
    """

    q = None  # no search box: the filters below say what to look for
    # The length is checked, but not as a maxlength attribute: a select has none.
    instance = forms.CharField(
        required=False,
        validators=[MaxLengthValidator(128)],
        label=_("Instance"),
        widget=forms.Select(attrs=_SELECT),
    )
    skill_group = forms.CharField(
        required=False,
        max_length=128,
        label=_("Skill group ID"),
        widget=forms.TextInput(attrs=_TEXT),
    )
    user = forms.CharField(
        required=False,
        max_length=254,
        label=_("User"),
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("name or email contains")}),
    )
    action = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("link", _("Link")), ("unlink", _("Unlink"))],
        label=_("Action"),
        widget=forms.Select(attrs=_SELECT),
    )
    outcome = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any")),
            ("done", _("Done")),
            ("partly_done", _("Partly done")),
            ("failed", _("Failed")),
            ("unknown", _("Unknown")),
            ("refused", _("Refused")),
            (IN_PROGRESS, _("In progress")),
        ],
        label=_("Outcome"),
        widget=forms.Select(attrs=_SELECT),
    )
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    field_order = (
        "instance",
        "skill_group",
        "user",
        "action",
        "outcome",
        "date_from",
        "date_to",
        "per_page",
    )
    defaults = {
        "instance": "",
        "skill_group": "",
        "user": "",
        "action": "",
        "outcome": "",
        "date_from": "",
        "date_to": "",
        "per_page": DEFAULT_PER_PAGE,
        "page": 1,
    }
    max_rows = None
    exportable = True

    # Set by `for_identity`: the instances the user may see (None: all) and those in the trail.
    visible_instances: frozenset[str] | None = frozenset()
    trail_instances: Callable[[], Iterable[str]] = staticmethod(tuple)

    @classmethod
    def for_identity(
        cls,
        *,
        visible_instances: frozenset[str] | None,
        trail_instances: Callable[[], Iterable[str]],
    ) -> type[AuditFilterForm]:
        """The form for one user: `trail_instances` is called only if the form is drawn."""
        return type(
            cls.__name__,
            (cls,),
            {
                "__module__": cls.__module__,
                "visible_instances": visible_instances,
                "trail_instances": staticmethod(trail_instances),
            },
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A callable: the trail's instances are listed when the select is drawn, not to check
        # a value (a fragment never draws the form).
        self.fields["instance"].widget.choices = lambda: self._instance_choices

    @cached_property
    def _instance_choices(self) -> list[tuple[str, str]]:
        # Cached: drawing a select goes through its choices more than once.
        instances = set(self.trail_instances())
        # The instance asked for stays selectable, though the trail holds nothing of it yet.
        if current := self.initial.get("instance"):
            instances.add(current)
        return [("", str(_("All instances"))), *((i, i) for i in sorted(instances))]

    def clean_instance(self) -> str:
        instance = self.cleaned_data["instance"].strip()
        visible = self.visible_instances
        if instance and visible is not None and instance not in visible:
            raise forms.ValidationError(_("Not an instance you may see."), code="scope")
        return instance

    def clean_skill_group(self) -> str:
        return self.cleaned_data["skill_group"].strip()

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def clean_date_from(self) -> str:
        day = self.cleaned_data["date_from"]
        return day.isoformat() if day else ""

    def clean_date_to(self) -> str:
        day = self.cleaned_data["date_to"]
        return day.isoformat() if day else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        # ISO days of four-digit years compare as their text does.
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", forms.ValidationError(_("Before the start."), code="order"))
        return cleaned

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            "instance_id": values["instance"],
            "skill_group_id": values["skill_group"],
            "user": values["user"],
            "action": values["action"],
            "outcome": values["outcome"],
            "date_from": date.fromisoformat(values["date_from"]) if values["date_from"] else None,
            "date_to": date.fromisoformat(values["date_to"]) if values["date_to"] else None,
            "page": values["page"],
            "per_page": values["per_page"],
        }


# -- an editor's selection ---------------------------------------------------------------------

# A phone number as CCC writes it: digits, perhaps after a "+".
_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,32}")


class NumberSelectionForm(forms.Form):
    """What an editor picked to link or unlink: numbers one by one, every number matching
    the view, or the numbers an earlier action did (to undo it)."""

    # Repeated `number` parameters (the checkboxes), read as a list.
    number = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    all = forms.BooleanField(required=False)
    undo = forms.IntegerField(required=False, min_value=1)

    def clean_number(self) -> list[str]:
        numbers = list(dict.fromkeys(self.cleaned_data["number"] or []))
        malformed = [number for number in numbers if not _PHONE_NUMBER.fullmatch(number)]
        if malformed:
            raise forms.ValidationError(
                _("“%(number)s” is not a phone number."),
                code="number",
                params={"number": _printable(malformed[0])[:NOTICE_QUOTE_MAX_LENGTH]},
            )
        return numbers
