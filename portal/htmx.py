"""What every view, error and refusal does the same way for htmx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from .identity import Identity


class HtmxHttpRequest(HttpRequest):
    """A request as the middleware leaves it: htmx details and the signed-in identity."""

    htmx: HtmxDetails
    identity: Identity


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap gets a fragment; a history restore (Back) needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> None:
    """The same URL answers a full page or a fragment, so caches must key on these headers."""
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
