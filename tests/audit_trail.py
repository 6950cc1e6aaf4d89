"""Audit events written straight into the database, as phone_numbers/services.py records them:
an action is an attempt row plus at most one outcome row; a refusal is one row."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from audit.models import AuditEvent
from audit.parts import Part
from audit.recording import parts_columns
from ccc.emulator.dataset import (
    BULK_INSTANCE_ID,
    BULK_SKILL_GROUP_ID,
    EXAMPLE_INSTANCE_ID,
    EXAMPLE_SKILL_GROUP_ID,
)
from phone_numbers.models import ActionProgress

GROUP = {
    "instance_id": EXAMPLE_INSTANCE_ID,
    "skill_group_id": EXAMPLE_SKILL_GROUP_ID,
    "skill_group_name": "Customer service",
}
BULK_GROUP = {
    "instance_id": BULK_INSTANCE_ID,
    "skill_group_id": BULK_SKILL_GROUP_ID,
    "skill_group_name": "Nationwide hotline",
}
ALICE = {"username": "alice", "email": "alice@example.com", "client_address": "10.1.2.3"}
BOB = {"username": "bob@example.com", "email": "bob@example.com", "client_address": "10.1.2.4"}


def numbers(count: int, first: int = 1) -> list[str]:
    return [f"08330{first + i:06d}" for i in range(count)]


def attempt(
    at: datetime,
    *,
    action: str = AuditEvent.Action.LINK,
    asked: Sequence[str] = ("0833000001",),
    undoes: AuditEvent | None = None,
    **fields: object,
) -> AuditEvent:
    return AuditEvent.objects.create(
        created_at=at,
        kind=AuditEvent.Kind.ATTEMPT,
        action=action,
        numbers=list(asked),
        undoes=undoes,
        **{**GROUP, **ALICE, **fields},
    )


def outcome(
    of: AuditEvent,
    result: str = AuditEvent.Outcome.DONE,
    *,
    done: Sequence[str] | None = None,
    not_done: Sequence[str] = (),
    unknown: Sequence[str] = (),
    request_ids: Sequence[str] = ("3C7F2E1A-0B4D-4E5F-9A8B-7C6D5E4F3A2B",),
    error_code: str = "",
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        created_at=of.created_at + timedelta(seconds=2),
        kind=AuditEvent.Kind.OUTCOME,
        attempt=of,
        action=of.action,
        numbers=list(of.numbers if done is None else done),
        not_done=list(not_done),
        unknown=list(unknown),
        outcome=result,
        request_ids=list(request_ids),
        error_code=error_code,
        detail=detail,
        instance_id=of.instance_id,
        skill_group_id=of.skill_group_id,
        skill_group_name=of.skill_group_name,
        username=of.username,
        email=of.email,
        client_address=of.client_address,
    )


def refusal(at: datetime, *, detail: str, **fields: object) -> AuditEvent:
    return AuditEvent.objects.create(
        created_at=at,
        kind=AuditEvent.Kind.REFUSAL,
        outcome=AuditEvent.Outcome.REFUSED,
        detail=detail,
        **{**GROUP, **ALICE, "action": AuditEvent.Action.LINK, **fields},
    )


def demo_trail() -> None:
    """A trail of every kind of row, the newest a minute old: what the page states show."""
    now = timezone.now().replace(microsecond=0)
    linked = attempt(now - timedelta(hours=5), asked=numbers(12))
    outcome(linked, request_ids=["6F1D3B2A-93C4-4C1E-8C0B-2D9E8A7B6C5D"])
    undo = attempt(
        now - timedelta(hours=4),
        action=AuditEvent.Action.UNLINK,
        asked=numbers(3),
        undoes=linked,
        **BOB,
    )
    outcome(
        undo,
        AuditEvent.Outcome.PARTLY_DONE,
        done=numbers(2),
        not_done=numbers(1, first=3),
        detail="1 number was no longer linked.",
    )
    bulk = attempt(now - timedelta(hours=3), asked=numbers(150, first=100), **BULK_GROUP)
    outcome(
        bulk,
        AuditEvent.Outcome.UNKNOWN,
        done=numbers(100, first=100),
        unknown=numbers(50, first=200),
        request_ids=[
            "A1B2C3D4-0000-4000-8000-000000000001",
            "A1B2C3D4-0000-4000-8000-000000000002",
        ],
        detail="The contact center did not answer in time.",
    )
    failed = attempt(now - timedelta(hours=2), asked=numbers(2, first=400))
    outcome(
        failed,
        AuditEvent.Outcome.FAILED,
        done=[],
        not_done=numbers(2, first=400),
        error_code="Forbidden.NoPermission",
        detail="The access key may not change skill groups.",
    )
    refusal(
        now - timedelta(minutes=90),
        error_code=AuditEvent.Refusal.NOT_EDITOR,
        detail="",
        numbers=numbers(5, first=600),
        **BOB,
    )
    attempt(now - timedelta(hours=1), asked=numbers(1, first=500))  # died mid-action
    attempt(now - timedelta(minutes=1), action=AuditEvent.Action.UNLINK, asked=numbers(4))


# The action `partly_done_action` makes, at a fixed id so a page state can name its page.
PARTLY_DONE_ACTION_ID = 9001


def partly_done_action() -> None:
    """A link of three numbers of which CCC throttled one."""
    asked = numbers(3)
    link = attempt(timezone.now() - timedelta(minutes=5), asked=asked, pk=PARTLY_DONE_ACTION_ID)
    outcome(
        link,
        AuditEvent.Outcome.PARTLY_DONE,
        done=asked[:2],
        not_done=asked[2:],
        error_code="Throttling.User",
        detail="Request was denied due to user flow control.",
    )


RUNNING_ACTION_ID = 9003


def running_action() -> None:
    """A link of 400 numbers started 20 seconds ago, 155 of them answered so far."""
    link = attempt(timezone.now() - timedelta(seconds=20), asked=numbers(400), pk=RUNNING_ACTION_ID)
    ActionProgress.objects.create(attempt=link, total=400, done=150, not_done=5)


def four_actions() -> tuple[AuditEvent, AuditEvent, AuditEvent, AuditEvent]:
    """Four actions around midnight in Shanghai on 1-2 December 2025 (a link, its undo, a
    partly done unlink, a failed link in the bulk instance), as the audit page and its
    export tests read them."""
    shanghai = ZoneInfo("Asia/Shanghai")

    def cst(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2025, 12, day, hour, minute, tzinfo=shanghai)

    linked = attempt(cst(1, 7, 30), asked=numbers(12))
    outcome(linked, request_ids=["REQ-A"])
    undo = attempt(
        cst(1, 10), action=AuditEvent.Action.UNLINK, asked=numbers(3), undoes=linked, **BOB
    )
    outcome(undo, request_ids=["REQ-B"])
    partly = attempt(cst(1, 23, 30), action=AuditEvent.Action.UNLINK, asked=numbers(3), **BOB)
    outcome(
        partly,
        AuditEvent.Outcome.PARTLY_DONE,
        done=numbers(2),
        not_done=numbers(1, first=3),
        request_ids=["REQ-C1", "REQ-C2"],
        detail="1 number was no longer linked.",
    )
    failed = attempt(cst(2, 0), asked=numbers(2, first=40), **BULK_GROUP)
    outcome(
        failed,
        AuditEvent.Outcome.FAILED,
        done=[],
        not_done=numbers(2, first=40),
        request_ids=["REQ-D"],
        error_code="Forbidden.NoPermission",
        detail="The access key may not change skill groups.",
    )
    return linked, undo, partly, failed


# The action `two_groups_action` makes, at a fixed id so a page state can name its page.
TWO_GROUPS_ACTION_ID = 9002
SALES = ("sales@ccc-test", "Sales")


def two_groups_action() -> AuditEvent:
    """One link to two skill groups (three numbers to Customer service, two to Sales), with
    its parts as the write API keeps them; Sales refused one of its numbers."""
    service, sales = numbers(3), numbers(2, first=4)
    parts = (
        Part(EXAMPLE_SKILL_GROUP_ID, GROUP["skill_group_name"], tuple(service)),
        Part(*SALES, tuple(sales)),
    )
    columns = parts_columns(parts)
    link = attempt(
        timezone.now() - timedelta(minutes=3),
        asked=service + sales,
        pk=TWO_GROUPS_ACTION_ID,
        **columns,
    )
    done = (
        parts[0],
        dataclasses.replace(
            parts[1],
            numbers=tuple(sales[:1]),
            not_done=tuple(sales[1:]),
            error_code="NotExists.Number",
            detail="The number does not exist.",
        ),
    )
    AuditEvent.objects.create(
        created_at=link.created_at + timedelta(seconds=2),
        kind=AuditEvent.Kind.OUTCOME,
        attempt=link,
        action=link.action,
        numbers=service + sales[:1],
        not_done=sales[1:],
        outcome=AuditEvent.Outcome.PARTLY_DONE,
        request_ids=["3C7F2E1A-0B4D-4E5F-9A8B-7C6D5E4F3A2B"],
        error_code="NotExists.Number",
        detail="The number does not exist.",
        instance_id=link.instance_id,
        **parts_columns(done),
        **ALICE,
    )
    return link


# The number `number_history` records actions and refusals of, and a number with a "+".
HISTORY_NUMBER = "083300110001"
PLUS_NUMBER = "+8613800138000"


def number_history() -> dict[str, AuditEvent]:
    """The actions and refusals of HISTORY_NUMBER, by name, among others of numbers that hold it
    or that it begins with: a link of it with another number (done), a link of it to two skill
    groups (in Sales's part), a refusal of it in the bulk instance; an unlink of two numbers
    that hold it, a link of the number it begins with, and a link of PLUS_NUMBER."""
    now = timezone.now().replace(microsecond=0)
    events = {"link": attempt(now - timedelta(minutes=50), asked=[HISTORY_NUMBER, "083300110002"])}
    outcome(events["link"])
    events["longer"] = attempt(
        now - timedelta(minutes=40),
        action=AuditEvent.Action.UNLINK,
        asked=[f"{HISTORY_NUMBER}9", f"9{HISTORY_NUMBER}"],
    )
    events["shorter"] = attempt(now - timedelta(minutes=35), asked=[HISTORY_NUMBER[:-1]])
    parts = (
        Part(EXAMPLE_SKILL_GROUP_ID, GROUP["skill_group_name"], ("083300110003",)),
        Part(*SALES, (HISTORY_NUMBER,)),
    )
    events["two_groups"] = attempt(
        now - timedelta(minutes=30),
        asked=[number for part in parts for number in part.numbers],
        **parts_columns(parts),
    )
    events["refused"] = refusal(
        now - timedelta(minutes=20),
        error_code=AuditEvent.Refusal.NOT_EDITOR,
        detail="",
        numbers=[HISTORY_NUMBER],
        **{**BULK_GROUP, **BOB},
    )
    events["plus"] = attempt(now - timedelta(minutes=10), asked=[PLUS_NUMBER])
    return events


# The errors an outcome can hold, by name: CCC's own code with its Message, and the client's own
# codes with the words `ccc.client` records for them (an answer it never had or could not read,
# a write budget spent); each with the outcome it leaves.
ERRORS = {
    "ccc_code": (
        "Forbidden.NoPermission",
        "The access key may not change skill groups.",
        AuditEvent.Outcome.FAILED,
    ),
    "throttling": (
        "Throttling.User",
        "Request was denied due to user flow control.",
        AuditEvent.Outcome.PARTLY_DONE,
    ),
    "timeout": (
        "Timeout",
        "CCC did not answer in time (ReadTimeout).",
        AuditEvent.Outcome.UNKNOWN,
    ),
    "connection_error": (
        "ConnectionError",
        "CCC could not be reached (RemoteProtocolError).",
        AuditEvent.Outcome.UNKNOWN,
    ),
    "invalid_response": (
        "InvalidResponse",
        "CCC answered with a body its Content-Encoding does not fit.",
        AuditEvent.Outcome.UNKNOWN,
    ),
    "write_budget": (
        "WriteBudgetExhausted",
        "The action ran out of time before these were sent.",
        AuditEvent.Outcome.PARTLY_DONE,
    ),
}
# The one value a refusal names, for the codes that name one.
REFUSAL_DETAILS = {
    AuditEvent.Refusal.ALREADY_UNDONE: "41",
    AuditEvent.Refusal.CONFIRMATION_REUSED: "40",
    AuditEvent.Refusal.OUTSIDE_SCOPE: BULK_INSTANCE_ID,
    AuditEvent.Refusal.TOO_LONG: "username",
    AuditEvent.Refusal.CSRF_FAILED: "/i18n/setlang/",
    AuditEvent.Refusal.CSRF_FAILURES_COUNTED: "10",
}


def every_kind_trail() -> dict[str, AuditEvent]:
    """An action or refusal of every outcome and every kind of error the trail holds, by name
    (an error's as in ERRORS, a refusal by its code): done, an undo, each error's, a refusal of
    each code and one recorded in English before codes, an action of two skill groups, an
    attempt whose process stopped (no outcome, an hour old) and one still running."""
    now = timezone.now().replace(microsecond=0)
    minutes_ago = iter(range(180, 0, -1))

    def next_time() -> datetime:
        return now - timedelta(minutes=next(minutes_ago))

    events = {"done": attempt(next_time(), asked=numbers(3))}
    outcome(events["done"])
    events["undo"] = attempt(
        next_time(), action=AuditEvent.Action.UNLINK, asked=numbers(3), undoes=events["done"]
    )
    outcome(events["undo"])
    for name, (code, message, result) in ERRORS.items():
        events[name] = attempt(next_time(), asked=numbers(3))
        first, *rest = events[name].numbers
        outcome(
            events[name],
            result,
            done=[] if result == AuditEvent.Outcome.FAILED else [first],
            not_done={
                AuditEvent.Outcome.FAILED: [first, *rest],
                AuditEvent.Outcome.PARTLY_DONE: rest,
            }.get(result, []),
            unknown=rest if result == AuditEvent.Outcome.UNKNOWN else [],
            error_code=code,
            detail=message,
        )
    for code in AuditEvent.Refusal:
        events[code] = refusal(
            next_time(), error_code=code, detail=REFUSAL_DETAILS.get(code, ""), **BOB
        )
    events["legacy_refusal"] = refusal(next_time(), detail="not an editor", **BOB)
    events["stopped"] = attempt(now - timedelta(hours=1), asked=numbers(2, first=50))
    events["two_groups"] = two_groups_action()
    events["running"] = attempt(now - timedelta(seconds=10), asked=numbers(4, first=60))
    return events


class CccWords(str):
    """CCC's own Message, a line of its own that the page and an export each quote their way."""


# What the trail says of each entry of `every_kind_trail`, in English and in Chinese: its
# outcome, then the lines under it.
EVERY_KIND_SAID = {
    "en": {
        "done": ("Done",),
        "undo": ("Done",),
        "ccc_code": ("Failed", CccWords("The access key may not change skill groups.")),
        "throttling": (
            "Partly done",
            "1 done, 2 not done, 0 unknown",
            CccWords("Request was denied due to user flow control."),
        ),
        "timeout": ("Unknown", "1 done, 0 not done, 2 unknown", "CCC did not answer in time."),
        "connection_error": (
            "Unknown",
            "1 done, 0 not done, 2 unknown",
            "CCC could not be reached.",
        ),
        "invalid_response": (
            "Unknown",
            "1 done, 0 not done, 2 unknown",
            "CCC's answer could not be read.",
        ),
        "write_budget": (
            "Partly done",
            "1 done, 2 not done, 0 unknown",
            "The action ran out of time before these were sent.",
        ),
        AuditEvent.Refusal.NOT_EDITOR: ("Refused", "The user is not an editor."),
        AuditEvent.Refusal.TOO_LONG: (
            "Refused",
            "A value was longer than the trail can hold (username).",
        ),
        AuditEvent.Refusal.CSRF_FAILED: (
            "Refused",
            "The form posted to /i18n/setlang/ failed its CSRF check.",
        ),
        AuditEvent.Refusal.CSRF_FAILURES_COUNTED: (
            "Refused",
            "10 forms from this address have failed their CSRF check this minute; the log has "
            "each one.",
        ),
        AuditEvent.Refusal.CONFIRMATION_EXPIRED: ("Refused", "The confirmation had expired."),
        AuditEvent.Refusal.CONFIRMATION_FORGED: (
            "Refused",
            "The confirmation was not one this server made.",
        ),
        AuditEvent.Refusal.CONFIRMATION_FOREIGN: (
            "Refused",
            "The confirmation was made for another user or skill group.",
        ),
        AuditEvent.Refusal.ALREADY_UNDONE: (
            "Refused",
            "The action had already been undone (by action 41).",
        ),
        AuditEvent.Refusal.CONFIRMATION_REUSED: (
            "Refused",
            "The confirmation had been submitted before (action 40).",
        ),
        AuditEvent.Refusal.OUTSIDE_SCOPE: (
            "Refused",
            f"Instance {BULK_INSTANCE_ID} is not one the user may see.",
        ),
        "legacy_refusal": ("Refused", "The user is not an editor."),
        "stopped": (
            "Unknown",
            "The server stopped during this action; the outcome of 2 numbers is unknown.",
        ),
        "two_groups": (
            "Partly done",
            "4 done, 1 not done, 0 unknown",
            CccWords("The number does not exist."),
        ),
        "running": ("In progress",),
    },
    "zh-hans": {
        "done": ("已完成",),
        "undo": ("已完成",),
        "ccc_code": ("失败", CccWords("The access key may not change skill groups.")),
        "throttling": (
            "部分完成",
            "已完成 1 个，未完成 2 个，结果未知 0 个",
            CccWords("Request was denied due to user flow control."),
        ),
        "timeout": ("未知", "已完成 1 个，未完成 0 个，结果未知 2 个", "云联络中心未及时响应。"),
        "connection_error": (
            "未知",
            "已完成 1 个，未完成 0 个，结果未知 2 个",
            "无法连接云联络中心。",
        ),
        "invalid_response": (
            "未知",
            "已完成 1 个，未完成 0 个，结果未知 2 个",
            "无法解析云联络中心的响应。",
        ),
        "write_budget": (
            "部分完成",
            "已完成 1 个，未完成 2 个，结果未知 0 个",
            "操作已超时，这些号码未能发送。",
        ),
        AuditEvent.Refusal.NOT_EDITOR: ("已拒绝", "该用户不是编辑者。"),
        AuditEvent.Refusal.TOO_LONG: (
            "已拒绝",
            "请求中的值超出了审计记录可保存的长度（username）。",
        ),
        AuditEvent.Refusal.CSRF_FAILED: (
            "已拒绝",
            "提交到 /i18n/setlang/ 的表单未通过 CSRF 校验。",
        ),
        AuditEvent.Refusal.CSRF_FAILURES_COUNTED: (
            "已拒绝",
            "本分钟内来自该地址的表单已有 10 个未通过 CSRF 校验，每一个都记录在日志中。",
        ),
        AuditEvent.Refusal.CONFIRMATION_EXPIRED: ("已拒绝", "确认信息已过期。"),
        AuditEvent.Refusal.CONFIRMATION_FORGED: ("已拒绝", "该确认信息不是本服务器生成的。"),
        AuditEvent.Refusal.CONFIRMATION_FOREIGN: ("已拒绝", "该确认信息属于其他用户或技能组。"),
        AuditEvent.Refusal.ALREADY_UNDONE: ("已拒绝", "该操作此前已被操作 41 撤销。"),
        AuditEvent.Refusal.CONFIRMATION_REUSED: ("已拒绝", "该确认信息此前已提交过（操作 40）。"),
        AuditEvent.Refusal.OUTSIDE_SCOPE: ("已拒绝", f"该用户无权查看实例 {BULK_INSTANCE_ID}。"),
        "legacy_refusal": ("已拒绝", "该用户不是编辑者。"),
        "stopped": ("未知", "服务器在执行此操作期间停止运行，2 个号码的结果未知。"),
        "two_groups": (
            "部分完成",
            "已完成 4 个，未完成 1 个，结果未知 0 个",
            CccWords("The number does not exist."),
        ),
        "running": ("进行中",),
    },
}
# What comes before CCC's own Message.
CCC_SAYS = {"en": "CCC says:", "zh-hans": "云联络中心返回："}
# What the reader's browser asks for, by the language the trail is said in.
ACCEPT_LANGUAGE = {"en": "en", "zh-hans": "zh-CN,zh;q=0.9"}


def newest_first(events: dict[str, AuditEvent]) -> list[str]:
    """The names of `events` in the order the trail lists them."""
    return sorted(events, key=lambda name: (events[name].created_at, events[name].pk), reverse=True)
