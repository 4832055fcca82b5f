"""Walk every page of a signed-in workspace in a browser, and check each one with axe-core.

The pages are discovered, not listed: the dashboard, every link on it (the navigation and the
workspace menu), and the links on those pages, up to three clicks from the dashboard. Links
that differ only in a number (one conversation, post, person, offer…) count as one page, so a
new page is walked as soon as anything links to it. Used by the accessibility and phone-width
tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

# Not pages to look at: downloads, sign-out, the admin, JSON endpoints, actions behind a GET.
SKIP = re.compile(
    r"(\.(pdf|md|csv|json|png|svg|txt|ics|xml)$)|^/(signout|admin|healthz|static|l|c)/"
    r"|/pulse/$|/count/$|/qr/$|/print/$|/check/$|/fetch/$|/export/"
)
# Searches and filters (a link's query is walked once per page), and pages few links reach.
EXTRA_WORKSPACE = [
    "inbox/?q=bread",
    "people/?q=a",
    "listening/stream/?sentiment=negative",
    "plan/workshop/",
]
EXTRA_SITE = ["/workspaces/new/"]
# The pages a visitor sees before signing in.
SIGNED_OUT = ["/signin/", "/signup/", "/password-reset/"]


def shape(path: str) -> str:
    """A page's kind: its path with every number replaced, so `/inbox/7/` and `/inbox/9/` match."""
    return re.sub(r"\d+", "N", path.split("#")[0])


def links(page: Page, origin: str) -> list[str]:
    """The same-site page links on the page, as paths (with their query), in page order."""
    hrefs: list[str] = page.locator("a[href]").evaluate_all(
        "els => els.map(e => e.href).filter(h => h.startsWith('http'))"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(
    page: Page, origin: str, slug: str, look: Callable[[str], None], depth: int = 3
) -> list[str]:
    """Open every page of the workspace reachable in `depth` clicks from its dashboard, one per
    kind, and call `look(path)` on each while it is open; the paths walked, in order."""
    home = f"/w/{slug}/"
    seen: set[str] = set()
    walked: list[str] = []
    level = [home, *(home + extra for extra in EXTRA_WORKSPACE), *EXTRA_SITE]
    for _ in range(depth + 1):
        following: list[str] = []
        for path in level:
            key = shape(path.split("?")[0]) + ("?" if "?" in path else "")
            if key in seen:
                continue
            seen.add(key)
            response = page.goto(origin + path)
            assert response is not None, path
            if "html" not in response.headers.get("content-type", ""):
                continue
            assert response.ok, f"{path}: {response.status}"
            walked.append(path)
            look(path)
            following.extend(links(page, origin))
        level = following
    return walked


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str] = field(default_factory=list)
    snippet: str = ""

    def line(self) -> str:
        where = ", ".join(self.targets[:4]) + (" …" if len(self.targets) > 4 else "")
        indent = "\n" + " " * 11
        snippet = self.snippet[:160]
        return f"{self.impact:8} {self.rule}: {self.help}{indent}at {where}{indent}{snippet}"


def axe(page: Page) -> list[Violation]:
    """The serious and critical axe-core violations on the page as it stands.

    The script is evaluated through the browser's debugging protocol, which the page's
    Content-Security-Policy does not govern, so the page runs under its real policy.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        Violation(
            rule=found["id"],
            impact=found["impact"],
            help=found["help"],
            targets=[" ".join(map(str, node["target"])) for node in found["nodes"]],
            snippet=found["nodes"][0]["html"] if found["nodes"] else "",
        )
        for found in results
        if found["impact"] in SERIOUS
    ]


def report(failures: dict[str, list[Violation]]) -> str:
    """The violations, page by page, readable in a test failure."""
    parts = []
    for where, violations in failures.items():
        parts.append(f"{where}:\n" + "\n".join("  " + v.line() for v in violations))
    return "\n".join(parts)


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


# The elements a reader needs that stick out past the window's right edge (cut off on a phone),
# leaving out hidden ones, deliberate scroll boxes and skip links parked off the top or left.
CUT_OFF = """() => [
  ...document.querySelectorAll('h1, h2, a, button, input, select, textarea, summary')]
  .filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || r.right <= 0 || r.bottom <= 0) return false;
    if (!e.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
    }
    return r.right > innerWidth + 1 || r.left < -1;
  })
  .map(e => e.tagName.toLowerCase() + ' "'
    + (e.innerText || e.value || e.name || '').trim().slice(0, 40) + '"')"""


def cut_off(page: Page) -> list[str]:
    """What sticks out past the right edge of the window (see CUT_OFF)."""
    found: list[str] = page.evaluate(CUT_OFF)
    return found


def signed_in(browser: Browser, url: str, user: User, viewport: ViewportSize) -> BrowserContext:
    """A browser context of the given size, signed in as `user` on the live server at `url`."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}])
    return context
