"""A problem shown to the user: a full page, or an alert in the region htmx was updating."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_htmx.http import push_url

from .htmx import vary_on_htmx, wants_fragment

if TYPE_CHECKING:
    from .lists import Crumb


def ccc_words(message: str) -> SafeString:
    """CCC's own `Message`, shown as CCC's words under our translated headline: quoted after
    "CCC says:", and marked English where it is (CCC answers in English) for screen readers."""
    lang = mark_safe(' lang="en"') if message.isascii() else ""
    return format_html("{} <q{}>{}</q>", _("CCC says:"), lang, message)


def render_alert(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str = "",
    code: str = "",
    request_id: str | None = None,
    back_url: str = "",
    headers: dict[str, str] | None = None,
    breadcrumbs: Sequence[Crumb] = (),
    retry: bool = False,
) -> HttpResponse:
    """A problem as a full page (under the page's breadcrumbs), or as an alert in the region
    the htmx request was updating. `retry`: offer to ask again (a read that may work in a
    moment); a shared link opened fresh has no "back" to go to."""
    fragment = wants_fragment(request)
    template = "alert.html#alert" if fragment else "alert.html"
    context = {
        "status": status,
        "title": title,
        "detail": detail,
        "code": code,
        "request_id": request_id,
        "back_url": back_url,
        "breadcrumbs": breadcrumbs,
        "retry_url": request.get_full_path() if retry and request.method in ("GET", "HEAD") else "",
        "fragment": fragment,
    }
    response = TemplateResponse(request, template, context, status=status, headers=headers)
    if getattr(request, "htmx", None):
        # The address bar keeps the last view that worked.
        push_url(response, False)
    vary_on_htmx(response)
    patch_cache_control(response, private=True)
    return response.render()
