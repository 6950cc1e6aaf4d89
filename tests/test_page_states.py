"""Every page state through Django's test client: its status, and no template syntax in its text.

The states are `tests/page_states.py`'s; the browser walk opens the same ones in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .page_states import STATES, PageState, inject, retries_without_waiting
from .pages import Html, template_syntax_in


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with retries_without_waiting():
        yield


def test_the_text_leaves_out_scripts_styles_and_attribute_values() -> None:
    page = Html(
        '<head><style>a{color:red}</style><script src="x.js">var a = "{{";</script></head>'
        '<body><p title="{% if %}" data-json=\'{"a": {"b": 1}}\'>Shown</p>'
        "<script>{# hidden #}</script> text</body>"
    )
    assert page.text == "Shown text"
    assert template_syntax_in(page.text) == []
    assert template_syntax_in(Html("<p>{# a comment\nover two lines #}</p>").text)


def _with_database(state: PageState):
    """The state, given a database if it reads one."""
    return pytest.param(state, marks=pytest.mark.django_db) if state.database else state


@pytest.mark.parametrize("state", [_with_database(state) for state in STATES], ids=str)
def test_every_page_state(client, app_emulator, state: PageState) -> None:
    if state.database:
        state.database()
    inject(app_emulator, state.fault)
    headers = {"HX-Request": "true"} if state.htmx else {}

    response = client.get(state.path, headers=headers)

    content = response.content.decode()
    assert response.status_code == state.status, content[:2000]
    assert ("<html" in content) is not state.htmx, "a swap gets a fragment, a page the whole page"
    text = Html(content).text
    assert template_syntax_in(text) == []
    assert state.shows in text
