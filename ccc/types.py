"""What the CCC OpenAPI returns, as frozen dataclasses built from its JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class NumberUsage(StrEnum):
    INBOUND = "Inbound"
    OUTBOUND = "Outbound"
    BIDIRECTION = "Bidirection"


class MediaType(StrEnum):
    """A skill group's media. CCC takes them in any case, and AUDIO where none is given."""

    AUDIO = "AUDIO"
    CHAT = "CHAT"
    VIDEO = "VIDEO"


@dataclass(frozen=True, slots=True)
class Instance:
    instance_id: str
    name: str
    domain_name: str
    description: str
    status: str
    console_url: str
    create_time: int | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Instance:
        return cls(
            instance_id=data["Id"],
            name=data.get("Name") or "",
            domain_name=data.get("DomainName") or "",
            description=data.get("Description") or "",
            status=data.get("Status") or "",
            console_url=data.get("ConsoleUrl") or "",
            create_time=data.get("CreateTime"),
        )


@dataclass(frozen=True, slots=True)
class SkillGroup:
    skill_group_id: str
    instance_id: str
    name: str
    display_name: str
    description: str
    media_type: str
    phone_number_count: int | None = None
    user_count: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SkillGroup:
        # ListSkillGroups says SkillGroupName, GetSkillGroup says Name.
        return cls(
            skill_group_id=data["SkillGroupId"],
            instance_id=data.get("InstanceId") or "",
            name=data.get("SkillGroupName") or data.get("Name") or "",
            display_name=data.get("DisplayName") or "",
            description=data.get("Description") or "",
            media_type=data.get("MediaType") or "",
            phone_number_count=data.get("PhoneNumberCount"),
            user_count=data.get("UserCount"),
        )

    @property
    def is_voice(self) -> bool:
        """Whether phone numbers serve it: an AUDIO group, in any case, or one whose media
        CCC leaves out (AUDIO is the documented default)."""
        return self.media_type.upper() in ("", MediaType.AUDIO)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    number: str
    instance_id: str
    active: bool
    usage: str
    province: str
    city: str
    contact_flow_id: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PhoneNumber:
        # Positional: this runs for every row of every page, and keywords cost twice as much.
        get = data.get
        return cls(
            data["Number"],
            get("InstanceId") or "",
            get("Active") is True,
            get("Usage") or "",
            get("Province") or "",
            get("City") or "",
            get("ContactFlowId") or "",
        )


class ContactFlowType(StrEnum):
    MAIN_FLOW = "MAIN_FLOW"
    SUB_FLOW = "SUB_FLOW"
    SURVEY_FLOW = "SURVEY_FLOW"


@dataclass(frozen=True, slots=True)
class ContactFlow:
    """An IVR flow of an instance, as ListContactFlows lists it (times as CCC writes them,
    e.g. "2021-07-14 10:48:43.0")."""

    contact_flow_id: str
    instance_id: str
    name: str
    flow_type: str
    description: str
    published: bool
    numbers: tuple[str, ...]
    created_time: str
    updated_time: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ContactFlow:
        return cls(
            contact_flow_id=data["ContactFlowId"],
            instance_id=data.get("InstanceId") or "",
            name=data.get("Name") or "",
            flow_type=data.get("Type") or "",
            description=data.get("Description") or "",
            published=data.get("Published") is True,
            numbers=tuple(data.get("NumberList") or ()),
            created_time=data.get("CreatedTime") or "",
            updated_time=data.get("UpdatedTime") or "",
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page_number: int
    page_size: int
    total_count: int

    @classmethod
    def parser(
        cls, item: Callable[[Mapping[str, Any]], T]
    ) -> Callable[[Mapping[str, Any]], Page[T]]:
        return lambda data: cls.from_api(data, item)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], item: Callable[[Mapping[str, Any]], T]) -> Page[T]:
        return cls(
            items=tuple(item(row) for row in data.get("List") or ()),
            page_number=int(data["PageNumber"]),
            page_size=int(data["PageSize"]),
            total_count=int(data["TotalCount"]),
        )
