"""Thin views of the lists: read the query, call a selector, render the full page or the results
fragment (the link and unlink pages are `change_views`)."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from audit.models import AuditEvent
from ccc import CccError
from portal.htmx import HtmxHttpRequest, wants_fragment
from portal.lists import EmptyState, Link, ListQuery, list_response
from portal.paging import ResultPage
from portal.text import grouped

from . import exports, number_selectors, reading, selectors
from .forms import NumberFilterForm, SkillGroupFilterForm, numbers_query
from .navigation import breadcrumbs
from .queries import InstanceNumbersQuery, NumbersQuery
from .standing import why_not_eligible
from .tables import PhoneNumberTable, SkillGroupTable, not_served_text

Action = AuditEvent.Action

logger = logging.getLogger(__name__)


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
    reads = {
        "result": functools.partial(
            selectors.skill_group_list, instance_id=instance_id, **query.selector_arguments()
        )
    }
    if not wants_fragment(request):
        reads["instance_names"] = selectors.instance_names
    read = reading.side_by_side(**reads)
    instance_name = read.get("instance_names", {}).get(instance_id, instance_id)
    return list_response(
        request,
        "phone_numbers/skill_group_list.html",
        query,
        SkillGroupTable(read["result"], instance_id=instance_id),
        {
            "instance_id": instance_id,
            "instance_name": instance_name,
            "breadcrumbs": breadcrumbs(instance_id, instance_name=instance_name),
        },
    )


@require_safe
def number_list(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str
) -> TemplateResponse:
    query = ListQuery.from_request(NumberFilterForm, request)
    group = {"instance_id": instance_id, "skill_group_id": skill_group_id}
    numbers = numbers_query(query, **group)
    reads = {
        "result": functools.partial(
            selectors.phone_number_list,
            numbers=numbers,
            page=query["page"],
            per_page=query["per_page"],
            refresh=query.refresh,
        ),
        "contact_flow_names": functools.partial(
            selectors.contact_flow_names, instance_id=instance_id, refresh=query.refresh
        ),
        "status_count": functools.partial(
            selectors.phone_number_status_count, numbers=numbers, refresh=query.refresh
        ),
    }
    if not wants_fragment(request) or not numbers.linked:
        # The page's header; and the eligible view depends on the group's media.
        reads["skill_group"] = functools.partial(
            selectors.skill_group_get, **group, refresh=query.refresh
        )
    if not wants_fragment(request):
        reads["instance_names"] = selectors.instance_names
    read = reading.side_by_side(**reads)
    group_name = read.get("skill_group") and (
        read["skill_group"].display_name or read["skill_group"].name
    )
    instance_name = read.get("instance_names", {}).get(instance_id, instance_id)
    result, status_count, not_served = read["result"], read["status_count"], ""
    if not numbers.linked and not read["skill_group"].is_voice:
        # Phone numbers serve voice groups alone: whatever CCC lists as eligible for a group of
        # another medium, there is none to link, and the page says why.
        not_served = not_served_text(read["skill_group"])
        result = ResultPage(items=(), page=1, per_page=query["per_page"], total_count=0)
        status_count = None
    empty_state = EmptyState(not_served) if not_served else None
    if not numbers.linked and numbers.search and not result.total_count and not not_served:
        empty_state = _why_not_eligible(query, numbers)
    return list_response(
        request,
        "phone_numbers/number_list.html",
        query,
        PhoneNumberTable(
            result,
            instance_id=instance_id,
            selectable=request.identity.is_editor,
            contact_flow_names=read["contact_flow_names"],
        ),
        {
            "instance_id": instance_id,
            "skill_group": read.get("skill_group"),
            # None where CCC could not count: the listing is shown all the same.
            "status_counts": status_count and status_count.beside(result),
            "nothing_to_link": bool(not_served),
            "can_edit": request.identity.is_editor,
            "max_per_action": settings.CCCADMIN_MAX_NUMBERS_PER_ACTION,
            "confirm_url": reverse("phone_numbers:number_change_confirm", kwargs=group),
            # A selection belongs to one view and filter, across its pages.
            "selection_key": "|".join([request.path, query["view"], query["q"], query["active"]]),
            "instance_name": instance_name,
            "breadcrumbs": breadcrumbs(instance_id, group_name, instance_name=instance_name),
        },
        empty_state=empty_state,
    )


# How many of the instance's numbers a search matched the eligible view explains one by one.
WHY_NOT_SHOWN = 5


def _why_not_eligible(query: ListQuery, numbers: NumbersQuery) -> EmptyState:
    """A search of the eligible view that found none: what the instance's numbers it matches
    are (one more round trip, only now), each linked to its page."""
    try:
        matching = number_selectors.instance_number_list(
            numbers=InstanceNumbersQuery(numbers.instance_id, search=numbers.search),
            per_page=WHY_NOT_SHOWN,
            refresh=query.refresh,
        )
    except CccError as error:
        # An explanation, not the view: without it (a RAM policy without ListPhoneNumbers, CCC
        # failing) the view says what it said before, that nothing matches.
        logger.warning(
            "why no number of %s is eligible unavailable (%s, RequestId %s)",
            numbers.skill_group_id,
            error.code,
            error.request_id,
        )
        return query.form_class.empty_state(query)
    # Whatever it says, the way out of the search stays (Clear filters).
    clear = query.form_class.empty_state(query).links
    instance_numbers = (
        reverse("phone_numbers:instance_number_list", args=[numbers.instance_id])
        + f"?q={numbers.search}"
    )
    if not matching.total_count:
        return EmptyState(
            _("No number of this instance matches “%(search)s”.") % {"search": numbers.search},
            links=clear,
        )
    agents = number_selectors.agent_names(
        instance_id=numbers.instance_id,
        user_ids=[number.user_id for number in matching.items],
        refresh=query.refresh,
    )
    count = matching.total_count
    return EmptyState(
        ngettext(
            "%(count)s number of this instance matches “%(search)s”, and it could not be "
            "linked to this skill group:",
            "%(count)s numbers of this instance match “%(search)s”, and none could be linked "
            "to this skill group:",
            count,
        )
        % {"count": grouped(count), "search": numbers.search},
        links=(
            *(
                (Link(_("See them among the instance's numbers"), instance_numbers),)
                if count > WHY_NOT_SHOWN
                else ()
            ),
            *clear,
        ),
        details=tuple(
            why_not_eligible(
                matching.items,
                instance_id=numbers.instance_id,
                skill_group_id=numbers.skill_group_id,
                active=numbers.active,
                agent_names=agents,
            )
        ),
    )


# -- exports: every row of a view, as a file ---------------------------------------------------


@require_safe
def number_export(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str, file_format: str
) -> StreamingHttpResponse:
    """The numbers view of the same query as a file: its link is the view's, without a page."""
    query = ListQuery.from_request(NumberFilterForm, request)
    numbers = numbers_query(query, instance_id=instance_id, skill_group_id=skill_group_id)
    return exports.phone_number_export(numbers=numbers, file_format=file_format).response()
