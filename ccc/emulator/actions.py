"""The product actions the emulator answers, with the API's parameter rules and error
codes, over the in-memory dataset of `dataset.py`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import (
    check_text,
    instance_not_found,
    number_not_found,
    parameter_invalid,
    skill_group_not_found,
    user_not_found,
)
from ..types import ContactFlowType
from . import parameters
from .dataset import build_demo_instances
from .records import InstanceRecord, NumberRecord, SkillGroupRecord

# Entries of NumberList one Add or Remove takes. Alibaba documents no maximum (other CCC
# actions cap their JSON arrays at 20); the emulator enforces one so batching is exercised.
DEFAULT_MAX_NUMBERS_PER_WRITE = 100
# Entries of SkillGroupIdList one AddPhoneNumberToSkillGroups or RemovePhoneNumberFromSkillGroups
# takes: Alibaba documents none either; 20, as other CCC actions cap their JSON arrays.
DEFAULT_MAX_SKILL_GROUPS_PER_WRITE = 20

# An action: the request's query parameters in, its Data out (None for none).
Handler = Callable[[Mapping[str, str]], Any]


# The JSON list parameters of the writes, as their messages name them.
_NUMBER_LIST = {"name": "NumberList", "noun": "number", "example": '["0833001","0833002"]'}
_SKILL_GROUP_ID_LIST = {
    "name": "SkillGroupIdList",
    "noun": "skill group ID",
    "example": '["skillgroup1@ccc-test","skillgroup2@ccc-test"]',
}


class Actions:
    """The product actions over a dataset, thread-safe. An action is a method taking the
    request's parameters and returning its Data, listed by its API name in `handlers`."""

    def __init__(
        self,
        instances: dict[str, InstanceRecord] | None = None,
        *,
        max_numbers_per_write: int = DEFAULT_MAX_NUMBERS_PER_WRITE,
        max_skill_groups_per_write: int = DEFAULT_MAX_SKILL_GROUPS_PER_WRITE,
    ) -> None:
        # Over this many NumberList entries, Add and Remove answer Parameter.Maximum.
        self.max_numbers_per_write = parameters.positive(
            "max_numbers_per_write", max_numbers_per_write
        )
        # Over this many SkillGroupIdList entries, a number's writes answer Parameter.Maximum.
        self.max_skill_groups_per_write = parameters.positive(
            "max_skill_groups_per_write", max_skill_groups_per_write
        )
        self._lock = threading.RLock()
        # Filtered listings, reused until the next write, so paging a big group stays cheap.
        self._listings: dict[tuple, tuple[int, list]] = {}
        self._writes = 0
        self.instances = instances if instances is not None else build_demo_instances()
        # The actions answered, by API name: a new action is a method and its line here.
        self.handlers: dict[str, Handler] = {
            "ListInstances": self.list_instances,
            "ListSkillGroups": self.list_skill_groups,
            "GetSkillGroup": self.get_skill_group,
            "ListPhoneNumbersOfSkillGroup": self.list_phone_numbers_of_skill_group,
            "ListContactFlows": self.list_contact_flows,
            "ListPhoneNumbers": self.list_phone_numbers,
            "ListUsers": self.list_users,
            "GetUser": self.get_user,
            "AddNumbersToSkillGroup": self.add_numbers_to_skill_group,
            "RemovePhoneNumbersFromSkillGroup": self.remove_phone_numbers_from_skill_group,
            "AddPhoneNumberToSkillGroups": self.add_phone_number_to_skill_groups,
            "RemovePhoneNumberFromSkillGroups": self.remove_phone_number_from_skill_groups,
        }

    @property
    def instances(self) -> dict[str, InstanceRecord]:
        return self._instances

    @instances.setter
    def instances(self, instances: dict[str, InstanceRecord]) -> None:
        """New data (tests reset it this way) also drops the listings built from the old."""
        with self._lock:
            self._instances = instances
            self._writes += 1

    def run(self, action: str, params: Mapping[str, str]) -> Any:
        """The Data of `action`, one of `handlers`; CccError when the action refuses."""
        return self.handlers[action](params)

    # -- the actions ---------------------------------------------------------------------

    def list_instances(self, params: Mapping[str, str]) -> dict:
        page_number, page_size = parameters.paging(params)
        with self._lock:
            return parameters.page(list(self.instances.values()), page_number, page_size)

    def list_skill_groups(self, params: Mapping[str, str]) -> dict:
        """The instance's skill groups of one medium: MediaType in any case (`Parameter.Invalid`
        for one that is not a MediaType), AUDIO where it is left out, as the API documents.
        SearchPattern matches names and display names, whatever their case."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = parameters.paging(params)
        pattern = params.get("SearchPattern", "").lower()
        media_type = parameters.media_type(params)
        with self._lock:
            instance = self._instance(instance_id)
            rows = [
                group
                for group in instance.skill_groups.values()
                if (pattern in group.name.lower() or pattern in group.display_name.lower())
                and group.media_type == media_type
            ]
            return parameters.page(rows, page_number, page_size)

    def get_skill_group(self, params: Mapping[str, str]) -> dict:
        with self._lock:
            _, group = self._group(params)
            data = group.to_api()
        return {
            key: data[key]
            for key in (
                "SkillGroupId",
                "Name",
                "DisplayName",
                "Description",
                "MediaType",
                "InstanceId",
            )
        }

    def list_phone_numbers_of_skill_group(self, params: Mapping[str, str]) -> dict:
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        page_number, page_size = parameters.paging(params)
        is_member = parameters.boolean(params, "IsMember", required=True)
        active = parameters.boolean(params, "Active", required=False)
        pattern = params.get("SearchPattern", "")
        with self._lock:
            instance = self._instance(instance_id)
            group = self._skill_group(instance, skill_group_id)
            rows = self._listing(
                (
                    "ListPhoneNumbersOfSkillGroup",
                    instance_id,
                    skill_group_id,
                    is_member,
                    pattern,
                    active,
                ),
                lambda: [
                    record
                    for record in instance.numbers.values()
                    if (record.number in group.linked) == is_member
                    and (is_member or not record.personal_outbound)
                    and pattern in record.number
                    and active in (None, record.active)
                ],
            )
            return parameters.page(rows, page_number, page_size)

    def list_contact_flows(self, params: Mapping[str, str]) -> dict:
        """The instance's flows, the most recently changed first (the API's default order;
        OrderByField and SortOrder are not emulated), each with the numbers bound to it.
        SearchPattern matches names and descriptions, whatever their case; Type is one of
        ContactFlowType (`Parameter.Invalid` otherwise)."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = parameters.paging(params)
        pattern = params.get("SearchPattern", "").lower()
        flow_type = params.get("Type", "")
        if flow_type and flow_type not in {kind.value for kind in ContactFlowType}:
            raise parameter_invalid(
                "Type", f"{flow_type!r} is not one of {', '.join(ContactFlowType)}."
            )
        with self._lock:
            instance = self._instance(instance_id)
            flows = sorted(
                (
                    flow
                    for flow in instance.contact_flows.values()
                    if (pattern in flow.name.lower() or pattern in flow.description.lower())
                    and flow_type in ("", flow.flow_type)
                ),
                key=lambda flow: flow.updated_time,
                reverse=True,
            )
            bound: dict[str, list[str]] = {}
            for record in instance.numbers.values():
                bound.setdefault(record.contact_flow_id, []).append(record.number)
            return parameters.page(
                flows,
                page_number,
                page_size,
                lambda flow: flow.to_api(bound.get(flow.contact_flow_id, [])),
            )

    def list_phone_numbers(self, params: Mapping[str, str]) -> dict:
        """The instance's numbers in number order, each with the skill groups whose linked
        listing holds it (what ListPhoneNumbersOfSkillGroup and the writes see) and, for an
        agent's personal outbound number, the agent's UserId. SearchPattern matches anywhere in
        the number; Usage is one of NumberUsage (`Parameter.Invalid` otherwise)."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = parameters.paging(params)
        pattern = params.get("SearchPattern", "")
        usage = parameters.usage(params)
        active = parameters.boolean(params, "Active", required=False)
        with self._lock:
            instance = self._instance(instance_id)
            rows = self._listing(
                ("ListPhoneNumbers", instance_id, pattern, usage, active),
                lambda: [
                    record
                    for record in instance.numbers.values()
                    if pattern in record.number
                    and usage in ("", record.usage)
                    and active in (None, record.active)
                ],
            )
            return parameters.page(rows, page_number, page_size, instance.number_api)

    def list_users(self, params: Mapping[str, str]) -> dict:
        """The instance's agents in the order they joined, each with its personal outbound
        numbers (the instance's numbers that name it) and skill levels. SearchPattern matches
        login and display names, whatever their case; SkillGroupId keeps the group's agents
        (404 `NotExists.SkillGroupId` for a group not in the instance)."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        page_number, page_size = parameters.paging(params)
        pattern = params.get("SearchPattern", "").lower()
        skill_group_id = params.get("SkillGroupId", "")
        with self._lock:
            instance = self._instance(instance_id)
            if skill_group_id:
                self._skill_group(instance, skill_group_id)
            users = [
                user
                for user in instance.users.values()
                if (pattern in user.login_name.lower() or pattern in user.display_name.lower())
                and (not skill_group_id or skill_group_id in user.skill_levels)
            ]
            personal = self._listing(
                ("PersonalOutboundNumbers", instance_id),
                lambda: [
                    record for record in instance.numbers.values() if record.personal_outbound
                ],
            )
            return parameters.page(
                users,
                page_number,
                page_size,
                lambda user: {
                    **user.to_api(),
                    "PersonalOutboundNumberList": [
                        record.to_personal_api()
                        for record in personal
                        if record.user_id == user.user_id
                    ],
                    "SkillLevelList": [
                        {
                            "SkillGroupId": group.skill_group_id,
                            "SkillGroupName": group.name,
                            "SkillLevel": user.skill_levels[group.skill_group_id],
                        }
                        for group in instance.skill_groups.values()
                        if group.skill_group_id in user.skill_levels
                    ],
                },
            )

    def get_user(self, params: Mapping[str, str]) -> dict:
        """One agent by UserId, 404 `NotExists.UserId` for one not in the instance. The API
        also finds an agent by Extension instead; the emulator does not, and wants UserId."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        user_id = check_text("UserId", params.get("UserId"))
        with self._lock:
            instance = self._instance(instance_id)
            try:
                user = instance.users[user_id]
            except KeyError:
                raise user_not_found(user_id, instance_id) from None
            return {**user.to_api(), "InstanceId": user.instance_id}

    def add_numbers_to_skill_group(self, params: Mapping[str, str]) -> None:
        """Link NumberList's numbers to the skill group, all of them or none.

        Add and Remove check, in this order, and change nothing unless every check passes:

        1. InstanceId, SkillGroupId and NumberList are given and not blank
           (`Parameter.Empty`), as every action checks its parameters before any lookup.
        2. NumberList is a JSON array of non-blank strings (`Parameter.Format`), not empty
           (`Parameter.Empty`) and of at most `max_numbers_per_write` entries, counted as
           sent, duplicates included (`Parameter.Maximum`).
        3. The instance and the skill group exist (404 `NotExists.InstanceId`,
           `NotExists.SkillGroupId`), then every number belongs to the instance (404
           `NotExists.Number`, naming the first unknown one in list order).
        4. Add only: no number is an agent's personal outbound number (`Parameter.Invalid`,
           naming the first one in list order).

        Assumed where the API's documentation is silent: a number listed twice counts once;
        linking a number that is already linked (and, for Remove, unlinking one that is not
        linked) is a success that changes nothing, so a retried or overlapping batch does
        not fail; the success body says nothing per number.
        """
        with self._lock:
            instance, group, numbers = self._write_request(params)
            for number in numbers:
                if instance.numbers[number].personal_outbound:
                    raise parameter_invalid(
                        "NumberList",
                        f"{number} is an agent's personal outbound number; "
                        "it cannot be linked to a skill group.",
                    )
            added = [number for number in numbers if number not in group.linked]
            if added:
                group.linked.update(added)
                self._writes += 1

    def remove_phone_numbers_from_skill_group(self, params: Mapping[str, str]) -> None:
        """Unlink NumberList's numbers, all of them or none: the checks of
        `add_numbers_to_skill_group` but the personal outbound one; a number of the
        instance that is not linked is a success that changes nothing."""
        with self._lock:
            _, group, numbers = self._write_request(params)
            removed = [number for number in numbers if number in group.linked]
            if removed:
                group.linked.difference_update(removed)
                self._writes += 1

    def add_phone_number_to_skill_groups(self, params: Mapping[str, str]) -> None:
        """Link Number to SkillGroupIdList's groups, all of them or none.

        A number's writes check, in this order, and change nothing unless every check passes:

        1. InstanceId, Number and SkillGroupIdList are given and not blank (`Parameter.Empty`).
        2. SkillGroupIdList is a JSON array of non-blank strings (`Parameter.Format`), not empty
           (`Parameter.Empty`) and of at most `max_skill_groups_per_write` entries, counted as
           sent (`Parameter.Maximum`).
        3. The instance exists (404 `NotExists.InstanceId`), the number belongs to it (404
           `NotExists.Number`), and so does every group (404 `NotExists.SkillGroupId`, naming
           the first unknown one in list order).
        4. Add: the number is not an agent's personal outbound number (`Parameter.Invalid` on
           Number). Remove: see `remove_phone_number_from_skill_groups`.

        Assumed where the API's documentation is silent: a group listed twice counts once;
        linking the number to a group it is already linked to is a success that changes
        nothing, as AddNumbersToSkillGroup does.
        """
        with self._lock:
            record, groups = self._skill_groups_write_request(params)
            if record.personal_outbound:
                raise parameter_invalid(
                    "Number",
                    f"{record.number} is an agent's personal outbound number; "
                    "it cannot be linked to a skill group.",
                )
            joining = [group for group in groups if record.number not in group.linked]
            for group in joining:
                group.linked.add(record.number)
            if joining:
                self._writes += 1

    def remove_phone_number_from_skill_groups(self, params: Mapping[str, str]) -> None:
        """Unlink Number from SkillGroupIdList's groups, all of them or none, after the checks
        of `add_phone_number_to_skill_groups` but the personal outbound one.

        The API asks that every group listed be linked to the number. A group it is not linked
        to is refused (`Parameter.Invalid` on SkillGroupIdList, naming the number and the first
        such group in list order, so a caller can leave that group out and send the others);
        unlike RemovePhoneNumbersFromSkillGroup, where unlinking a number that is not linked is
        a success that changes nothing.
        """
        with self._lock:
            record, groups = self._skill_groups_write_request(params)
            for group in groups:
                if record.number not in group.linked:
                    raise parameter_invalid(
                        "SkillGroupIdList",
                        f"{record.number} is not linked to skill group {group.skill_group_id}.",
                    )
            for group in groups:
                group.linked.discard(record.number)
            self._writes += 1

    def _skill_groups_write_request(
        self, params: Mapping[str, str]
    ) -> tuple[NumberRecord, list[SkillGroupRecord]]:
        """The checks a number's writes share (see `add_phone_number_to_skill_groups`): the
        number and its SkillGroupIdList's groups, each once."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        number = check_text("Number", params.get("Number"))
        skill_group_ids = parameters.json_list(
            params, **_SKILL_GROUP_ID_LIST, maximum=self.max_skill_groups_per_write
        )
        instance = self._instance(instance_id)
        if number not in instance.numbers:
            raise number_not_found(number, instance_id)
        groups = [self._skill_group(instance, group_id) for group_id in skill_group_ids]
        return instance.numbers[number], groups

    def _write_request(
        self, params: Mapping[str, str]
    ) -> tuple[InstanceRecord, SkillGroupRecord, list[str]]:
        """The checks Add and Remove share (see `add_numbers_to_skill_group`), parameters
        before lookups: the instance, the skill group and NumberList without duplicates."""
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        numbers = parameters.json_list(params, **_NUMBER_LIST, maximum=self.max_numbers_per_write)
        instance = self._instance(instance_id)
        group = self._skill_group(instance, skill_group_id)
        for number in numbers:
            if number not in instance.numbers:
                raise number_not_found(number, instance.instance_id)
        return instance, group, numbers

    # -- lookups and parameter parsing ---------------------------------------------------

    def _listing(self, key: tuple, build: Callable[[], list]) -> list:
        """`build()`'s records, kept under `key` (the action and its filters) until a write."""
        written, rows = self._listings.get(key, (-1, []))
        if written != self._writes:
            rows = build()
            if len(self._listings) > 1000:
                self._listings.clear()
            self._listings[key] = (self._writes, rows)
        return rows

    def _instance(self, instance_id: str) -> InstanceRecord:
        try:
            return self.instances[instance_id]
        except KeyError:
            raise instance_not_found(instance_id) from None

    def _skill_group(self, instance: InstanceRecord, skill_group_id: str) -> SkillGroupRecord:
        try:
            return instance.skill_groups[skill_group_id]
        except KeyError:
            raise skill_group_not_found(skill_group_id, instance.instance_id) from None

    def _group(self, params: Mapping[str, str]) -> tuple[InstanceRecord, SkillGroupRecord]:
        instance_id = check_text("InstanceId", params.get("InstanceId"))
        skill_group_id = check_text("SkillGroupId", params.get("SkillGroupId"))
        instance = self._instance(instance_id)
        return instance, self._skill_group(instance, skill_group_id)
