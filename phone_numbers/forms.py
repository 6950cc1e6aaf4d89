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

from .queries import InstanceNumbersQuery, NumbersQuery
from .tables import MEDIA_LABELS, USAGE_LABELS

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


class _NumberSearchForm(ListFilterForm):
    """A search by number, typed as people type numbers, and the status filter: what every
    list of numbers filters by."""

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

    field_widths = {**ListFilterForm.field_widths, "active": "col-6 col-sm-3 col-lg-2"}

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

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            **ListFilterForm.selector_arguments(values),
            "active": None if not values["active"] else values["active"] == "true",
        }


class NumberFilterForm(_NumberSearchForm):
    view = forms.ChoiceField(
        required=False,
        choices=[("linked", _("Linked")), ("eligible", _("Eligible"))],
        label=_("View"),
        widget=forms.HiddenInput,  # the view toggle's links and hidden input carry it
    )

    defaults = {"view": "linked", "q": "", "active": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    features = ListFeatures(
        view_toggle="phone_numbers/_view_toggle.html",
        status_counts="phone_numbers/_status_counts.html",
        selection="phone_numbers/_selection.html",
        export=True,
    )
    field_order = ("view", "q", "active", "per_page")
    filter_names = ("q", "active")

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
            **_NumberSearchForm.selector_arguments(values),
            "linked": values["view"] == "linked",
        }


class InstanceNumberFilterForm(_NumberSearchForm):
    """Every number of an instance: by number, usage and status."""

    usage = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), *((usage.value, label) for usage, label in USAGE_LABELS.items())],
        label=_("Usage"),
        widget=forms.Select(attrs=SELECT),
    )

    defaults = {"q": "", "usage": "", "active": "", "per_page": DEFAULT_PER_PAGE, "page": 1}
    features = ListFeatures(status_counts="phone_numbers/_status_counts.html", export=True)
    field_widths = {**_NumberSearchForm.field_widths, "usage": "col-6 col-sm-3 col-lg-2"}
    field_order = ("q", "usage", "active", "per_page")
    filter_names = ("q", "usage", "active")

    @classmethod
    def empty_state(cls, query: ListQuery) -> EmptyState:
        if any(query[name] != cls.defaults[name] for name in cls.filter_names):
            return super().empty_state(query)
        return EmptyState(_("This instance has no phone numbers."))

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {**_NumberSearchForm.selector_arguments(values), "usage": values["usage"]}


def instance_numbers_query(query: ListQuery, *, instance_id: str) -> InstanceNumbersQuery:
    """Which numbers the instance's numbers page asks for."""
    return InstanceNumbersQuery(instance_id=instance_id, **query.filter_arguments())


def numbers_query(query: ListQuery, *, instance_id: str, skill_group_id: str) -> NumbersQuery:
    """Which numbers a numbers page's query asks for, in the skill group of its address."""
    return NumbersQuery(
        instance_id=instance_id, skill_group_id=skill_group_id, **query.filter_arguments()
    )


# -- an editor's selection ---------------------------------------------------------------------

# A phone number as CCC writes it: digits, perhaps after a "+".
PHONE_NUMBER = re.compile(r"\+?[0-9]{3,32}")


class NumberSelectionForm(forms.Form):
    """What an editor picked to link or unlink: numbers one by one, every number matching
    the view, or the numbers an earlier action did (to undo it)."""

    # Repeated `number` parameters (the checkboxes), read as a list.
    number = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    all = forms.BooleanField(required=False)
    undo = forms.IntegerField(required=False, min_value=1)

    def clean_number(self) -> list[str]:
        numbers = list(dict.fromkeys(self.cleaned_data["number"] or []))
        malformed = [number for number in numbers if not PHONE_NUMBER.fullmatch(number)]
        if malformed:
            raise forms.ValidationError(
                _("“%(number)s” is not a phone number."),
                code="number",
                params={"number": printable(malformed[0])[:NOTICE_QUOTE_MAX_LENGTH]},
            )
        return numbers
