"""Reading rendered pages the way the tests need them."""

from __future__ import annotations

from html.parser import HTMLParser


class Html(HTMLParser):
    """The parts of a page the tests look at: text, links, attributes and table body rows."""

    def __init__(self, content: str) -> None:
        super().__init__(convert_charrefs=True)
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
