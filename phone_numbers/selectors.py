"""The reads views call: keyword-only, `<entity>_<action>`, returning domain types."""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache

from .ccc import Instance, PhoneNumber, SkillGroup
from .ccc.client import MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from .connection import ccc_client
from .paging import ResultPage, fetch_result_page

SKILL_GROUP_CACHE_SECONDS = 60


def instance_list() -> list[Instance]:
    """Every instance of the account (accounts have a handful; the API caps at 10,000)."""
    client = ccc_client()
    instances: list[Instance] = []
    for page_number in range(1, MAX_PAGE_NUMBER + 1):
        page = client.list_instances(page_number=page_number, page_size=MAX_PAGE_SIZE)
        instances.extend(page.items)
        if len(instances) >= page.total_count or not page.items:
            return instances
    return instances


def skill_group_list(
    *, instance_id: str, search: str = "", page: int = 1, per_page: int = 25
) -> ResultPage[SkillGroup]:
    return fetch_result_page(
        functools.partial(
            ccc_client().list_skill_groups, instance_id=instance_id, search_pattern=search or None
        ),
        page=page,
        per_page=per_page,
    )


def skill_group_get(*, instance_id: str, skill_group_id: str) -> SkillGroup:
    """The skill group's header data, cached briefly: it changes rarely and every page shows it."""
    # The ids come from the URL: hashed, any of them makes a key every cache backend accepts.
    ids = hashlib.sha256(f"{instance_id}\0{skill_group_id}".encode()).hexdigest()
    key = f"ccc:skill-group:{ids}"
    group = cache.get(key)
    if group is None:
        group = ccc_client().get_skill_group(instance_id=instance_id, skill_group_id=skill_group_id)
        cache.set(key, group, SKILL_GROUP_CACHE_SECONDS)
    return group


def phone_number_list(
    *,
    instance_id: str,
    skill_group_id: str,
    linked: bool,
    search: str = "",
    active: bool | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ResultPage[PhoneNumber]:
    """The numbers linked to a skill group, or (linked=False) those that could be linked."""
    return fetch_result_page(
        functools.partial(
            ccc_client().list_phone_numbers_of_skill_group,
            instance_id=instance_id,
            skill_group_id=skill_group_id,
            is_member=linked,
            search_pattern=search or None,
            active=active,
        ),
        page=page,
        per_page=per_page,
    )
