"""The audit page's query: every filter of the trail, read from the database (no 10,000 cap)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.lists import (
    DEFAULT_PER_PAGE,
    SEARCH_INPUT_MAX_LENGTH,
    SELECT,
    ListFeatures,
    ListFilterForm,
    normalise_number,
)

from .models import AuditEvent
from .selectors import IN_PROGRESS

# What the date inputs take: the trail's dates are this century's, and a mistyped year (0026)
# falls back with a notice rather than asking for a day the database cannot hold.
AUDIT_DATE_MIN = date(2000, 1, 1)
AUDIT_DATE_MAX = date(2999, 12, 31)
_TEXT = {"class": "form-control form-control-sm filter-text", "autocomplete": "off"}
# A phone number as the trail keeps it: digits, perhaps after a "+".
_PHONE_NUMBER = re.compile(r"\+?[0-9]+")


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
        widget=forms.Select(attrs=SELECT),
    )
    skill_group = forms.CharField(
        required=False,
        max_length=256,
        label=_("Skill group"),
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("name or ID")}),
    )
    # Room for the punctuation people type between digits, dropped before it is matched.
    number = forms.CharField(
        required=False,
        max_length=SEARCH_INPUT_MAX_LENGTH,
        label=_("Number"),
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("whole number")}),
    )
    user = forms.CharField(
        required=False,
        max_length=254,
        label=_("User"),
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("name or email contains")}),
    )
    action = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), *AuditEvent.Action.choices],
        label=_("Action"),
        widget=forms.Select(attrs=SELECT),
    )
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), *AuditEvent.Outcome.choices, (IN_PROGRESS, _("In progress"))],
        label=_("Outcome"),
        widget=forms.Select(attrs=SELECT),
    )
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    filter_names = (
        "instance",
        "skill_group",
        "number",
        "user",
        "action",
        "outcome",
        "date_from",
        "date_to",
    )
    field_order = (*filter_names, "per_page")
    # Every filter empty: the whole trail, newest first.
    defaults = {**dict.fromkeys(filter_names, ""), "per_page": DEFAULT_PER_PAGE, "page": 1}
    max_rows = None
    features = ListFeatures(export=True, clear_filters=True)
    field_widths = {
        "per_page": "col-4 col-sm-2 col-xl-1",
        "action": "col-4 col-sm-2 col-xl-1",
        "outcome": "col-6 col-sm-4 col-xl-auto",
        "date_from": "col-6 col-sm-4 col-xl-auto",
        "date_to": "col-6 col-sm-4 col-xl-auto",
    }
    DEFAULT_FIELD_WIDTH = "col-12 col-sm-4 col-xl-2"

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

    def clean_number(self) -> str:
        number = normalise_number(self.cleaned_data["number"])
        if number and not _PHONE_NUMBER.fullmatch(number):
            raise forms.ValidationError(
                _(
                    "The Number filter takes digits only, perhaps after a + (spaces, dashes and "
                    "brackets are ignored), not “%(value)s”; it was left out."
                ),
                code="notice",
            )
        return number

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
            self.add_error(
                "date_to",
                forms.ValidationError(
                    _("The end date (%(value)s) cannot be before the start date; it was left out."),
                    code="notice",
                ),
            )
        return cleaned

    @staticmethod
    def selector_arguments(values: dict[str, Any]) -> dict[str, Any]:
        return {
            "instance_id": values["instance"],
            "skill_group": values["skill_group"],
            "number": values["number"],
            "user": values["user"],
            "action": values["action"],
            "outcome": values["outcome"],
            "date_from": date.fromisoformat(values["date_from"]) if values["date_from"] else None,
            "date_to": date.fromisoformat(values["date_to"]) if values["date_to"] else None,
            "page": values["page"],
            "per_page": values["per_page"],
        }
