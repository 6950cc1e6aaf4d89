"""Thin views: read the query, call a selector, render the full page or the results fragment."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from portal.htmx import HtmxHttpRequest, vary_on_htmx, wants_fragment

from . import selectors
from .forms import ListQuery, NumberFilterForm, SkillGroupFilterForm
from .tables import PhoneNumberTable, ResultTable, SkillGroupTable

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
        )
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
        PhoneNumberTable(read["result"]),
        {"instance_id": instance_id, "skill_group": read.get("skill_group")},
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
