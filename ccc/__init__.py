"""Everything that speaks the Alibaba Cloud Contact Center OpenAPI (2020-07-01). No Django here."""

from .client import CccClient, RetryPolicy
from .errors import (
    AuthenticationError,
    CccError,
    InvalidParameterError,
    NotFoundError,
    ThrottlingError,
    UnavailableError,
)
from .types import (
    ContactFlow,
    ContactFlowType,
    Instance,
    InstancePhoneNumber,
    LinkedSkillGroup,
    MediaType,
    NumberUsage,
    Page,
    PersonalOutboundNumber,
    PhoneNumber,
    SkillGroup,
    SkillLevel,
    User,
)

__all__ = [
    "AuthenticationError",
    "CccClient",
    "CccError",
    "ContactFlow",
    "ContactFlowType",
    "Instance",
    "InstancePhoneNumber",
    "InvalidParameterError",
    "LinkedSkillGroup",
    "MediaType",
    "NotFoundError",
    "NumberUsage",
    "Page",
    "PersonalOutboundNumber",
    "PhoneNumber",
    "RetryPolicy",
    "SkillGroup",
    "SkillLevel",
    "ThrottlingError",
    "UnavailableError",
    "User",
]
