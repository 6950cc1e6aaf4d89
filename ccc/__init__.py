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
    MediaType,
    NumberUsage,
    Page,
    PhoneNumber,
    SkillGroup,
)

__all__ = [
    "AuthenticationError",
    "CccClient",
    "CccError",
    "ContactFlow",
    "ContactFlowType",
    "Instance",
    "InvalidParameterError",
    "MediaType",
    "NotFoundError",
    "NumberUsage",
    "Page",
    "PhoneNumber",
    "RetryPolicy",
    "SkillGroup",
    "ThrottlingError",
    "UnavailableError",
]
