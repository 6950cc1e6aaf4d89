"""The list machinery every list page shares: the query (what a list page's URL asks for,
validated, normalised and turned back into links), what the page declares it has, and the
response that draws the full page or the results fragment.

A shared link is only the URL, so the query never fails: an unusable value falls back to its
default and leaves a notice the page shows. `ListQuery` is the one owner of a list page's query:
its values, the selector arguments they mean, the form the page renders and every URL it links
to (pager, view toggle, canonical push URL, share link).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_htmx.http import push_url

from .htmx import vary_on_htmx, wants_fragment
from .paging import MAX_REACHABLE_ROWS, ResultPage, last_reachable_page

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from .tables import ResultTable

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
# What is searched for, counted after normalising.
SEARCH_MAX_LENGTH = 32
# What the search box takes: more than is searched, because the punctuation people type
# between digits is dropped before the cut.
SEARCH_INPUT_MAX_LENGTH = 2 * SEARCH_MAX_LENGTH
NOTICE_QUOTE_MAX_LENGTH = 40
REFRESH_PARAMETER = "refresh"
SELECT = {"class": "form-select form-select-sm filter-select"}
# Every list page is this template; htmx swaps its "results" partial into #results.
LIST_PAGE_TEMPLATE = "portal/list_page.html"
RESULTS_PARTIAL = f"{LIST_PAGE_TEMPLATE}#results"
# What people type between digits: spaces, dashes, dots, parentheses.
_NUMBER_PUNCTUATION = re.compile(r"[\s\-\.\(\)\u2010-\u2015]+")


@dataclass(frozen=True)
class ListFeatures:
    """What a list page has besides its filter form and results, declared by its query's form
    so that the shared templates never guess from field names. A feature of the page's own is
    the template that draws it."""

    # Links between the views of the list (its `view` field's choices), above the results;
    # a results fragment updates them out of band.
    view_toggle: str = ""
    # Counts beside the filter, updated out of band by a results fragment.
    status_counts: str = ""
    # The editor's selection bar above the rows (drawn only where the page lets one edit).
    selection: str = ""
    # Exports at `<list path>export.<format>`, with the same query.
    export: bool = False
    # A link that clears every filter.
    clear_filters: bool = False


def search_input(**attrs: str) -> forms.SearchInput:
    return forms.SearchInput(
        attrs={
            "class": "form-control form-control-sm filter-text",
            "maxlength": str(SEARCH_INPUT_MAX_LENGTH),
            "autocomplete": "off",
            **attrs,
        }
    )


class ListFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), widget=search_input())
    # Carried by links, not typed into the form.
    page = forms.IntegerField(
        required=False, min_value=1, label=_("Page"), widget=forms.HiddenInput
    )
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        label=_("Per page"),
        widget=forms.Select(attrs=SELECT),
    )

    # In the order they appear in links.
    defaults: ClassVar[dict[str, Any]] = {"q": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    # How many matches the list can reach: the CCC API's first 10,000, or None (a database
    # list) for every one. Pages past the reach are clamped to its last page, with a notice.
    max_rows: ClassVar[int | None] = MAX_REACHABLE_ROWS
    features: ClassVar[ListFeatures] = ListFeatures()
    # The fields that narrow the list (an empty list offers to clear them).
    filter_names: ClassVar[tuple[str, ...]] = ("q",)
    # The grid width of a field in the filter form, by name, where it is not the search box's.
    field_widths: ClassVar[dict[str, str]] = {"per_page": "col-6 col-sm-2 col-lg-1"}
    DEFAULT_FIELD_WIDTH: ClassVar[str] = "col-12 col-sm-5 col-lg-3"

    @staticmethod
    def normalise_q(value: str) -> str:
        return value.strip()

    def notice_of_error(self, name: str, value: str) -> str:
        """What the page says of a value its link carried that cannot be used: the field's own
        sentence where it has one (a ValidationError with code "notice", its value quoted as
        %(value)s), else that the default is shown."""
        quoted = printable(value)[:NOTICE_QUOTE_MAX_LENGTH]
        error = self.errors.as_data()[name][0]
        if error.code == "notice":
            return str(error.message) % {"value": quoted}
        return _("“%(value)s” is not a valid value for “%(field)s”; showing the default.") % {
            "value": quoted,
            "field": self.fields[name].label,
        }

    @classmethod
    def empty_state(cls, query: ListQuery) -> EmptyState:
        """What the page says when nothing matches (None: the table's empty text) and where it
        leads: without the filters, where any is set."""
        filtered = [name for name in cls.filter_names if query[name] != cls.defaults[name]]
        if not filtered:
            return EmptyState()
        cleared = query.url(**{name: cls.defaults[name] for name in filtered})
        return EmptyState(links=(Link(str(_("Clear the filters")), cleared),))

    def clean_q(self) -> str:
        # Stripped again after the cut, or the canonical link would end in a space.
        return self.normalise_q(self.cleaned_data["q"])[:SEARCH_MAX_LENGTH].strip()

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {"search": values["q"], "page": values["page"], "per_page": values["per_page"]}


def normalise_number(typed: str) -> str:
    """A phone number as typed, without the punctuation people type between its digits; NFKC
    first, as a Chinese input method types full-width digits and dashes."""
    return _NUMBER_PUNCTUATION.sub("", unicodedata.normalize("NFKC", typed))


def printable(value: str) -> str:
    """The value as a notice may quote it: control characters (NUL included) left out."""
    return "".join(char for char in value if char.isprintable())


@dataclass(frozen=True)
class ViewLink:
    value: str
    label: str
    url: str
    is_current: bool


class Link(NamedTuple):
    """A link a page draws: its words and where it goes."""

    label: str
    url: str


@dataclass(frozen=True)
class EmptyState:
    """What a list says when nothing matches: its sentence ("": the table's empty text) and
    where to go instead."""

    text: str = ""
    links: tuple[Link, ...] = ()
    # Sentences under it, each about one row left out (with its link): why it is not here.
    details: tuple[SafeString, ...] = ()


@dataclass(frozen=True)
class PageAlert:
    """The one alert above a list's results: what its link could not have as it asked (a
    value that was left out, a page past the reach or the end) and what it cannot list."""

    sentences: tuple[str, ...]
    # Bootstrap's alert colour: warning when the link was changed, info when all is as asked.
    level: str
    link: Link | None = None


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
    # The page-number box: which page is shown, how many can be, and the query it keeps.
    page: int
    num_pages: int
    kept: tuple[tuple[str, Any], ...]


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
                notices.append(form.notice_of_error(name, data.get(name, "")))
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

    def filter_arguments(self) -> dict[str, Any]:
        """The list's filters alone: what its export (every row, read afresh) is called with,
        without the page, its size or a refresh."""
        arguments = self.selector_arguments(paged=False)
        del arguments["refresh"]
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

    @property
    def features(self) -> ListFeatures:
        return self.form_class.features

    @cached_property
    def active_filter_count(self) -> int:
        """How many of the list's filters narrow it (the folded filter form says so)."""
        form = self.form_class
        return sum(self.values[name] != form.defaults[name] for name in form.filter_names)

    @cached_property
    def filter_fields(self) -> list[tuple[forms.BoundField, str]]:
        """The filter form's fields as the page lays them out, each with its grid width; hidden
        ones (the page, a view) travel in links and the view toggle instead."""
        widths = self.form_class.field_widths
        return [
            (field, widths.get(field.name, self.form_class.DEFAULT_FIELD_WIDTH))
            for field in self.form.visible_fields()
        ]

    @cached_property
    def export_links(self) -> list[Link]:
        """The view's exports, or none where the list has none."""
        if not self.features.export:
            return []
        return [
            Link(str(label), self.export_url(file_format))
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
        if not self.features.view_toggle:
            return []
        return [
            ViewLink(value, label, self.url(view=value), self.values["view"] == value)
            for value, label in self.form_class.base_fields["view"].choices
        ]

    def page_alert(self, table: ResultTable) -> PageAlert | None:
        """The notices of the query, then what the results cannot be, in one alert."""
        result = table.result
        sentences, link = list(self.notices), None
        if result.is_past_the_end:
            sentences.append(
                ngettext(
                    "Page %(page)s is past the end: there is %(pages)s page.",
                    "Page %(page)s is past the end: there are %(pages)s pages.",
                    result.num_pages,
                )
                % {"page": result.page, "pages": result.num_pages}
            )
            link = Link(str(_("Go to the last page")), self.url(page=result.num_pages))
        if truncation := table.truncation_notice():
            sentences.append(truncation)
        if not sentences:
            return None
        return PageAlert(tuple(sentences), "warning" if self.notices else "info", link)

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
            page=result.page,
            num_pages=result.num_pages,
            kept=tuple(
                (name, value)
                for name, value in self.values.items()
                if name != "page" and value != self.form_class.defaults[name]
            ),
        )


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb trail above a page; the last is the page itself."""

    label: str
    url: str = ""


def list_response(
    request: HttpRequest,
    template_name: str,
    query: ListQuery,
    table: ResultTable,
    context: dict[str, Any],
    *,
    empty_state: EmptyState | None = None,
) -> TemplateResponse:
    """A list page: the full page, or (an htmx swap) its results with what they update out of
    band, the canonical link pushed to the address bar. `empty_state`: what the page says when
    it has no rows, where the view knows better than its query (the query's, else)."""
    fragment = wants_fragment(request)
    result = table.result
    context.update(
        query=query,
        table=table,
        result=result,
        pager=query.pager(result),
        page_alert=query.page_alert(table),
        empty_state=(empty_state or query.form_class.empty_state(query))
        if not result.total_count
        else None,
        fragment=fragment,
    )
    response = TemplateResponse(request, RESULTS_PARTIAL if fragment else template_name, context)
    if getattr(request, "htmx", None):
        # Form submissions carry every field; the address bar gets the canonical link.
        push_url(response, query.canonical_url)
    vary_on_htmx(response)
    return response
