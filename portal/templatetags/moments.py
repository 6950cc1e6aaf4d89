"""Times as the pages show them: in the deployment's zone, named as the reader says it."""

from __future__ import annotations

from datetime import datetime

from django import template

from portal.text import local_moment

register = template.Library()


@register.filter
def time_of_day(moment: datetime) -> str:
    """ "08:11:06 CST" (北京时间 in Chinese, where the zone is Asia/Shanghai)."""
    _day, time, zone = local_moment(moment)
    return f"{time} {zone}"
