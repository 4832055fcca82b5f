"""An offer at the counter, on a phone: the shop's helper scans a follower's QR code (the
phone's camera opens the code's address), lands on the counter with the code filled in,
types the amount and redeems it; a second scan says it was used; the owner's money page
counts the sale."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Browser, expect

from porch.offers.codes import code_url, display, new_personal_code
from porch.offers.models import Code, CodeState, Give, Offer
from porch.people.services import identify
from porch.workspaces.models import Role, Workspace
from tests.browser.test_sign_in import sign_in
from tests.browser.walk import PHONE
from tests.conftest import PASSWORD, add_member

pytestmark = pytest.mark.browser

AT = datetime(2026, 11, 18, 10, tzinfo=UTC)


def a_code_sent_to_ana(workspace: Workspace) -> Code:
    offer = Offer.objects.create(
        workspace=workspace,
        title="Followers' free bun",
        terms="One cinnamon bun with any coffee.",
        starts_at=AT - timedelta(days=1),
        ends_at=AT + timedelta(days=13),
        give=Give.PERSONAL,
        networks=["fake"],
    )
    ana = identify(workspace, "fake", "fake:ana", "ana")
    return Code.objects.create(
        workspace=workspace,
        offer=offer,
        code=new_personal_code(),
        identity=ana,
        person=ana.person,
        network="fake",
        state=CodeState.SENT,
        sent_at=AT - timedelta(hours=20),
    )


def test_scan_redeem_and_the_money_page_counts_it(
    live_server, browser: Browser, owner: User, workspace: Workspace
) -> None:
    helper = add_member(workspace, "sam@corner.example", Role.HELPER)
    with time_machine.travel(AT, tick=True):
        code = a_code_sent_to_ana(workspace)
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, helper.email, PASSWORD)

        # The camera opens the QR's address: /c/<code>/ leads staff to the counter.
        scanned = code_url(code).replace(code_url(code).split("/c/")[0], live_server.url)
        page.goto(scanned)
        expect(page.get_by_test_id("code-input")).to_have_value(code.code)
        page.get_by_text("Amount and offer (optional)").click()
        page.get_by_label("Amount spent").fill("14.50")
        page.get_by_test_id("redeem").click()
        expect(page.get_by_test_id("answer")).to_have_attribute("data-kind", "valid")
        expect(page.get_by_test_id("answer-title")).to_have_text("Valid: give the offer")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # Ana shows the same code again: it was used, and the page says when.
        page.goto(scanned)
        page.get_by_test_id("redeem").click()
        expect(page.get_by_test_id("answer")).to_have_attribute("data-kind", "used")
        expect(page.get_by_test_id("answer-code")).to_have_text(display(code.code))
        context.close()

        owner_context = browser.new_context(viewport=PHONE)
        owner_page = owner_context.new_page()
        sign_in(owner_page, live_server.url, owner.email, PASSWORD)
        owner_page.goto(live_server.url + reverse("insights_money", args=[workspace.slug]))
        offers_line = owner_page.get_by_test_id("money-offers")
        expect(offers_line).to_contain_text("1 redemption")
        expect(offers_line).to_contain_text("14.50")
        expect(owner_page.get_by_test_id("money-offer-table")).to_contain_text(
            "Followers' free bun"
        )
        owner_context.close()
