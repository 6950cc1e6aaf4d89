"""What the browser tests share: locators by role, address-bar patterns, full-load detection,
htmx swaps and axe-core findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, Request

NARROW = {"width": 360, "height": 740}  # a small phone
PHONE = {"width": 390, "height": 844}  # a common phone


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
            .filter((element) => !table?.contains(element))
            .filter((element) => element.getBoundingClientRect().right > width + 1)
            .map((element) => element.outerHTML.slice(0, 120));
          return {
            page_width: document.documentElement.scrollWidth,
            spilling,
            table_scrolls: table !== null && table.scrollWidth > table.clientWidth,
          };
        }"""
    )
    return Overflow(**found)


def swap_results(page: Page, path: str) -> None:
    """Swap `path` into the results region, as a search or pager link does, and let it settle.

    Waits for htmx to finish swapping and settling, and for CSS transitions (the results fade
    while a request is out) to end, so that the page is judged as it finally looks.
    """
    page.evaluate("(path) => htmx.ajax('GET', path, {target: '#results'})", path)
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    settle_animations(page)


def settle_animations(page: Page) -> None:
    """Wait for running CSS transitions and animations that end (the spinner's never does)."""
    page.wait_for_function(
        """() => document.getAnimations().every((animation) =>
          animation.playState !== "running"
          || !Number.isFinite(animation.effect?.getComputedTiming().endTime))"""
    )


AXE_FAILING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class AxeFinding:
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: list[tuple[list[str], str]]  # (target selectors, failure summary)

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact}): {self.help} <{self.help_url}>"]
        for target, failure in self.nodes:
            lines.append(f"  at {' '.join(target)}")
            lines.extend(f"    {line}" for line in failure.splitlines())
        return "\n".join(lines)


def axe_findings(page: Page, impacts: tuple[str, ...] = AXE_FAILING_IMPACTS) -> list[AxeFinding]:
    """axe-core's violations on the page as it is now, of the given impacts.

    The page must have axe-core loaded: an init script of a context made with `bypass_csp=True`
    (see the `walk` fixture of test_page_states.py), as the app's CSP refuses it otherwise.
    """
    violations = page.evaluate(
        """async () => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return results.violations.map((violation) => ({
            rule: violation.id,
            impact: violation.impact,
            help: violation.help,
            help_url: violation.helpUrl,
            nodes: violation.nodes.map((node) => [node.target.flat(), node.failureSummary || ""]),
          }));
        }"""
    )
    return [
        AxeFinding(**{**found, "nodes": [tuple(node) for node in found["nodes"]]})
        for found in violations
        if found["impact"] in impacts
    ]
