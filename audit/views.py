"""The audit trail's pages: the list of actions and refusals, and its exports. Every role sees
them, within the instances the user may see."""

from __future__ import annotations

import functools

from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.htmx import HtmxHttpRequest
from portal.lists import Crumb, ListQuery, list_response
from portal.text import zone_name

from . import exports, links, selectors
from .forms import AuditFilterForm
from .tables import AuditEventTable


@require_safe
def audit_event_list(request: HtmxHttpRequest) -> TemplateResponse:
    query = _audit_query(request)
    result = selectors.audit_event_list(
        visible_instances=request.identity.instances, **query.selector_arguments()
    )
    return list_response(
        request,
        "audit/audit_event_list.html",
        query,
        AuditEventTable(result),
        {
            "audit_trail": True,
            "time_zone": zone_name(),
            "breadcrumbs": [
                Crumb(_("Instances"), links.home_url()),
                Crumb(_("Audit trail")),
            ],
        },
    )


@require_safe
def audit_export(request: HtmxHttpRequest, file_format: str) -> StreamingHttpResponse:
    """The audit trail of the same filters as a file."""
    return exports.audit_export(
        visible_instances=request.identity.instances,
        file_format=file_format,
        **_audit_query(request).filter_arguments(),
    ).response()


def _audit_query(request: HtmxHttpRequest) -> ListQuery:
    """The audit page's query, its instance filter limited to those the user may see."""
    visible = request.identity.instances
    form_class = AuditFilterForm.for_identity(
        visible_instances=visible,
        trail_instances=functools.partial(selectors.audit_instance_list, visible_instances=visible),
    )
    return ListQuery.from_request(form_class, request)
