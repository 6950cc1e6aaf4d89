"""The reads of numbers across an instance: every number with the skill groups it serves, one
number, and the agents who own personal outbound numbers. Cached like the skill-group reads
(`reading`), under the instance's version, which every write bumps: a number never shows in a
group it has left.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable

from ccc import InstancePhoneNumber, Page
from ccc.wire import MAX_PAGE_SIZE
from portal.paging import ResultPage, fetch_result_page

from . import reading
from .connection import ccc_client
from .queries import InstanceNumbersQuery


class NumberNotFound(Exception):
    """The instance has no such number."""


def instance_number_list(
    *, numbers: InstanceNumbersQuery, page: int = 1, per_page: int = 25, refresh: bool = False
) -> ResultPage[InstancePhoneNumber]:
    """The instance's numbers a query matches, each with the skill groups it is linked to."""
    return fetch_result_page(
        reading.cached_listing(
            _numbers_of_instance(numbers),
            version=reading.instance_version(numbers.instance_id),
            refresh=refresh,
        ),
        page=page,
        per_page=per_page,
    )


def instance_number_status_count(
    *, numbers: InstanceNumbersQuery, refresh: bool = False
) -> reading.StatusCount | None:
    """How many of the numbers the query matches are active, or inactive beside a listing of
    the active ones (`reading.status_count`)."""
    return reading.status_count(
        lambda counted: _numbers_of_instance(dataclasses.replace(numbers, active=counted)),
        listed=numbers.active,
        version=reading.instance_version(numbers.instance_id),
        refresh=refresh,
        what=f"the numbers of instance {numbers.instance_id}",
    )


def instance_number_api_page(
    *, numbers: InstanceNumbersQuery, page_number: int
) -> Page[InstancePhoneNumber]:
    """One API page of 100, asked of CCC (never the cache), as an export reads them."""
    return _numbers_of_instance(numbers)(page_number=page_number, page_size=MAX_PAGE_SIZE)


def instance_number_get(
    *, instance_id: str, number: str, refresh: bool = False, cached: bool = True
) -> InstancePhoneNumber:
    """One number of the instance, with the skill groups it is linked to; raises
    NumberNotFound. CCC's search is a fuzzy match, so its answer is read for the number
    itself (a short number is contained in many); `cached=False` asks CCC whatever the cache
    holds, and keeps nothing (what settles a write's unknown outcome)."""
    query = InstanceNumbersQuery(instance_id, search=number)
    if cached:
        list_page = reading.cached_listing(
            _numbers_of_instance(query),
            version=reading.instance_version(instance_id),
            refresh=refresh,
        )

        def page_of(page_number: int) -> Page[InstancePhoneNumber]:
            return list_page(page_number=page_number, page_size=MAX_PAGE_SIZE).page

    else:

        def page_of(page_number: int) -> Page[InstancePhoneNumber]:
            return instance_number_api_page(numbers=query, page_number=page_number)

    for page in reading.every_page(page_of):
        for found in page.items:
            if found.number == number:
                return found
    raise NumberNotFound(number)


def agent_names(
    *, instance_id: str, user_ids: Iterable[str], refresh: bool = False
) -> dict[str, str]:
    """The display name of each agent by user id, one GetUser each (CCC cannot list agents by
    id), side by side, each cached for minutes; an agent CCC does not name (a RAM policy
    without GetUser, an agent since removed) is left out, and the page shows the id."""
    distinct = sorted({user_id for user_id in user_ids if user_id})
    if not distinct:
        return {}
    reads = reading.side_by_side(
        **{
            f"agent {index}": functools.partial(_agent_name, instance_id, user_id, refresh)
            for index, user_id in enumerate(distinct)
        }
    )
    return {user_id: name for found in reads.values() for user_id, name in found.items()}


def _agent_name(instance_id: str, user_id: str, refresh: bool) -> dict[str, str]:
    def read() -> dict[str, str]:
        user = ccc_client().get_user(instance_id=instance_id, user_id=user_id)
        name = user.display_name or user.login_name
        return {user_id: name} if name else {}

    return reading.names(f"agent {user_id} of instance {instance_id}", read, refresh=refresh)


def _numbers_of_instance(
    numbers: InstanceNumbersQuery,
) -> functools.partial[Page[InstancePhoneNumber]]:
    return functools.partial(
        ccc_client().list_phone_numbers,
        instance_id=numbers.instance_id,
        search_pattern=numbers.search or None,
        usage=numbers.usage or None,
        active=numbers.active,
    )
