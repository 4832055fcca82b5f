"""Every page of the demo fits a phone's screen: none scrolls sideways at 390 px, nothing a
reader needs sticks out past the edge, and Sign out is within reach. The pages are discovered
from the dashboard's links (tests/browser/walk.py), so a new page is measured too."""

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page

from porch.demo import DEMO_EMAIL, load_demo
from tests.browser.walk import PHONE, SIGNED_OUT, cut_off, page_width, signed_in, walk

pytestmark = pytest.mark.browser


def sign_out_reachable(page: Page) -> bool:
    """Sign out shows within the screen, at once or after opening the menu."""
    sign_out = page.get_by_role("button", name="Sign out")
    if not sign_out.is_visible():
        page.get_by_role("button", name="Menu").click()
    sign_out.wait_for(state="visible")
    box = sign_out.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_every_page_fits_a_phone_screen(live_server, browser: Browser, transactional_db) -> None:
    started = time.monotonic()
    too_wide: dict[str, int] = {}
    sticking_out: dict[str, list[str]] = {}
    with time_machine.travel(datetime(2026, 11, 18, 10, tzinfo=UTC), tick=False):
        workspace, _ = load_demo()
        visitor = browser.new_context(viewport=PHONE)
        page = visitor.new_page()

        def look(path: str) -> None:
            if page_width(page) > PHONE["width"]:
                too_wide[path] = page_width(page)
            if found := cut_off(page):
                sticking_out[path] = found

        for path in SIGNED_OUT:
            page.goto(live_server.url + path)
            look(path)
        visitor.close()
        context = signed_in(browser, live_server.url, User.objects.get(username=DEMO_EMAIL), PHONE)
        page = context.new_page()
        page.set_default_timeout(60_000)
        walked = walk(page, live_server.url, workspace.slug, look)
        home = f"{live_server.url}/w/{workspace.slug}/"
        page.goto(home)
        page.get_by_test_id("workspace-switcher").locator("summary").click()
        look("dashboard, workspace menu open")
        page.goto(home)
        assert sign_out_reachable(page), "Sign out is off the screen at 390 px"
        context.close()
    print(
        f"phone width: {len(walked) + len(SIGNED_OUT)} pages in {time.monotonic() - started:.0f} s"
    )
    assert len(walked) > 40, f"the walk found only {walked}"
    assert too_wide == {}, f"wider than a {PHONE['width']} px phone: {too_wide}"
    assert sticking_out == {}, f"cut off at the right edge at {PHONE['width']} px: {sticking_out}"
