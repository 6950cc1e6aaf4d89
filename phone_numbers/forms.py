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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .paging import ResultPage, last_reachable_page

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
        if "q" not in form.errors and len(form.normalise_q(data.get("q", ""))) > SEARCH_MAX_LENGTH:
            notices.append(
                _("The search was cut to its first %(length)d characters.")
                % {"length": SEARCH_MAX_LENGTH}
            )
        last_page = last_reachable_page(values["per_page"])
        if values["page"] > last_page:
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

    def selector_arguments(self) -> dict[str, Any]:
        return {**self.form_class.selector_arguments(self.values), "refresh": self.refresh}

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

    @property
    def canonical_url(self) -> str:
        """The link that reproduces this view: what the address bar shows."""
        return self.url()

    @property
    def share_url(self) -> str:
        return self.origin + self.canonical_url

    @property
    def refresh_url(self) -> str:
        """This view, asked of CCC again (the address bar still gets the canonical link)."""
        separator = "&" if "?" in self.canonical_url else "?"
        return f"{self.canonical_url}{separator}{REFRESH_PARAMETER}=1"

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
