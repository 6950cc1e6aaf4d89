"""The sentences' small parts (`portal.text`): durations as people read them."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.text import duration_text


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (0.4, "0 s", "0 秒"),
        (45, "45 s", "45 秒"),
        (59.6, "1 min 00 s", "1 分 00 秒"),
        (185, "3 min 05 s", "3 分 05 秒"),
        (-3, "0 s", "0 秒"),
    ],
)
def test_a_duration_reads_in_seconds_then_minutes(seconds, en, zh):
    with translation.override("en"):
        assert duration_text(seconds) == en
    with translation.override("zh-hans"):
        assert duration_text(seconds) == zh
