"""What every request does around its CCC calls: one budget for all of them, and failures
turned into a clear page or results fragment, never a stack trace."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import ccc
from ccc.budget import budget
from portal.alerts import ccc_words, render_alert
from portal.text import join_sentences

from .connection import CccNotConfigured

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
            )
        if not isinstance(exception, ccc.CccError):
            return None
        status, title, detail = describe(exception, request)
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
        )


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


def describe(error: ccc.CccError, request: HttpRequest) -> tuple[int, str, str]:
    """HTTP status, headline and advice for a CCC error; nothing an attacker could use."""
    ids = request.resolver_match.kwargs if request.resolver_match else {}
    retried = (
        ngettext(
            "It was tried %(attempts)d time.", "It was tried %(attempts)d times.", error.attempts
        )
        % {"attempts": error.attempts}
        if error.attempts > 1
        else ""
    )
    if isinstance(error, ccc.NotFoundError):
        if error.code == "NotExists.InstanceId":
            title = _("Instance “%(instance)s” was not found.") % {
                "instance": ids.get("instance_id", "")
            }
        elif error.code == "NotExists.SkillGroupId":
            title = _("Skill group “%(group)s” was not found in instance “%(instance)s”.") % {
                "group": ids.get("skill_group_id", ""),
                "instance": ids.get("instance_id", ""),
            }
        else:
            title = _("What you asked for was not found.")
        return 404, title, _("Check the link, or go back and pick it from the list.")
    if isinstance(error, ccc.ThrottlingError):
        return (
            503,
            _("The contact center is busy (requests are being throttled)."),
            join_sentences([retried, _("Wait a few seconds and try again.")]),
        )
    if isinstance(error, ccc.UnavailableError):
        if error.code == "Timeout":
            title = _("The contact center did not answer in time.")
            status = 504
        else:
            title = _("The contact center service is unavailable.")
            status = 502
        return (
            status,
            title,
            join_sentences([retried, _("Try again in a moment; if it persists, tell your admin.")]),
        )
    if isinstance(error, ccc.AuthenticationError):
        return (
            502,
            _("This server's CCC credentials need attention."),
            _(
                "The contact center refused them. An administrator needs to check the AccessKey "
                "configuration of cccadmin."
            ),
        )
    # CCC's own Message stays in its words (English), under our headline.
    said = ccc_words(error.message) if error.message else ""
    if isinstance(error, ccc.InvalidParameterError):
        return 400, _("The request is not valid."), said
    return 502, _("The contact center answered with an error."), said
