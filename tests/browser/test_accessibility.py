"""Every page of the demo passes axe-core with no serious or critical violation, on a laptop
and on a phone. The pages are discovered from the dashboard's links (tests/browser/walk.py),
so a new page is checked as soon as anything links to it."""

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page

from porch.demo import DEMO_EMAIL, load_demo
from tests.browser.walk import DESKTOP, PHONE, SIGNED_OUT, Violation, axe, report, signed_in, walk

pytestmark = pytest.mark.browser


def test_every_demo_page_passes_axe(
    live_server, browser: Browser, transactional_db, axe_core: None
) -> None:
    started = time.monotonic()
    failures: dict[str, list[Violation]] = {}
    walked: list[str] = []
    with time_machine.travel(datetime(2026, 11, 18, 10, tzinfo=UTC), tick=False):
        workspace, _ = load_demo()
        owner = User.objects.get(username=DEMO_EMAIL)
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            visitor = browser.new_context(viewport=viewport)
            page = visitor.new_page()
            for path in SIGNED_OUT:
                page.goto(live_server.url + path)
                if found := axe(page):
                    failures[f"{path} ({name}, signed out)"] = found
            visitor.close()
            context = signed_in(browser, live_server.url, owner, viewport)
            page = context.new_page()
            page.set_default_timeout(60_000)

            def look(path: str, name: str = name, page: Page = page) -> None:
                if found := axe(page):
                    failures[f"{path} ({name})"] = found

            if not walked:
                walked = walk(page, live_server.url, workspace.slug, look)
            else:
                for path in walked:
                    page.goto(live_server.url + path)
                    look(path)
            context.close()
    seconds = time.monotonic() - started
    print(f"axe-core: {len(walked) + len(SIGNED_OUT)} pages at 2 widths in {seconds:.0f} s")
    assert len(walked) > 40, f"the walk found only {walked}"
    assert not failures, (
        f"serious or critical axe-core violations on {len(failures)} page views "
        f"({len(walked)} pages walked in {seconds:.0f} s):\n{report(failures)}"
    )
