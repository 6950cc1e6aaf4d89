"""Finding English left in a page drawn for a Chinese reader.

A page's interface text is what it shows (its text, without scripts and styles) and what it says
in attributes (labels, placeholders, hover titles, the texts the script shows). Taken out of it:
what the page itself marks as not ours to translate (an element with another `lang`, such as
CCC's own Message or the switcher's "English", and `<code>`: ids and error codes), the data it
shows (`data`), RequestId-shaped ids, the script's placeholders and the few words `ALLOWED`.
What is left must hold no ASCII word of three letters or more: an untranslated string always
leaves one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.utils import timezone

# Words that stay as they are in the Chinese interface, and why.
ALLOWED = (
    "cccadmin",  # the product's name
    "CCC",  # the contact center's name, as its Chinese console says it too
    "RequestIds",  # CCC's term for a call's id, which support tickets quote
    "RequestId",
    "AccessKey",  # Alibaba Cloud's term, as its Chinese console says it
    "RAM",  # Alibaba Cloud's access control, as its Chinese console says it too
    "Cookie",  # the browser's term, as Chinese browsers say it
    "HTTP",  # "HTTP 404" style codes
    "CSV",  # file formats, as Chinese software names them: 导出 CSV
    "Excel",
)
# Attributes whose values are read to the user or shown by the script.
TEXT_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
SCRIPT_TEXT_ATTRIBUTE = re.compile(r"data-(?:count-\w+|[\w-]+-text|cleared)$")
WORD = re.compile(r"[A-Za-z]{3,}")
# RequestIds and the like: hex groups whose letters can spell a word ("dead", "cafe").
UUID = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
# What the script fills in (the selection bar's "%(count)s").
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_VOID |= {"track", "wbr"}


class InterfaceText(HTMLParser):
    """A page's interface text: its visible text and its text attributes, without what it
    marks as another language's or as code."""

    def __init__(self, content: str, language: str = "zh-hans") -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.html_lang = ""
        self._open: list[tuple[str, bool]] = []  # (tag, whether its text is left out)
        self._text: list[str] = []
        self.attributes: list[str] = []
        self.feed(content)
        self.close()
        self.text = " ".join("".join(self._text).split())

    @property
    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = attributes.get("lang", "")
            return
        lang = attributes.get("lang")
        other_language = lang is not None and not lang.lower().startswith(self.language[:2])
        skipped = tag in ("script", "style", "code") or other_language
        if not (skipped or self._skipping):
            self.attributes.extend(
                value
                for name, value in attributes.items()
                if name in TEXT_ATTRIBUTES or SCRIPT_TEXT_ATTRIBUTE.match(name)
            )
        if tag not in _VOID:
            self._open.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._text.append(data)


def english_left(texts: Iterable[str], data: Iterable[str] = ()) -> list[str]:
    """The ASCII words of three letters or more left in `texts` once the data values, ids and
    allowed words are taken out, each with the text around it."""
    values = sorted({value for value in (*ALLOWED, *data) if value.strip()}, key=len, reverse=True)
    # Whole values only: "Sales" is data, "Wholesales" would not be.
    known = re.compile(
        "|".join(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])" for value in values)
    )
    found = []
    for text in texts:
        rest = known.sub(" ", PLACEHOLDER.sub(" ", UUID.sub(" ", text)))
        for match in WORD.finditer(rest):
            start = max(0, match.start() - 30)
            found.append(f"{match.group()!r} in …{rest[start : match.end() + 30].strip()}…")
    return found


def path_values(path: str) -> list[str]:
    """What an address puts on a page: its segments and query values (ids, searches, junk)."""
    parts = urlsplit(path)
    return [unquote(segment) for segment in parts.path.split("/") if segment] + [
        value for _, value in parse_qsl(parts.query)
    ]


def emulator_values(emulator) -> list[str]:
    """The demo data a page may show: instances, skill groups, contact flows and agents, by name
    and id, and the numbers' providers (numbers are digits, provinces and cities Chinese); and
    the API's action names, with the RAM permission of each (ccc:ListPhoneNumbers)."""
    values = [*emulator.actions, *(f"ccc:{action}" for action in emulator.actions)]
    for instance in emulator.instances.values():
        values += [instance.instance_id, instance.name, instance.description]
        for group in instance.skill_groups.values():
            values += [group.skill_group_id, group.name, group.display_name, group.description]
        for flow in instance.contact_flows.values():
            values += [flow.contact_flow_id, flow.name, flow.description]
        for user in instance.users.values():
            values += [user.user_id, user.display_name]
        values += sorted({record.provider for record in instance.numbers.values()})
    return values


def audit_values() -> list[str]:
    """What the audit trail's rows hold: who, where, CCC's codes, RequestIds and Messages, and
    refusals' recorded reasons (the page translates those it knows)."""
    from audit.models import AuditEvent

    values = []
    for event in AuditEvent.objects.all():
        values += [
            event.username,
            event.email,
            event.client_address,
            event.instance_id,
            event.skill_group_id,
            event.skill_group_name,
            event.error_code,
            event.detail,
            *event.request_ids,
        ]
    return values


def deployment_values() -> list[str]:
    """The deployment's own words on a page: the signed-in dev user, the time zone."""
    return [
        settings.CCCADMIN_DEV_USER,
        settings.TIME_ZONE,
        timezone.localtime().strftime("%Z"),
    ]
