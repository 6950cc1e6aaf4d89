"""What every request does around its CCC calls: one budget for all of them, and failures
turned into a clear page or results fragment, never a stack trace."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

import ccc
from ccc.budget import budget
from portal.alerts import render_alert
from portal.ccc_errors import error_page
from portal.lists import Crumb

from .connection import CccNotConfigured
from .navigation import breadcrumbs

DEFAULT_RETRY_AFTER_SECONDS = 5


class CccBudgetMiddleware:
    """All the CCC calls of one request, retries included, share CCC_REQUEST_BUDGET seconds:
    what a user waits at most for a page, however slow or failing CCC is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with budget(settings.CCC_REQUEST_BUDGET):
            return self.get_response(request)


class CccErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CccNotConfigured):
            return render_alert(
                request,
                status=503,
                title=_("The contact center connection is not configured."),
                detail=str(exception),
                back_url=back_url(exception, request),
                retry=True,
            )
        if not isinstance(exception, ccc.CccError):
            return None
        status, title, detail = error_page(
            exception, request.resolver_match.kwargs if request.resolver_match else {}
        )
        headers = None
        if isinstance(exception, ccc.ThrottlingError | ccc.UnavailableError):
            wait = exception.retry_after or DEFAULT_RETRY_AFTER_SECONDS
            headers = {"Retry-After": str(math.ceil(wait))}
        return render_alert(
            request,
            status=status,
            title=title,
            detail=detail,
            # Credential errors name nothing an attacker could use; the RequestId is enough.
            code="" if isinstance(exception, ccc.AuthenticationError) else exception.code,
            request_id=exception.request_id,
            back_url=back_url(exception, request),
            headers=headers,
            breadcrumbs=_where(request),
            retry=status >= 500,
        )


def _where(request: HttpRequest) -> list[Crumb]:
    """The failed page's place: its instance and skill group, as their ids (CCC could not be
    asked for their names)."""
    ids = request.resolver_match.kwargs if request.resolver_match else {}
    if "instance_id" not in ids:
        return []
    return breadcrumbs(ids["instance_id"], ids.get("skill_group_id", ""))


def back_url(error: Exception, request: HttpRequest) -> str:
    """The nearest page up that still exists (the instance list is the top)."""
    match = request.resolver_match
    instance_id = match.kwargs.get("instance_id") if match else None
    if (
        instance_id
        and match.url_name in ("number_list", "number_export")
        and getattr(error, "code", "") != "NotExists.InstanceId"
    ):
        return reverse("phone_numbers:skill_group_list", args=[instance_id])
    return reverse("phone_numbers:instance_list")
