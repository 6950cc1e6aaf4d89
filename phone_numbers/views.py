"""Thin views: parse the query, call a service, render the full page or the results fragment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from cccadmin.auth import Identity
from cccadmin.htmx import vary_on_htmx, wants_fragment

from . import services
from .forms import PER_PAGE_CHOICES, ListQuery, NumberFilterForm, SkillGroupFilterForm
from .services import ResultPage
from .tables import PhoneNumberTable, SkillGroupTable, pager


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    identity: Identity


@require_safe
def instance_list(request: HtmxHttpRequest) -> TemplateResponse | HttpResponseRedirect:
    instances = [i for i in services.instance_list() if request.identity.can_see(i.instance_id)]
    if len(instances) == 1:
        return HttpResponseRedirect(
            reverse("phone_numbers:skill_group_list", args=[instances[0].instance_id])
        )
    return TemplateResponse(request, "phone_numbers/instance_list.html", {"instances": instances})


@require_safe
def skill_group_list(request: HtmxHttpRequest, instance_id: str) -> TemplateResponse:
    query = ListQuery.from_request(SkillGroupFilterForm, request.GET)
    result = services.skill_group_list(
        instance_id=instance_id, search=query["q"], page=query["page"], per_page=query["per_page"]
    )
    return _list_response(
        request,
        "phone_numbers/skill_group_list.html",
        query,
        result,
        SkillGroupTable(result, instance_id=instance_id),
        {"instance_id": instance_id, "noun": _("skill groups")},
    )


@require_safe
def number_list(
    request: HtmxHttpRequest, instance_id: str, skill_group_id: str
) -> TemplateResponse:
    query = ListQuery.from_request(NumberFilterForm, request.GET)
    context: dict[str, Any] = {"instance_id": instance_id, "noun": _("numbers")}
    if not wants_fragment(request):
        context["skill_group"] = services.skill_group_get(
            instance_id=instance_id, skill_group_id=skill_group_id
        )
    result = services.phone_number_list(
        instance_id=instance_id,
        skill_group_id=skill_group_id,
        linked=query["view"] == "linked",
        search=query["q"],
        active={"true": True, "false": False}.get(query["active"]),
        page=query["page"],
        per_page=query["per_page"],
    )
    context["views"] = [
        {
            "value": value,
            "label": label,
            "url": request.path + query.query_string(view=value),
            "is_current": query["view"] == value,
        }
        for value, label in NumberFilterForm.base_fields["view"].choices
    ]
    return _list_response(
        request, "phone_numbers/number_list.html", query, result, PhoneNumberTable(result), context
    )


def _list_response(
    request: HtmxHttpRequest,
    template_name: str,
    query: ListQuery,
    result: ResultPage,
    table: Any,
    context: dict[str, Any],
) -> TemplateResponse:
    canonical_url = request.path + query.query_string()
    context.update(
        query=query,
        result=result,
        table=table,
        pager=pager(table, query, request.path),
        per_page_choices=PER_PAGE_CHOICES,
        share_url=request.build_absolute_uri(canonical_url),
        last_page_url=request.path + query.query_string(page=result.num_pages),
    )
    context["fragment"] = wants_fragment(request)
    if context["fragment"]:
        template_name += "#results"
    response = TemplateResponse(request, template_name, context)
    if request.htmx:
        # Form submissions carry every field; the address bar gets the canonical link.
        push_url(response, canonical_url)
    vary_on_htmx(response)
    return response
