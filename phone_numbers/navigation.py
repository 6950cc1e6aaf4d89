"""Where a numbers page sits: the breadcrumb trail above it, on the page and on its errors."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.lists import Crumb


def breadcrumbs(
    instance_id: str, group_name: str = "", group_url: str = "", *, instance_name: str = ""
) -> list[Crumb]:
    """Instances, then the instance's skill groups (by its name where it is known), then
    perhaps one of them: the last is the page itself unless a further crumb follows it."""
    crumbs = [
        Crumb(_("Instances"), reverse("phone_numbers:instance_list")),
        Crumb(
            instance_name or instance_id,
            reverse("phone_numbers:skill_group_list", args=[instance_id]),
        ),
    ]
    return [*crumbs, Crumb(group_name, group_url)] if group_name else crumbs
