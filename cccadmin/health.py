"""Health probes for load balancers and orchestrators.

Answered by a middleware placed before CommonMiddleware and sign-in: probes come with the pod's
or node's address as Host (not in ALLOWED_HOSTS), over plain HTTP, and without an identity.
They reveal nothing but whether this process works.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

from phone_numbers import shared_cache
from phone_numbers.connection import readiness_problem
from portal.housekeeping import queue_report


def healthz() -> JsonResponse:
    """The process is up and serving; nothing upstream is asked."""
    return JsonResponse({"status": "ok"})


def readyz() -> JsonResponse:
    """This process can sign a request and reach CCC (checked at most every few seconds).

    A failing cache degrades the service (every read asks CCC) but does not stop it: it is
    reported, and the process stays ready. So is the job queue: jobs waiting, how long the
    oldest has waited, and when a worker last started one (a slow queue is not an unready web
    server).
    """
    problem = readiness_problem()
    body = {"status": "unavailable", "problem": problem} if problem else {"status": "ready"}
    if cache_problem := shared_cache.problem():
        body["cache"] = f"degraded: {cache_problem}"
    body["queue"] = queue_report()
    return JsonResponse(body, status=503 if problem else 200)


PROBES: dict[str, Callable[[], JsonResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = probe()
        add_never_cache_headers(response)
        return response
