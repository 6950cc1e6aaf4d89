"""Sentences as the reader's language sets them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import pgettext


def join_sentences(sentences: Iterable[str]) -> str:
    """Sentences one after the other: English puts a space between two, Chinese none (its
    full stop takes the room of one)."""
    pattern = pgettext("two sentences one after the other", "%(first)s %(second)s")
    joined = ""
    for sentence in filter(None, sentences):
        joined = pattern % {"first": joined, "second": sentence} if joined else sentence
    return joined


def listed(names: Iterable[str]) -> str:
    """Names one after the other, as the reader's language lists them ("a, b"; "a、b")."""
    return pgettext("between two names of a list", ", ").join(names)


def grouped(value: int) -> str:
    """A count as sentences show it, grouped in thousands in the reader's format."""
    return number_format(value, force_grouping=True)


def local_moment(moment: datetime) -> tuple[str, str, str]:
    """A moment in the deployment's zone (settings.TIME_ZONE) as (day, time, zone), the zone
    as the reader says it: China's CST is 北京时间 in Chinese (CST is also US Central time)."""
    local = timezone.localtime(moment)
    zone = local.strftime("%Z")
    if getattr(local.tzinfo, "key", "") == "Asia/Shanghai":
        zone = pgettext("China Standard Time, after a time of day", "CST")
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S"), zone


def zone_name() -> str:
    """The deployment's time zone as a sentence names it: 北京时间 in Chinese for
    Asia/Shanghai, else its IANA name."""
    name = timezone.get_default_timezone_name()
    if name == "Asia/Shanghai":
        return pgettext("the time zone Asia/Shanghai, named in a sentence", "Asia/Shanghai")
    return name


def moment_text(moment: datetime) -> str:
    """A moment to the second with its zone: "2025-12-02 08:00:00 CST"."""
    day, time, zone = local_moment(moment)
    return f"{day} {time} {zone}"


def duration_text(seconds: float) -> str:
    """A duration as people read one: "45 s", "3 min 05 s" (rounded to the second)."""
    whole = max(0, round(seconds))
    if whole < 60:
        return pgettext("duration", "%(seconds)d s") % {"seconds": whole}
    return pgettext("duration", "%(minutes)d min %(seconds)s s") % {
        "minutes": whole // 60,
        "seconds": f"{whole % 60:02d}",
    }
