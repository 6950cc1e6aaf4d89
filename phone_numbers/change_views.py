"""Thin views of link and unlink: the confirmation, the write it confirms, and the action's
page with its Undo (the lists are `views`)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import push_url, trigger_client_event

from audit import selectors as audit_selectors
from audit.models import AuditEvent
from audit.recording import (
    Actor,
    AlreadySubmitted,
    AlreadyUndone,
    audited_write,
    refusal_record,
    too_long,
)
from portal.alerts import render_alert
from portal.htmx import HtmxHttpRequest, vary_on_htmx, wants_fragment
from portal.lists import Crumb, ListQuery
from portal.text import grouped, join_sentences, moment_text

from . import selectors, services
from .confirmations import (
    Confirmation,
    ConfirmationInvalid,
    GroupNotServed,
    NothingSelected,
    SelectionTooLarge,
    confirmation_prepare,
)
from .forms import PHONE_NUMBER, NumberFilterForm, NumberSelectionForm, numbers_query
from .navigation import breadcrumbs
from .outcomes import ActionOutcome, progress_of
from .tables import not_served_text

Action = AuditEvent.Action


@require_http_methods(["GET", "HEAD", "POST"])
def number_change_confirm(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str
) -> HttpResponse:
    """What the editor is about to do, to confirm: the dialog's content, or a page of its
    own without JavaScript. Nothing is changed here."""
    group = {"instance_id": instance_id, "skill_group_id": skill_group_id}
    query = ListQuery.from_request(NumberFilterForm, request)
    # Cancel goes back to the view the selection was made in.
    back_url = reverse("phone_numbers:number_list", kwargs=group) + query.query_string()
    if not request.identity.is_editor:
        return _refused_page(request, 403, _("Only editors can link or unlink numbers."))
    # POST only to carry a selection too long for an address; the query is in the address.
    selection = NumberSelectionForm(request.POST if request.method == "POST" else request.GET)
    if not selection.is_valid():
        return _refused_page(request, 400, " ".join(selection.errors.get("number", [])))
    undoes = None
    if selection.cleaned_data["undo"]:
        undoes = services.action_outcome_get(
            attempt_id=selection.cleaned_data["undo"],
            visible_instances=request.identity.instances,
        )
        if undoes is None or not _of_group(undoes, **group):
            return _refused_page(request, 404, _("There is no such action of this skill group."))
        if undoes.undone_by is not None:
            return _already_undone_page(request, undoes.undone_by)
        action = Action.UNLINK if undoes.attempt.action == Action.LINK else Action.LINK
        choice = {
            "numbers_by_group": {part.skill_group_id: part.done for part in undoes.parts},
            "undoes": undoes.attempt,
        }
    else:
        numbers = numbers_query(query, **group)
        # The numbers are in the view before the action: linked ones are unlinked.
        action = Action.UNLINK if numbers.linked else Action.LINK
        choice = (
            {"matching": numbers}
            if selection.cleaned_data["all"]
            else {"numbers_by_group": {skill_group_id: selection.cleaned_data["number"]}}
        )
    try:
        confirmation = confirmation_prepare(
            username=request.identity.username, action=action, instance_id=instance_id, **choice
        )
    except NothingSelected:
        return _refused_page(request, 400, _("Select at least one number first."))
    except GroupNotServed as error:
        return _refused_page(request, 400, not_served_text(error.group))
    except SelectionTooLarge as error:
        return _refused_page(
            request,
            400,
            _(
                "%(count)s numbers match, and one action takes at most %(maximum)s. Narrow the "
                "filter, then try again."
            )
            % {"count": grouped(error.count), "maximum": grouped(error.maximum)},
        )
    template = "phone_numbers/number_change_confirm.html"
    response = TemplateResponse(
        request,
        f"{template}#confirmation" if wants_fragment(request) else template,
        {
            **group,
            "confirmation": confirmation,
            "in_dialog": wants_fragment(request),
            "more": confirmation.expected_count - len(confirmation.numbers),
            "back_url": back_url,
            "action_url": reverse("phone_numbers:number_change", kwargs=group),
            "breadcrumbs": [
                *breadcrumbs(
                    instance_id,
                    confirmation.groups_label,
                    back_url,
                    instance_name=selectors.instance_names().get(instance_id, instance_id),
                ),
                Crumb(_("Confirm")),
            ],
        },
    )
    if request.htmx:
        push_url(response, False)  # the dialog opens over the view, whose link stays
    vary_on_htmx(response)
    return response


@require_safe
def number_groups_confirm(request: HtmxHttpRequest, instance_id: str, number: str) -> HttpResponse:
    """What the editor is about to do to one number in the skill groups ticked on its page: a
    page of its own to confirm. Nothing is changed here."""
    if not request.identity.is_editor:
        return _refused_page(request, 403, _("Only editors can link or unlink numbers."))
    action = request.GET.get("action", "")
    groups = list(dict.fromkeys(request.GET.getlist("group")))
    if action not in Action.values or not PHONE_NUMBER.fullmatch(number):
        return _refused_page(request, 400, _("This link does not say what to change."))
    if not groups:
        return _refused_page(request, 400, _("Tick at least one skill group first."))
    try:
        confirmation = confirmation_prepare(
            username=request.identity.username,
            action=Action(action),
            instance_id=instance_id,
            numbers_by_group={group: [number] for group in groups},
        )
    except GroupNotServed as error:
        return _refused_page(request, 400, not_served_text(error.group))
    except SelectionTooLarge as error:
        return _refused_page(
            request,
            400,
            _("One action takes at most %(maximum)s skill groups.")
            % {"maximum": grouped(error.maximum)},
        )
    back_url = reverse("phone_numbers:number_detail", args=[instance_id, number])
    return TemplateResponse(
        request,
        "phone_numbers/number_change_confirm.html",
        {
            "instance_id": instance_id,
            "confirmation": confirmation,
            "more": 0,
            "back_url": back_url,
            "action_url": reverse("phone_numbers:number_groups_change", args=[instance_id, number]),
            "breadcrumbs": [
                *breadcrumbs(
                    instance_id,
                    instance_name=selectors.instance_names().get(instance_id, instance_id),
                ),
                Crumb(
                    _("Numbers"),
                    reverse("phone_numbers:instance_number_list", args=[instance_id]),
                ),
                Crumb(number, back_url),
                Crumb(_("Confirm")),
            ],
        },
    )


@audited_write
@require_POST
def number_change(request: HtmxHttpRequest, instance_id: str, skill_group_id: str) -> HttpResponse:
    """Carry out a confirmed action of a skill group's numbers: the outcome in place (htmx),
    or on its own page."""
    return _confirmed_change(request, instance_id=instance_id, skill_group_id=skill_group_id)


@audited_write
@require_POST
def number_groups_change(request: HtmxHttpRequest, instance_id: str, number: str) -> HttpResponse:
    """Carry out a confirmed action of one number in several skill groups."""
    return _confirmed_change(request, instance_id=instance_id, number=number)


def _confirmed_change(
    request: HtmxHttpRequest, *, instance_id: str, skill_group_id: str = "", number: str = ""
) -> HttpResponse:
    """A confirmed action carried out, or refused and recorded why, at the address it was
    submitted to: a skill group's, or a number's."""
    group = {"instance_id": instance_id, "skill_group_id": skill_group_id}
    identity = request.identity
    actor = Actor.of(request)
    try:
        confirmation = Confirmation.from_token(
            request.POST.get("token", ""), username=identity.username, number=number, **group
        )
    except ConfirmationInvalid as error:
        confirmation, problem = None, error
    # What the refusal records of the request: its numbers, where its token (or address)
    # says them.
    claimed = (
        {"action": confirmation.action, "numbers": confirmation.numbers}
        if confirmation
        else {"numbers": [number]}
        if number
        else {}
    )
    if cut := too_long(**group, **actor.columns()):
        refusal_record(
            actor=actor, **group, refusal=AuditEvent.Refusal.TOO_LONG, detail=", ".join(cut)
        )
        return _refused_page(
            request,
            400,
            _(
                "This request carries a value longer than the audit trail can record (an ID, "
                "the user's name or email), so nothing was changed."
            ),
        )
    if not identity.is_editor:
        refusal_record(actor=actor, **group, **claimed, refusal=AuditEvent.Refusal.NOT_EDITOR)
        return _refused_page(request, 403, _("Only editors can link or unlink numbers."))
    if confirmation is None:
        refusal_record(actor=actor, **group, **claimed, refusal=problem.refusal)
        return _refused_page(
            request,
            400,
            _("This confirmation cannot be used (%(reason)s). Select the numbers again.")
            % {"reason": problem.problem},
        )
    try:
        outcome = services.numbers_change(actor=actor, confirmation=confirmation)
    except AlreadyUndone as error:
        refusal_record(
            actor=actor,
            **group,
            **claimed,
            refusal=AuditEvent.Refusal.ALREADY_UNDONE,
            detail=str(error.undo.pk),
        )
        return _already_undone_page(request, error.undo)
    except AlreadySubmitted as error:
        refusal_record(
            actor=actor,
            **group,
            **claimed,
            refusal=AuditEvent.Refusal.CONFIRMATION_REUSED,
            detail=str(error.attempt.pk),
        )
        return _outcome_response(
            request,
            services.action_outcome_get(
                attempt_id=error.attempt.pk, visible_instances=identity.instances
            ),
            status=409,
            repeated=True,
        )
    except services.TrailUnavailable:
        return render_alert(
            request,
            status=503,
            title=_("Nothing was changed."),
            detail=_(
                "The audit trail cannot be written right now, and no change is made without "
                "it. Try again in a moment; if it persists, tell your admin."
            ),
        )
    # Recorded or not, the outcome is shown: CCC changed what it says.
    return _outcome_response(request, outcome, status=503 if outcome.record_failed else 200)


@require_safe
def action_detail(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """One action of the audit trail and what came of it: where an action without
    JavaScript lands, and what the trail links to."""
    outcome = services.action_outcome_get(
        attempt_id=attempt_id, visible_instances=request.identity.instances
    )
    if outcome is None:
        return render_alert(
            request,
            status=404,
            title=_("There is no such action in the audit trail you can see."),
            back_url=reverse("audit:audit_event_list"),
        )
    # A running action's page asks for itself every second until its outcome is in.
    return _outcome_response(request, outcome, full_page=True)


def _outcome_response(
    request: HtmxHttpRequest,
    outcome: ActionOutcome,
    *,
    status: int = 200,
    repeated: bool = False,
    full_page: bool = False,
) -> HttpResponse:
    attempt = outcome.attempt
    # An action of several skill groups leads back to (and undoes from) its first.
    group = {"instance_id": attempt.instance_id, "skill_group_id": outcome.parts[0].skill_group_id}
    if request.method == "POST" and not request.htmx and status == 200:
        # Post/Redirect/Get: Reload or Back never submits the action again.
        return HttpResponseRedirect(
            reverse("phone_numbers:action_detail", args=[attempt.pk]), status=303
        )
    fragment = wants_fragment(request) and not full_page
    in_progress = not outcome.recorded and audit_selectors.in_progress(attempt)
    still_selected = fragment and bool(outcome.not_done or outcome.unknown)
    context = {
        "outcome": outcome,
        "outcome_text": join_sentences(
            [
                *outcome.sentences(),
                _("They are still selected.") if still_selected else "",
                _(
                    "This outcome could not be recorded in the audit trail (its database "
                    "failed): the trail shows the action as unknown. Keep this page."
                )
                if outcome.record_failed
                else "",
            ]
        ),
        "attempt": attempt,
        "in_place": fragment,
        # A number of several parts is listed once; a running action's have no outcome yet.
        "number_lists": []
        if in_progress
        else [
            (_("Done"), list(dict.fromkeys(outcome.done))),
            (_("Not done"), list(dict.fromkeys(outcome.not_done))),
            (_("Unknown"), list(dict.fromkeys(outcome.unknown))),
        ],
        "in_progress": in_progress,
        "progress": progress_of(attempt) if in_progress else None,
        "page_url": reverse("phone_numbers:action_detail", args=[attempt.pk]),
        "repeated": repeated,
        "can_undo": request.identity.is_editor
        and bool(outcome.done)
        and not repeated
        and not outcome.record_failed
        and outcome.undone_by is None,
        "undone_by": outcome.undone_by,
        "undone_text": moment_text(outcome.undone_by.created_at) if outcome.undone_by else "",
        "created_text": moment_text(attempt.created_at),
        "numbers_url": reverse("phone_numbers:number_list", kwargs=group),
        "number_url": reverse(
            "phone_numbers:number_detail", args=[attempt.instance_id, outcome.one_number]
        )
        if outcome.one_number
        else "",
        "breadcrumbs": [
            Crumb(_("Audit trail"), reverse("audit:audit_event_list")),
            Crumb(outcome.groups_label),
        ],
        "undo_url": reverse("phone_numbers:number_change_confirm", kwargs=group)
        + f"?undo={attempt.pk}",
        **group,
    }
    template = "phone_numbers/action_detail.html"
    response = TemplateResponse(
        request, f"{template}#outcome" if fragment else template, context, status=status
    )
    if fragment:
        push_url(response, False)
        # The results under the dialog show the change; the selection keeps what was not done.
        trigger_client_event(
            response,
            "cccadmin:numbers-changed",
            {"stillSelected": outcome.not_done + outcome.unknown},
            after="settle",  # not before: refreshing the results would cancel this swap
        )
    vary_on_htmx(response)
    return response


def _of_group(outcome: ActionOutcome, *, instance_id: str, skill_group_id: str) -> bool:
    """Whether an action changed this skill group (one of its parts)."""
    return outcome.attempt.instance_id == instance_id and any(
        part.skill_group_id == skill_group_id for part in outcome.parts
    )


def _already_undone_page(request: HtmxHttpRequest, undo: AuditEvent) -> HttpResponse:
    """An action is undone once: a second undo is refused, pointing to the first."""
    return render_alert(
        request,
        status=409,
        title=_("Nothing was changed."),
        detail=format_html(
            '{} <a href="{}">{}</a>',
            _("This action was already undone by %(user)s at %(time)s.")
            % {"user": undo.username, "time": moment_text(undo.created_at)},
            reverse("phone_numbers:action_detail", args=[undo.pk]),
            _("See the undo"),
        ),
        back_url=""
        if request.htmx
        else reverse("phone_numbers:action_detail", args=[undo.undoes_id]),
    )


def _refused_page(request: HtmxHttpRequest, status: int, detail: str) -> HttpResponse:
    return render_alert(
        request,
        status=status,
        title=_("Nothing was changed.") if status != 404 else _("Not found."),
        detail=detail,
        back_url="" if request.htmx else _back_url(request.resolver_match.kwargs),
    )


def _back_url(address: dict[str, str]) -> str:
    """Where a refused change goes back to: the number's page, or the skill group's."""
    if "number" in address:
        return reverse(
            "phone_numbers:number_detail", args=[address["instance_id"], address["number"]]
        )
    return reverse("phone_numbers:number_list", kwargs=address)
