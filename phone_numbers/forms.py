"""Query-string handling: every parameter validated and normalised, invalid ones reported.

A shared link is only the URL, so the forms never fail: an unusable value falls back to its
default and leaves a notice the page shows. `ListQuery` turns the cleaned values back into
canonical links that leave defaults out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .services import max_reachable_page

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
SEARCH_MAX_LENGTH = 32
# What people type between digits: spaces, dashes, dots, parentheses.
_NUMBER_PUNCTUATION = re.compile(r"[\s\-\.\(\)\u2010-\u2015]+")
_DIGITS = re.compile(r"[0-9]*")


class ListFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    page = forms.IntegerField(required=False, min_value=1, label=_("Page"))
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        label=_("Per page"),
    )

    # In the order they appear in links.
    defaults: dict[str, Any] = {"q": "", "per_page": DEFAULT_PER_PAGE, "page": 1}

    @staticmethod
    def normalise_q(value: str) -> str:
        return value.strip()

    def clean_q(self) -> str:
        # Stripped again after the cut, or the canonical link would end in a space.
        return self.normalise_q(self.cleaned_data["q"])[:SEARCH_MAX_LENGTH].strip()


class SkillGroupFilterForm(ListFilterForm):
    q = forms.CharField(required=False, label=_("Search skill groups"))


class NumberFilterForm(ListFilterForm):
    view = forms.ChoiceField(
        required=False,
        choices=[("linked", _("Linked")), ("eligible", _("Eligible"))],
        label=_("View"),
    )
    q = forms.CharField(required=False, label=_("Search numbers"))
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))],
        label=_("Status"),
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


def _printable(value: str) -> str:
    """The value as a notice may quote it: control characters (NUL included) left out."""
    return "".join(char for char in value if char.isprintable())


@dataclass(frozen=True)
class ListQuery:
    """The cleaned query of a list page and the notices its cleaning produced."""

    values: dict[str, Any]
    defaults: dict[str, Any]
    notices: tuple[str, ...] = field(default=())

    @classmethod
    def from_request(cls, form_class: type[ListFilterForm], data: QueryDict) -> ListQuery:
        form = form_class(data)
        form.is_valid()
        notices = []
        values = {}
        for name, default in form.defaults.items():
            if name in form.errors:
                notices.append(
                    _("“%(value)s” is not a valid value for “%(field)s”; showing the default.")
                    % {
                        "value": _printable(data.get(name, ""))[:40],
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
        last_page = max_reachable_page(values["per_page"])
        if values["page"] > last_page:
            notices.append(
                _("Only the first %(pages)d pages can be listed; showing page %(pages)d.")
                % {"pages": last_page}
            )
            values["page"] = last_page
        return cls(values=values, defaults=dict(form.defaults), notices=tuple(notices))

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def query_string(self, **changes: Any) -> str:
        """`?…` without defaults (or "" when all are defaults); filter changes reset the page."""
        values = {**self.values, **changes}
        if "page" not in changes and changes:
            values["page"] = 1
        kept = {name: value for name, value in values.items() if value != self.defaults[name]}
        return f"?{urlencode(kept)}" if kept else ""
