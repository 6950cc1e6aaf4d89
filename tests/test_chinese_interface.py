"""The Simplified Chinese interface: every page state, error page and script text in Chinese,
with only data, ids, CCC's own words and `ALLOWED` left as they are; and Chinese in htmx headers
sent as ASCII-escaped JSON.

The states are `tests/page_states.py`'s, as the English walk (`tests/test_page_states.py`)
requests them.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import translation
from django_htmx.http import trigger_client_event

import ccc
from audit.models import AuditEvent
from audit.refusals import refusal_read, refusal_words
from ccc.emulator.dataset import CHAT_SKILL_GROUP_ID, EXAMPLE_INSTANCE_ID, EXAMPLE_SKILL_GROUP_ID
from phone_numbers import tables
from portal.ccc_errors import error_page
from portal.text import moment_text

from .interface_language import (
    InterfaceText,
    audit_values,
    deployment_values,
    emulator_values,
    english_left,
    path_values,
)
from .page_states import (
    CHAT_NUMBERS,
    NUMBERS,
    SKILL_GROUPS,
    STATES,
    PageState,
    inject,
    retries_without_waiting,
)
from .pages import Html, template_syntax_in

CHINESE_BROWSER = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with retries_without_waiting():
        yield


def english_on(
    response, emulator=None, *, path: str = "", full_page: bool = True, data: tuple[str, ...] = ()
) -> list[str]:
    """The English a response drawn for a Chinese reader shows, data and CCC's words aside."""
    content = response.content.decode()
    page = InterfaceText(content)
    assert template_syntax_in(page.text) == []
    if full_page:
        assert page.html_lang == "zh-hans", content[:300]
    data = [
        *data,
        *(emulator_values(emulator) if emulator else ()),
        *path_values(path),
        *deployment_values(),
    ]
    with contextlib.suppress(RuntimeError):  # no database for this test: no rows either
        data += audit_values()
    return english_left([page.text, *page.attributes], data)


# -- the check itself --------------------------------------------------------------------------


def test_the_check_finds_english_and_leaves_data_codes_and_ccc_words() -> None:
    page = InterfaceText(
        '<html lang="zh-hans"><head><title>号码 · cccadmin</title><script>var shown = 1;</script>'
        "</head><body><p>显示第 1–25 个，共 61 个号码</p><p>Copy link</p>"
        '<button aria-label="Close" data-copied-text="Link copied">×</button>'
        '<p>CCC 返回： <q lang="en">Request was denied</q></p><code>Throttling.User</code>'
        "<p>RequestId 6F1D3B2A-93C4-4C1E-8C0B-2D9E8A7B6C5D · HTTP 503</p>"
        '<input placeholder="e.g. 0833"><p>技能组“Customer service”</p>'
        '<button lang="en">English</button></body></html>'
    )
    assert page.html_lang == "zh-hans"
    found = english_left([page.text, *page.attributes], data=["Customer service"])
    assert [re.match(r"'(\w+)'", item).group(1) for item in found] == [
        "Copy",
        "link",
        "Close",
        "Link",
        "copied",
    ]
    assert english_left(["客户服务 Wholesales"], data=["Sales"]) != []


def test_a_string_left_untranslated_fails_the_walk(client: Client, app_emulator, monkeypatch):
    """What the walk is for: one sentence that is not in the catalogue shows in English."""
    monkeypatch.setattr(
        tables.PhoneNumberTable, "summary_text", "Showing %(start)s–%(end)s of %(total)s numbers"
    )
    response = client.get(NUMBERS, headers=CHINESE_BROWSER)
    found = english_on(response, app_emulator, path=NUMBERS)
    assert any(item.startswith("'Showing' in") for item in found), found


# -- every page state --------------------------------------------------------------------------


def _with_database(state: PageState):
    return pytest.param(state, marks=pytest.mark.django_db) if state.database else state


@pytest.mark.parametrize("state", [_with_database(state) for state in STATES], ids=str)
def test_every_page_state_in_chinese(client: Client, app_emulator, state: PageState) -> None:
    if state.database:
        state.database()
    inject(app_emulator, state.fault)

    response = client.get(state.path, headers={**CHINESE_BROWSER, **(HTMX if state.htmx else {})})

    assert response.status_code == state.status, response.content.decode()[:2000]
    assert english_on(response, app_emulator, path=state.path, full_page=not state.htmx) == []


def test_the_language_cookie_alone_gives_chinese(client: Client, settings, app_emulator):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(NUMBERS + "?view=eligible", headers={"Accept-Language": "en"})
    assert english_on(response, app_emulator, path=NUMBERS) == []


def test_the_script_texts_come_in_chinese(client: Client, app_emulator):
    """The selection bar's counts (the catalogue's plural, with %(count)s for the script),
    the copied-link note and the offline notice are rendered for the script."""
    page = InterfaceText(
        client.get(NUMBERS + "?view=eligible", headers=CHINESE_BROWSER).content.decode()
    )
    texts = set(page.attributes)
    assert "已选择 1 个号码。" in texts
    assert "已选择 %(count)s 个号码。" in texts
    assert "链接已复制" in texts
    assert any(text.startswith("无法连接 cccadmin") for text in texts)


def test_the_skill_groups_media_filter_in_chinese(client: Client, app_emulator):
    response = client.get(SKILL_GROUPS + "?media=chat", headers=CHINESE_BROWSER)

    content = response.content.decode()
    select = re.search(r'<select name="media".*?</select>', content, re.S).group()
    assert re.search(r'<label for="id_media"[^>]*>媒体类型</label>', content)
    assert re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', select) == [
        ("audio", "", "语音"),
        ("chat", " selected", "在线交谈"),
        ("video", "", "视频"),
    ]
    assert Html(content).rows == [["Online chat", CHAT_SKILL_GROUP_ID, "在线交谈", "0", "14"]]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
def test_a_chat_group_s_eligible_view_says_why_it_is_empty_in_chinese(
    client: Client, app_emulator, htmx
):
    response = client.get(
        CHAT_NUMBERS + "?view=eligible", headers={**CHINESE_BROWSER, **(HTMX if htmx else {})}
    )

    page = Html(response.content.decode())
    assert "号码只用于语音技能组，而技能组“Online chat”的媒体类型为在线交谈。" in page.text
    assert page.rows == []


# -- error pages -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no/such/page/", 404),
        ("post", "/audit/", 405),
        ("get", f"/instances/no-such-instance/skill-groups/{EXAMPLE_SKILL_GROUP_ID}/numbers/", 404),
    ],
)
def test_error_pages_in_chinese(client: Client, app_emulator, method, path, status):
    response = getattr(client, method)(path, headers=CHINESE_BROWSER)
    assert response.status_code == status
    assert english_on(response, app_emulator, path=path) == []


@pytest.mark.django_db  # the refusal is recorded in the audit trail
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "swap"])
def test_a_failed_csrf_check_in_chinese(app_emulator, htmx):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        NUMBERS + "change/", {"token": "x"}, headers={**CHINESE_BROWSER, **(HTMX if htmx else {})}
    )
    assert response.status_code == 403
    assert english_on(response, full_page=not htmx) == []


@pytest.mark.parametrize(
    ("handler", "status"),
    [("bad_request", 400), ("permission_denied", 403), ("server_error", 500)],
)
def test_the_other_error_handlers_in_chinese(rf, handler, status):
    from portal import errors

    request = rf.get("/")
    view = getattr(errors, handler)
    with translation.override("zh-hans"):
        response = view(request) if handler == "server_error" else view(request, Exception())
    assert response.status_code == status
    assert english_on(response) == []


def test_a_refusal_by_sign_in_in_chinese(client: Client, settings):
    settings.CCCADMIN_AUTH_MODE = "header"
    settings.CCCADMIN_TRUSTED_PROXIES = ["10.0.3.7/32"]
    settings.CCCADMIN_VIEWER_GROUPS = ["cc-support"]
    response = client.get(
        "/",
        REMOTE_ADDR="10.0.3.7",
        headers={**CHINESE_BROWSER, "X-Forwarded-User": "olga", "X-Forwarded-Groups": "sales"},
    )
    assert response.status_code == 403
    assert english_on(response, data=("olga",)) == []


def test_ccc_s_message_is_shown_as_its_words_under_a_translated_headline():
    """CCC's Message stays English, quoted and marked so; the headline is ours."""
    with translation.override("zh-hans"):
        _, title, detail = error_page(
            ccc.CccError("Forbidden.NoPermission", "The access key may not do this."), {}
        )
    assert title == "云联络中心返回了错误。"
    assert detail == '云联络中心返回： <q lang="en">The access key may not do this.</q>'


# -- the audit trail's recorded reasons --------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "said"),
    [
        ("not an editor", "该用户不是编辑者。"),
        ("the confirmation has expired", "确认信息已过期。"),
        ("the confirmation is not one this server made", "该确认信息不是本服务器生成的。"),
        ("the confirmation is for another user or skill group", "该确认信息属于其他用户或技能组。"),
        ("confirmation submitted again (attempt 12)", "该确认信息此前已提交过（操作 12）。"),
        (
            f"instance {EXAMPLE_INSTANCE_ID} is outside the user's scope",
            "该用户无权查看实例 ccc-test。",
        ),
        ("a reason of an older version", "a reason of an older version"),
    ],
)
def test_refusals_recorded_in_english_are_said_in_chinese(recorded, said):
    """Rows made before refusals had codes are read as codes, then said in the reader's words."""
    with translation.override("zh-hans"):
        assert refusal_words(*refusal_read("", recorded)) == said


@pytest.mark.parametrize(
    ("refusal", "detail", "said"),
    [
        (AuditEvent.Refusal.NOT_EDITOR, "", "该用户不是编辑者。"),
        (AuditEvent.Refusal.CONFIRMATION_REUSED, "12", "该确认信息此前已提交过（操作 12）。"),
        (AuditEvent.Refusal.OUTSIDE_SCOPE, EXAMPLE_INSTANCE_ID, "该用户无权查看实例 ccc-test。"),
        (
            AuditEvent.Refusal.CSRF_FAILED,
            "/i18n/setlang/",
            "提交到 /i18n/setlang/ 的表单未通过 CSRF 校验。",
        ),
        (
            AuditEvent.Refusal.CSRF_FAILURES_COUNTED,
            "100",
            "本分钟内来自该地址的表单已有 100 个未通过 CSRF 校验，每一个都记录在日志中。",
        ),
        ("Refused.OfALaterVersion", "", "Refused.OfALaterVersion"),
    ],
)
def test_refusal_codes_are_said_in_chinese(refusal, detail, said):
    with translation.override("zh-hans"):
        assert refusal_words(*refusal_read(refusal, detail)) == said


@pytest.mark.parametrize(
    ("zone", "english", "chinese"),
    [
        ("Asia/Shanghai", "2025-12-02 08:00:00 CST", "2025-12-02 08:00:00 北京时间"),
        # Elsewhere the zone's own abbreviation, in both languages.
        ("America/Chicago", "2025-12-01 18:00:00 CST", "2025-12-01 18:00:00 CST"),
    ],
)
def test_a_time_in_china_is_beijing_time_in_chinese(settings, zone, english, chinese):
    settings.TIME_ZONE = zone
    moment = datetime(2025, 12, 2, 0, 0, tzinfo=UTC)
    assert moment_text(moment) == english
    with translation.override("zh-hans"):
        assert moment_text(moment) == chinese


@pytest.mark.django_db
def test_the_pages_times_are_beijing_time_in_chinese(client: Client, app_emulator):
    numbers = Html(client.get(NUMBERS, headers=CHINESE_BROWSER).content.decode()).text
    audit = Html(client.get("/audit/", headers=CHINESE_BROWSER).content.decode()).text

    assert re.search(r"数据截至 \d\d:\d\d:\d\d 北京时间", numbers)
    assert "时间均为北京时间。" in audit


# -- Chinese in response headers ---------------------------------------------------------------


def test_chinese_in_an_htmx_trigger_goes_as_ascii_escaped_json():
    """django-htmx writes HX-Trigger* with json.dumps, whose ensure_ascii escapes Chinese as
    \\uXXXX: the header stays ASCII, where Django would MIME-encode raw Chinese (=?utf-8?b?…)."""
    response = HttpResponse()
    trigger_client_event(
        response, "cccadmin:numbers-changed", {"group": "售后服务"}, after="settle"
    )

    sent = response.serialize_headers()
    assert b'"group": "\\u552e\\u540e\\u670d\\u52a1"' in sent
    assert sent.isascii() and b"=?utf-8?" not in sent
    assert json.loads(response["HX-Trigger-After-Settle"]) == {
        "cccadmin:numbers-changed": {"group": "售后服务"}
    }
    raw = HttpResponse()
    raw["X-Said"] = "售后服务"
    assert raw["X-Said"].startswith("=?utf-8?"), "what escaping spares the browser"


@pytest.mark.django_db
def test_an_outcome_s_trigger_in_chinese_is_ascii_json(client: Client, app_emulator):
    """The outcome of an action swapped in place triggers the results' refresh through
    trigger_client_event, so whatever it carries is ASCII JSON, in Chinese as in English."""
    numbers_path = f"/instances/{EXAMPLE_INSTANCE_ID}/skill-groups/{EXAMPLE_SKILL_GROUP_ID}"
    dialog = client.get(
        f"{numbers_path}/numbers/confirm/",
        {"view": "eligible", "number": ["010012616633"]},
        headers={**CHINESE_BROWSER, **HTMX},
    )
    token = re.search(r'name="token" value="([^"]+)"', dialog.content.decode()).group(1)

    response = client.post(
        f"{numbers_path}/numbers/change/", {"token": token}, headers={**CHINESE_BROWSER, **HTMX}
    )

    assert response.status_code == 200
    assert english_on(response, app_emulator, full_page=False) == []
    header = response["HX-Trigger-After-Settle"]
    assert header.isascii()
    assert json.loads(header) == {"cccadmin:numbers-changed": {"stillSelected": []}}
