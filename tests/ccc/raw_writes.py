"""A write with a NumberList our client's methods would never build."""

from __future__ import annotations

from ccc import CccClient
from ccc.emulator.dataset import EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID


def write_raw(client: CccClient, action: str, number_list: str) -> None:
    """Add or Remove with a raw NumberList to the example group, through the client's whole
    request path (signing, sending, error mapping)."""
    client._request(
        action,
        {
            "InstanceId": EXAMPLE_INSTANCE_ID,
            "SkillGroupId": EXAMPLE_SKILL_GROUP_ID,
            "NumberList": number_list,
        },
        lambda payload: payload,
    )
