"""The bare view the dashboard is measured against: the same CCC call as a numbers swap, and no
more (list, slice, serialise). Served in-process by make bench, and by gunicorn for the
throughput floor (`benchmarks.bare_settings`)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from ccc.emulator.dataset import BULK_INSTANCE_ID, BULK_SKILL_GROUP_ID
from phone_numbers import connection


def bare_numbers(request: HttpRequest) -> JsonResponse:
    per_page = int(request.GET.get("per_page", "25"))
    page = connection.ccc_client().list_phone_numbers_of_skill_group(
        instance_id=BULK_INSTANCE_ID,
        skill_group_id=BULK_SKILL_GROUP_ID,
        is_member=False,
        page_size=100,
    )
    return JsonResponse({"numbers": [asdict(number) for number in page.items[:per_page]]})


# Every route of the project besides, the language switcher included.
urlpatterns = [path("bare/", bare_numbers), path("", include("cccadmin.urls"))]
