"""Thin views of numbers across an instance: every number of it, and one number's own page with
the skill groups it serves, those it could join and why not (its link and unlink across groups
are `change_views`)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ccc import InstancePhoneNumber
from portal.alerts import render_alert
from portal.htmx import HtmxHttpRequest, wants_fragment
from portal.lists import REFRESH_PARAMETER, Crumb, ListQuery, list_response
from portal.text import moment_text

from . import exports, number_selectors, reading, selectors
from .forms import PHONE_NUMBER, InstanceNumberFilterForm, instance_numbers_query
from .navigation import breadcrumbs
from .standing import group_choices, personal_text
from .tables import USAGE_LABELS, InstanceNumberTable


@require_safe
def instance_number_list(request: HtmxHttpRequest, instance_id: str) -> TemplateResponse:
    query = ListQuery.from_request(InstanceNumberFilterForm, request)
    numbers = instance_numbers_query(query, instance_id=instance_id)
    reads = {
        "result": functools.partial(
            number_selectors.instance_number_list,
            numbers=numbers,
            page=query["page"],
            per_page=query["per_page"],
            refresh=query.refresh,
        ),
        "status_count": functools.partial(
            number_selectors.instance_number_status_count, numbers=numbers, refresh=query.refresh
        ),
    }
    if not wants_fragment(request):
        reads["instance_names"] = selectors.instance_names
    read = reading.side_by_side(**reads)
    result, status_count = read["result"], read["status_count"]
    instance_name = read.get("instance_names", {}).get(instance_id, instance_id)
    # The agents who own the page's personal outbound numbers: cached, so asked once a while.
    agents = number_selectors.agent_names(
        instance_id=instance_id,
        user_ids=[number.user_id for number in result.items],
        refresh=query.refresh,
    )
    return list_response(
        request,
        "phone_numbers/instance_number_list.html",
        query,
        InstanceNumberTable(result, instance_id=instance_id, agent_names=agents),
        {
            "instance_id": instance_id,
            "instance_name": instance_name,
            "status_counts": status_count and status_count.beside(result),
            "breadcrumbs": [
                *breadcrumbs(instance_id, instance_name=instance_name),
                Crumb(_("Numbers")),
            ],
        },
    )


@require_safe
def instance_number_export(
    request: HtmxHttpRequest, instance_id: str, file_format: str
) -> StreamingHttpResponse:
    """The instance's numbers of the same query as a file: the page's link, without a page."""
    query = ListQuery.from_request(InstanceNumberFilterForm, request)
    numbers = instance_numbers_query(query, instance_id=instance_id)
    return exports.instance_number_export(numbers=numbers, file_format=file_format).response()


@require_safe
def number_detail(request: HtmxHttpRequest, instance_id: str, number: str) -> HttpResponse:
    """One number: its facts, the skill groups it serves, those it could join and why not,
    and (for editors) linking it to several groups at once or unlinking it from them."""
    numbers_url = reverse("phone_numbers:instance_number_list", args=[instance_id])
    if not PHONE_NUMBER.fullmatch(number):
        return render_alert(
            request,
            status=404,
            title=_("“%(number)s” is not a phone number.") % {"number": number[:64]},
            back_url=numbers_url,
        )
    refresh = REFRESH_PARAMETER in request.GET
    read = reading.side_by_side(
        number=functools.partial(
            _number_or_none, instance_id=instance_id, number=number, refresh=refresh
        ),
        groups=functools.partial(
            selectors.voice_skill_group_list_all, instance_id=instance_id, refresh=refresh
        ),
        instance_names=selectors.instance_names,
    )
    instance_name = read["instance_names"].get(instance_id, instance_id)
    found = read["number"]
    if found is None:
        return render_alert(
            request,
            status=404,
            title=_("Number “%(number)s” is not a number of instance “%(instance)s”.")
            % {"number": number, "instance": instance_name},
            detail=_("Check the number, or find it among the instance's numbers."),
            back_url=numbers_url,
        )
    agents = number_selectors.agent_names(
        instance_id=instance_id, user_ids=[found.user_id], refresh=refresh
    )
    linked, could_join = group_choices(found, read["groups"])
    history_url = (
        reverse("audit:audit_event_list")
        + "?"
        + urlencode({"instance": instance_id, "number": number})
    )
    return TemplateResponse(
        request,
        "phone_numbers/number_detail.html",
        {
            "instance_id": instance_id,
            "number": found,
            "agent_name": agents.get(found.user_id, found.user_id),
            "usage_label": USAGE_LABELS.get(found.usage, found.usage) or "—",
            "created_text": _created_text(found.create_time),
            "personal_text": personal_text(found, agents) if found.user_id else "",
            "linked": linked,
            "could_join": could_join,
            "can_edit": request.identity.is_editor,
            "confirm_url": reverse(
                "phone_numbers:number_groups_confirm", args=[instance_id, number]
            ),
            "history_url": history_url,
            "refresh_url": f"{request.path}?{REFRESH_PARAMETER}=1",
            "breadcrumbs": [
                *breadcrumbs(instance_id, instance_name=instance_name),
                Crumb(_("Numbers"), numbers_url),
                Crumb(number),
            ],
        },
    )


def _number_or_none(*, instance_id: str, number: str, refresh: bool) -> InstancePhoneNumber | None:
    try:
        return number_selectors.instance_number_get(
            instance_id=instance_id, number=number, refresh=refresh
        )
    except number_selectors.NumberNotFound:
        return None


def _created_text(create_time: str) -> str:
    """When CCC added the number (it writes epoch milliseconds), in the reader's time zone; ""
    when it does not say (nothing, or 0: not a time, 1970)."""
    if not create_time.isdigit() or not int(create_time):
        return ""
    return moment_text(datetime.fromtimestamp(int(create_time) / 1000, tz=UTC))
