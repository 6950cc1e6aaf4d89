"""Error pages in the reader's language, in the page's look, for what Django would otherwise
answer in its own English: 400, 403, 404, 405, a failed CSRF check and 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.urls import reverse
from django.utils.translation import gettext as _

from .alerts import render_alert
from .auth import client_address

logger = logging.getLogger(__name__)

# Sent for every request the CSRF check refused, with `request` and `reason` (Django's, for the
# log): the audit trail records them.
csrf_refused = Signal()


def _home() -> str:
    return reverse("phone_numbers:instance_list")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_alert(
        request,
        status=400,
        title=_("The request is not valid."),
        detail=_("Check the link, or go back and try again."),
        back_url=_home(),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_alert(
        request,
        status=403,
        title=_("Access denied"),
        detail=_("You may not open this page."),
        back_url=_home(),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_alert(
        request,
        status=404,
        title=_("This page does not exist."),
        detail=_("Check the link, or start again from the list of instances."),
        back_url=_home(),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render_alert(
            request,
            status=500,
            title=_("Something went wrong on our side."),
            detail=_("It has been logged. Try again in a moment; if it persists, tell your admin."),
            back_url=_home(),
        )
    except Exception:  # the page itself failed: say it plainly rather than fail again
        logger.exception("the error page could not be drawn")
        return HttpResponseServerError(
            _("Something went wrong on our side."), content_type="text/plain; charset=utf-8"
        )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    identity = getattr(request, "identity", None)
    # %r: the path may carry what a client sent, newlines included.
    logger.warning(
        "CSRF check failed: user=%r reason=%r address=%s path=%r",
        identity.username if identity else "",
        reason,
        client_address(request),
        request.path,
    )
    csrf_refused.send(csrf_failure, request=request, reason=reason)
    return render_alert(
        request,
        status=403,
        title=_("The form could not be checked."),
        detail=_(
            "It may have been open too long, or cookies are blocked for cccadmin. Reload the "
            "page and try again."
        ),
        back_url=request.path,
    )


class ErrorPageMiddleware:
    """Django answers a method a view does not take (405) with an empty body: give it a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render_alert(
                request,
                status=405,
                title=_("This address does not take that kind of request."),
                detail=_("Open it as a link instead."),
                back_url=_home(),
            )
            page["Allow"] = response.get("Allow", "")
            return page
        return response
