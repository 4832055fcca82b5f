"""The shell in a real browser: the phone's menu, the manifest, notify.js telling of a complaint."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import ConsoleMessage, Page, expect

from porch.workspaces.models import Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD
from tests.test_shell import complaint

pytestmark = pytest.mark.browser

# The browser's Notification, recorded: headless Chromium shows none, and permission is the owner's.
FAKE_NOTIFICATION = """
window.__notices = [];
window.Notification = function (title, options) {
  this.title = title; this.options = options; window.__notices.push(this);
  this.close = function () {};
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


def until(page: Page, condition: str, seconds: float = 10) -> None:
    """Wait for a JS condition (wait_for_function would need eval, which the CSP refuses)."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still not true after {seconds} s: {condition}")


@pytest.fixture
def problems(page: Page) -> Iterator[list[str]]:
    found: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.type}: {message.text}")

    page.on("console", listen)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    yield found


def test_on_a_phone_the_menu_opens_and_sign_out_works(
    page: Page, live_server, owner: User, workspace: Workspace, problems: list[str]
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, owner.email, PASSWORD)
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()
    assert page.locator('link[rel="manifest"]').count() == 1
    sign_out = page.get_by_role("button", name="Sign out")
    toggle = page.get_by_test_id("menu-toggle")
    expect(sign_out).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_test_id("site-menu")
    expect(menu.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = sign_out.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844  # on the screen, no scrolling
    sign_out.click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert problems == []


def test_on_a_desktop_the_header_is_one_row(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server.url, owner.email, PASSWORD)
    expect(page.get_by_test_id("menu-toggle")).to_be_hidden()
    header = page.get_by_test_id("site-header").bounding_box()
    assert header is not None and header["height"] < 70
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_new_complaint_rings_and_its_notice_opens_the_conversation(
    page: Page, live_server, owner: User, workspace: Workspace, problems: list[str]
) -> None:
    page.add_init_script(FAKE_NOTIFICATION)
    pulse = f"/w/{workspace.slug}/inbox/pulse/"
    with page.expect_response(lambda answer: answer.url.endswith(pulse)):
        sign_in(page, live_server.url, owner.email, PASSWORD)
    until(page, "localStorage.length > 0")  # the first poll remembers: nothing to tell
    assert page.evaluate("window.__notices.length") == 0
    newest = complaint(workspace, 7, "Cold coffee and a rude wait")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # poll now
    until(page, "window.__notices.length === 1")
    assert (
        page.evaluate("window.__notices[0].options.body") == "@person7: Cold coffee and a rude wait"
    )
    page.evaluate("window.__notices[0].onclick()")
    expect(page).to_have_url(f"{live_server.url}/w/{workspace.slug}/inbox/{newest.pk}/")
    assert problems == []
