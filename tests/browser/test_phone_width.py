"""The demo workspace's main pages fit a phone's screen: none scrolls sideways at 390 px."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, ViewportSize

from porch.demo import DEMO_EMAIL, load_demo
from porch.inbox.models import Conversation

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
PAGES = [
    "",
    "inbox/",
    "listening/",
    "listening/stream/",
    "publishing/compose/",
    "publishing/calendar/",
    "publishing/",
    "plan/",
    "insights/report/",
    "insights/money/",
    "insights/",
    "offers/",
    "counter/",
    "till-import/",
    "accounts/",
    "members/",
]


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_main_pages_fit_a_phone_screen(live_server, browser: Browser, transactional_db) -> None:
    with time_machine.travel(datetime(2026, 11, 18, 10, tzinfo=UTC), tick=False):
        workspace, _ = load_demo()
        conversation = Conversation.objects.filter(account__workspace=workspace).first()
        assert conversation is not None
        client = Client()
        client.force_login(User.objects.get(username=DEMO_EMAIL))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context = browser.new_context(viewport=PHONE)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        base = f"{live_server.url}/w/{workspace.slug}/"
        too_wide = {}
        for path in [*PAGES, f"inbox/{conversation.pk}/"]:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            if page_width(page) > PHONE["width"]:
                too_wide[path or "dashboard"] = page_width(page)
        page.goto(base)
        page.get_by_test_id("workspace-switcher").locator("summary").click()
        if page_width(page) > PHONE["width"]:
            too_wide["dashboard, workspace menu open"] = page_width(page)
        context.close()
    assert too_wide == {}, f"wider than a {PHONE['width']} px phone: {too_wide}"
