"""The inbox's keyboard shortcuts in a real browser: j/k move through the list, Enter opens,
and the selection stays on its conversation when the list refreshes with a new row above."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from porch.demo import DEMO_EMAIL, load_demo
from porch.inbox.models import Conversation, Intent
from tests.browser.walk import DESKTOP, signed_in

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)


def test_j_and_k_keep_to_their_conversation_through_a_refresh(
    live_server, browser: Browser, transactional_db
) -> None:
    with time_machine.travel(NOW, tick=False):
        workspace, _ = load_demo()
    context = signed_in(browser, live_server.url, User.objects.get(username=DEMO_EMAIL), DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/w/{workspace.slug}/inbox/")
    rows = page.get_by_test_id("inbox-row")
    page.keyboard.press("j")
    page.keyboard.press("j")
    chosen = rows.nth(1).get_attribute("data-id")
    expect(page.locator("[data-testid='inbox-row'].selected")).to_have_attribute(
        "data-id", chosen or ""
    )
    first = Conversation.objects.get(pk=int(rows.nth(0).get_attribute("data-id") or 0))
    newest = Conversation.objects.create(
        workspace=workspace,
        account=first.account,
        root_external_id="new-on-top",
        contact_handle="late_customer",
        intent=Intent.COMPLAINT,
        urgency=0.99,
        first_message_at=NOW - timedelta(minutes=1),
        last_message_at=NOW - timedelta(minutes=1),
    )
    expect(rows.first).to_have_attribute("data-id", str(newest.pk), timeout=15_000)  # refreshed
    expect(page.locator("[data-testid='inbox-row'].selected")).to_have_attribute(
        "data-id", chosen or ""
    )
    page.keyboard.press("k")
    expect(page.locator("[data-testid='inbox-row'].selected")).not_to_have_attribute(
        "data-id", chosen or ""
    )
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/w/{workspace.slug}/inbox/{chosen}/")
    context.close()
