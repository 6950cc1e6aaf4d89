"""The numbers feature's list queries (skill groups, a group's numbers) and an editor's
selection; the query machinery they share is `portal.lists`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ccc import MediaType
from portal.lists import (
    DEFAULT_PER_PAGE,
    NOTICE_QUOTE_MAX_LENGTH,
    SELECT,
    EmptyState,
    Link,
    ListFeatures,
    ListFilterForm,
    ListQuery,
    normalise_number,
    printable,
    search_input,
)

from .queries import NumbersQuery
from .tables import MEDIA_LABELS

_DIGITS = re.compile(r"[0-9]*")


class SkillGroupFilterForm(ListFilterForm):
    q = forms.CharField(required=False, label=_("Search skill groups"), widget=search_input())
    # CCC lists one medium at a time; by default the voice groups, the ones numbers serve.
    media = forms.ChoiceField(
        required=False,
        choices=[(media.lower(), label) for media, label in MEDIA_LABELS.items()],
        label=_("Media"),
        widget=forms.Select(attrs=SELECT),
    )

    defaults = {"q": "", "media": "audio", "per_page": DEFAULT_PER_PAGE, "page": 1}
    field_widths = {**ListFilterForm.field_widths, "media": "col-6 col-sm-3 col-lg-2"}
    field_order = ("q", "media", "per_page")

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            **ListFilterForm.selector_arguments(values),
            "media_type": MediaType(values["media"].upper()),
        }


class NumberFilterForm(ListFilterForm):
    view = forms.ChoiceField(
        required=False,
        choices=[("linked", _("Linked")), ("eligible", _("Eligible"))],
        label=_("View"),
        widget=forms.HiddenInput,  # the view toggle's links and hidden input carry it
    )
    q = forms.CharField(
        required=False,
        label=_("Search numbers"),
        widget=search_input(placeholder=_("e.g. 0833")),
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))],
        label=_("Status"),
        widget=forms.Select(attrs=SELECT),
    )

    defaults = {"view": "linked", "q": "", "active": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    features = ListFeatures(
        view_toggle="phone_numbers/_view_toggle.html",
        status_counts="phone_numbers/_status_counts.html",
        selection="phone_numbers/_selection.html",
        export=True,
    )
    field_widths = {**ListFilterForm.field_widths, "active": "col-6 col-sm-3 col-lg-2"}
    field_order = ("view", "q", "active", "per_page")
    filter_names = ("q", "active")

    @staticmethod
    def normalise_q(value: str) -> str:
        return normalise_number(value)

    def clean_q(self) -> str:
        q = super().clean_q()
        if not _DIGITS.fullmatch(q):
            raise forms.ValidationError(
                _(
                    "The number search takes digits only (spaces, dashes and brackets are "
                    "ignored), not “%(value)s”; showing every number."
                ),
                code="notice",
            )
        return q

    @classmethod
    def empty_state(cls, query: ListQuery) -> EmptyState:
        """An unfiltered view with no numbers says which it is, and the linked one leads to
        the numbers that could be linked."""
        if any(query[name] != cls.defaults[name] for name in cls.filter_names):
            return super().empty_state(query)
        if query["view"] == "eligible":
            return EmptyState(_("No number of this instance could be linked to this skill group."))
        return EmptyState(
            _("No number is linked to this skill group yet."),
            (Link(str(_("Show the numbers that could be linked")), query.url(view="eligible")),),
        )

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            **ListFilterForm.selector_arguments(values),
            "linked": values["view"] == "linked",
            "active": None if not values["active"] else values["active"] == "true",
        }


def numbers_query(query: ListQuery, *, instance_id: str, skill_group_id: str) -> NumbersQuery:
    """Which numbers a numbers page's query asks for, in the skill group of its address."""
    return NumbersQuery(
        instance_id=instance_id, skill_group_id=skill_group_id, **query.filter_arguments()
    )


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
                params={"number": printable(malformed[0])[:NOTICE_QUOTE_MAX_LENGTH]},
            )
        return numbers
