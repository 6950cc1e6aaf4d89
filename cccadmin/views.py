"""Health probes for load balancers and orchestrators; no sign-in needed (see auth.PUBLIC_PATHS)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from phone_numbers import services


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving; nothing upstream is asked."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """This process can sign a request and reach CCC (checked at most every few seconds)."""
    problem = services.ccc_readiness_problem()
    if problem:
        return JsonResponse({"status": "unavailable", "problem": problem}, status=503)
    return JsonResponse({"status": "ready"})
