"""What the browser tests share: locators by role, address-bar patterns, full-load detection."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, Request

NARROW = {"width": 360, "height": 740}  # a small phone


def exactly(text: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(text)}$")


def at(path_and_query: str) -> re.Pattern[str]:
    """The address bar showing exactly this path and query, on whatever port."""
    return re.compile(rf"^http://127\.0\.0\.1:\d+{re.escape(path_and_query)}$")


def rows(page: Page) -> Locator:
    """The table's data rows (the header row has column headers, not cells)."""
    return page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("cell"))


def summary(page: Page) -> Locator:
    """The results summary ("Showing 1-25 of 61 numbers" or "No numbers match.")."""
    return page.get_by_role("paragraph").filter(has_text=re.compile(r"^(Showing|No) "))


def announcement(page: Page, text: str) -> Locator:
    """The live region saying exactly `text` (the summary itself is a plain paragraph)."""
    return page.get_by_role("status").filter(has_text=exactly(text))


class FullLoads:
    """Opens a page and then notices any full load: htmx must only ever swap `#results`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.documents: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        if request.resource_type == "document" and request.frame == self.page.main_frame:
            self.documents.append(request.url)

    def open(self, path: str) -> FullLoads:
        self.page.goto(path)
        self.page.evaluate("window.__loaded_once = true")
        return self

    def assert_none_since_open(self) -> None:
        assert len(self.documents) == 1, self.documents
        assert self.page.evaluate("window.__loaded_once") is True


@dataclass(frozen=True)
class Overflow:
    page_width: int  # the document's scroll width
    spilling: list[str]  # elements outside the table container reaching past the viewport
    table_scrolls: bool  # the table container scrolls sideways within itself


def measure_overflow(page: Page) -> Overflow:
    """How the page fits the viewport's width; the table container may scroll on its own."""
    found = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const table = document.querySelector(".table-responsive");
          const spilling = [...document.body.querySelectorAll("*")]
            .filter((element) => !table.contains(element))
            .filter((element) => element.getBoundingClientRect().right > width + 1)
            .map((element) => element.outerHTML.slice(0, 120));
          return {
            page_width: document.documentElement.scrollWidth,
            spilling,
            table_scrolls: table.scrollWidth > table.clientWidth,
          };
        }"""
    )
    return Overflow(**found)
