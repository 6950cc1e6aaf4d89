"""Reading rendered pages the way the tests need them."""

from __future__ import annotations

from html.parser import HTMLParser

# Template syntax that reached the page: a tag, variable or comment Django did not parse
# (a `{# ... #}` spanning lines is the classic).
TEMPLATE_MARKERS = ("{#", "#}", "{%", "%}", "{{", "}}")
# Elements whose contents are never shown as text.
_HIDDEN = ("script", "style")


def template_syntax_in(text: str) -> list[str]:
    """The template syntax markers in a page's visible text, each with what surrounds it."""
    found = []
    for marker in TEMPLATE_MARKERS:
        start = text.find(marker)
        if start >= 0:
            found.append(f"{marker!r} in …{text[max(0, start - 40) : start + 40]}…")
    return found


class Html(HTMLParser):
    """The parts of a page the tests look at: its visible text (no script or style contents,
    no attribute values), links, attributes and table body rows."""

    def __init__(self, content: str) -> None:
        super().__init__(convert_charrefs=True)
        self._hidden_depth = 0
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.rows: list[list[str]] = []
        self.headers: list[str] = []
        self._text: list[str] = []
        self._link: list[str] | None = None
        self._href = ""
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header: list[str] | None = None
        self.feed(content)
        self.close()
        self.text = " ".join("".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "a":
            self._link, self._href = [], attributes.get("href", "")
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "th":
            self._header = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        if tag == "a" and self._link is not None:
            self.links.append((self._href, " ".join("".join(self._link).split())))
            self._link = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "th" and self._header is not None:
            self.headers.append(" ".join("".join(self._header).split()))
            self._header = None

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        self._text.append(data)
        for collecting in (self._link, self._cell, self._header):
            if collecting is not None:
                collecting.append(data)

    def attribute_values(self, name: str) -> list[str]:
        return [attrs[name] for _, attrs in self.elements if name in attrs]

    def find(self, tag: str, **attributes: str) -> list[dict[str, str]]:
        return [
            attrs
            for element, attrs in self.elements
            if element == tag and all(attrs.get(k) == v for k, v in attributes.items())
        ]
