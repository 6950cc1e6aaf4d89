"""Thin views: read the query, call a selector, render the full page or the results fragment."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import push_url, trigger_client_event

from portal.alerts import render_alert
from portal.auth import client_address
from portal.htmx import HtmxHttpRequest, vary_on_htmx, wants_fragment
from portal.text import grouped, join_sentences

from . import exports, selectors, services
from .forms import (
    AuditFilterForm,
    ListQuery,
    NumberFilterForm,
    NumberSelectionForm,
    SkillGroupFilterForm,
)
from .tables import AuditEventTable, PhoneNumberTable, ResultTable, SkillGroupTable

# Every list page swaps this partial: the results region and what it updates out of band.
RESULTS_PARTIAL = "phone_numbers/list_page.html#results"


@require_safe
def instance_list(request: HtmxHttpRequest) -> TemplateResponse | HttpResponseRedirect:
    instances = [i for i in selectors.instance_list() if request.identity.can_see(i.instance_id)]
    if len(instances) == 1:
        return HttpResponseRedirect(
            reverse("phone_numbers:skill_group_list", args=[instances[0].instance_id])
        )
    return TemplateResponse(request, "phone_numbers/instance_list.html", {"instances": instances})


@require_safe
def skill_group_list(request: HtmxHttpRequest, instance_id: str) -> TemplateResponse:
    query = ListQuery.from_request(SkillGroupFilterForm, request)
    result = selectors.skill_group_list(instance_id=instance_id, **query.selector_arguments())
    return _list_response(
        request,
        "phone_numbers/skill_group_list.html",
        query,
        SkillGroupTable(result, instance_id=instance_id),
        {"instance_id": instance_id},
    )


@require_safe
def number_list(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str
) -> TemplateResponse:
    query = ListQuery.from_request(NumberFilterForm, request)
    group = {"instance_id": instance_id, "skill_group_id": skill_group_id}
    reads = {
        "result": functools.partial(
            selectors.phone_number_list, **group, **query.selector_arguments()
        ),
        "contact_flow_names": functools.partial(
            selectors.contact_flow_names, instance_id=instance_id, refresh=query.refresh
        ),
        "status_count": functools.partial(
            selectors.phone_number_status_count, **group, **query.selector_arguments(paged=False)
        ),
    }
    if not wants_fragment(request):
        reads["skill_group"] = functools.partial(
            selectors.skill_group_get, **group, refresh=query.refresh
        )
    read = selectors.side_by_side(**reads)
    return _list_response(
        request,
        "phone_numbers/number_list.html",
        query,
        PhoneNumberTable(
            read["result"],
            selectable=request.identity.is_editor,
            contact_flow_names=read["contact_flow_names"],
        ),
        {
            "instance_id": instance_id,
            "skill_group": read.get("skill_group"),
            # None where CCC could not count: the listing is shown all the same.
            "status_counts": read["status_count"] and read["status_count"].beside(read["result"]),
            "can_edit": request.identity.is_editor,
            "max_per_action": settings.CCCADMIN_MAX_NUMBERS_PER_ACTION,
            "confirm_url": reverse("phone_numbers:number_change_confirm", kwargs=group),
            # A selection belongs to one view and filter, across its pages.
            "selection_key": "|".join([request.path, query["view"], query["q"], query["active"]]),
        },
    )


def _list_response(
    request: HtmxHttpRequest,
    template_name: str,
    query: ListQuery,
    table: ResultTable,
    context: dict[str, Any],
) -> TemplateResponse:
    fragment = wants_fragment(request)
    context.update(
        query=query,
        table=table,
        result=table.result,
        pager=query.pager(table.result),
        last_page_url=query.url(page=table.result.num_pages),
        fragment=fragment,
    )
    response = TemplateResponse(request, RESULTS_PARTIAL if fragment else template_name, context)
    if request.htmx:
        # Form submissions carry every field; the address bar gets the canonical link.
        push_url(response, query.canonical_url)
    vary_on_htmx(response)
    return response


@require_safe
def audit_event_list(request: HtmxHttpRequest) -> TemplateResponse:
    """The audit trail, for every role, within the instances the user may see."""
    query = _audit_query(request)
    result = selectors.audit_event_list(
        identity_instances=request.identity.instances, **query.selector_arguments()
    )
    return _list_response(
        request,
        "phone_numbers/audit_event_list.html",
        query,
        AuditEventTable(result),
        {"audit_trail": True, "time_zone": settings.TIME_ZONE},
    )


def _audit_query(request: HtmxHttpRequest) -> ListQuery:
    """The audit page's query, its instance filter limited to those the user may see."""
    visible = request.identity.instances
    form_class = AuditFilterForm.for_identity(
        visible_instances=visible,
        trail_instances=functools.partial(
            selectors.audit_instance_list, identity_instances=visible
        ),
    )
    return ListQuery.from_request(form_class, request)


# -- exports: every row of a view, as a file ---------------------------------------------------


@require_safe
def number_export(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str, file_format: str
) -> StreamingHttpResponse:
    """The numbers view of the same query as a file: its link is the view's, without a page."""
    query = ListQuery.from_request(NumberFilterForm, request)
    return _export_response(
        exports.phone_number_export(
            instance_id=instance_id,
            skill_group_id=skill_group_id,
            file_format=file_format,
            **_export_filters(query),
        )
    )


@require_safe
def audit_export(request: HtmxHttpRequest, file_format: str) -> StreamingHttpResponse:
    """The audit trail of the same filters as a file, within the instances the user may see."""
    return _export_response(
        exports.audit_export(
            identity_instances=request.identity.instances,
            file_format=file_format,
            **_export_filters(_audit_query(request)),
        )
    )


def _export_filters(query: ListQuery) -> dict[str, Any]:
    filters = query.selector_arguments(paged=False)
    del filters["refresh"]  # an export always reads afresh
    return filters


def _export_response(export: exports.ExportFile) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = export.content_disposition
    # A file of the account's data: kept by no cache, and passed on by a proxy as it comes.
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


# -- link and unlink ---------------------------------------------------------------------------


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
        if undoes is None or (undoes.attempt.instance_id, undoes.attempt.skill_group_id) != (
            instance_id,
            skill_group_id,
        ):
            return _refused_page(request, 404, _("There is no such action of this skill group."))
        action = (
            services.Action.UNLINK
            if undoes.attempt.action == services.Action.LINK
            else services.Action.LINK
        )
        choice = {"numbers": undoes.done, "undoes": undoes.attempt}
    else:
        arguments = query.selector_arguments()
        action = services.Action.LINK if not arguments["linked"] else services.Action.UNLINK
        choice = (
            {"all_matching": True, "search": arguments["search"], "active": arguments["active"]}
            if selection.cleaned_data["all"]
            else {"numbers": selection.cleaned_data["number"]}
        )
    try:
        confirmation = services.confirmation_prepare(
            username=request.identity.username, action=action, **group, **choice
        )
    except services.NothingSelected:
        return _refused_page(request, 400, _("Select at least one number first."))
    except services.SelectionTooLarge as error:
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
            "more": confirmation.expected_count - len(confirmation.numbers),
            "back_url": back_url,
            "action_url": reverse("phone_numbers:number_change", kwargs=group),
        },
    )
    if request.htmx:
        push_url(response, False)  # the dialog opens over the view, whose link stays
    vary_on_htmx(response)
    return response


@require_POST
def number_change(request: HtmxHttpRequest, instance_id: str, skill_group_id: str) -> HttpResponse:
    """Carry out a confirmed action: the outcome in place (htmx), or on its own page."""
    group = {"instance_id": instance_id, "skill_group_id": skill_group_id}
    identity = request.identity
    actor = _actor(request)
    try:
        confirmation = services.Confirmation.from_token(
            request.POST.get("token", ""), username=identity.username, **group
        )
    except services.ConfirmationInvalid as error:
        confirmation, problem = None, error
    # What the refusal records of the request: its numbers, where its token says them.
    claimed = (
        {"action": confirmation.action, "numbers": confirmation.numbers} if confirmation else {}
    )
    if not identity.is_editor:
        services.refusal_record(actor=actor, **group, **claimed, reason="not an editor")
        return _refused_page(request, 403, _("Only editors can link or unlink numbers."))
    if confirmation is None:
        services.refusal_record(actor=actor, **group, reason=str(problem))
        return _refused_page(
            request,
            400,
            _("This confirmation cannot be used (%(reason)s). Select the numbers again.")
            % {"reason": _CONFIRMATION_PROBLEMS.get(str(problem), str(problem))},
        )
    try:
        outcome = services.numbers_change(actor=actor, confirmation=confirmation)
    except services.AlreadySubmitted as error:
        services.refusal_record(
            actor=actor,
            **group,
            **claimed,
            reason=f"confirmation submitted again (attempt {error.attempt.pk})",
        )
        return _outcome_response(
            request,
            services.action_outcome_get(
                attempt_id=error.attempt.pk, visible_instances=identity.instances
            ),
            status=409,
            repeated=True,
        )
    return _outcome_response(request, outcome)


# Recorded when refused before its view runs (outside the user's instances): see services.
number_change.audited_write = True

# Lazy: made at import, said in the language of each request.
_CONFIRMATION_PROBLEMS = {
    "the confirmation has expired": gettext_lazy("it has expired"),
    "the confirmation is not one this server made": gettext_lazy("it is not one this server made"),
    "the confirmation is for another user or skill group": gettext_lazy(
        "it was made for another user or skill group"
    ),
}


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
            back_url=reverse("phone_numbers:audit_event_list"),
        )
    return _outcome_response(request, outcome, full_page=True)


def _outcome_response(
    request: HtmxHttpRequest,
    outcome: services.ActionOutcome,
    *,
    status: int = 200,
    repeated: bool = False,
    full_page: bool = False,
) -> HttpResponse:
    attempt = outcome.attempt
    group = {"instance_id": attempt.instance_id, "skill_group_id": attempt.skill_group_id}
    if request.method == "POST" and not request.htmx and status == 200:
        # Post/Redirect/Get: Reload or Back never submits the action again.
        return HttpResponseRedirect(
            reverse("phone_numbers:action_detail", args=[attempt.pk]), status=303
        )
    fragment = wants_fragment(request) and not full_page
    still_selected = fragment and bool(outcome.not_done or outcome.unknown)
    context = {
        "outcome": outcome,
        "outcome_text": join_sentences(
            [*outcome.sentences(), _("They are still selected.") if still_selected else ""]
        ),
        "attempt": attempt,
        "in_place": fragment,
        "number_lists": [
            (_("Done"), outcome.done),
            (_("Not done"), outcome.not_done),
            (_("Unknown"), outcome.unknown),
        ],
        "in_progress": not attempt.outcomes.exists() and selectors.audit_in_progress(attempt),
        "repeated": repeated,
        "can_undo": request.identity.is_editor and bool(outcome.done) and not repeated,
        "numbers_url": reverse("phone_numbers:number_list", kwargs=group),
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


def _refused_page(request: HtmxHttpRequest, status: int, detail: str) -> HttpResponse:
    return render_alert(
        request,
        status=status,
        title=_("Nothing was changed.") if status != 404 else _("Not found."),
        detail=detail,
        back_url=""
        if request.htmx
        else reverse("phone_numbers:number_list", kwargs=request.resolver_match.kwargs),
    )


def _actor(request: HtmxHttpRequest) -> services.Actor:
    return services.Actor(
        username=request.identity.username,
        email=request.identity.email,
        client_address=client_address(request),
    )
