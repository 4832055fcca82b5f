"""Erasing a person reaches their codes and redemptions: the offer's counts and revenue
stay, anonymous, and codes never sent to them go; exporting a person lists them."""

import json
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db.models import Sum

from porch.offers import codes
from porch.offers.models import Code, CodeState, Offer, Redemption
from porch.offers.redeem import redeem
from porch.offers.sending import request_codes, send_due
from porch.people.privacy import erase_person, export_person
from porch.workspaces.models import Membership, Workspace
from tests.offers.sending_helpers import NOW, follower, personal_offer, shop_on


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


def given_and_redeemed(member: Membership, workspace: Workspace) -> tuple[Offer, Offer]:
    """Ann and Bob got a Spring crumb code, Ann redeemed hers; Ann's Free coffee code waits."""
    shop = shop_on(workspace)
    follower(shop, "ann"), follower(shop, "bob")
    spring = personal_offer(workspace)
    with time_machine.travel(NOW, tick=False):
        request_codes(member, spring, now=NOW)
        send_due(now=NOW)
    coffee = personal_offer(workspace, title="Free coffee")
    request_codes(member, coffee, now=NOW)
    ann = Code.objects.get(offer=spring, identity__handle="ann")
    assert redeem(workspace, ann.code, now=NOW, amount=Decimal("12.50")).kind == "valid"
    return spring, coffee


def test_erasing_a_person_keeps_the_offers_counts_but_nothing_that_names_them(
    member: Membership, workspace: Workspace
) -> None:
    spring, coffee = given_and_redeemed(member, workspace)
    ann = Code.objects.get(offer=spring, identity__handle="ann")
    person = ann.person
    assert person is not None

    erased = erase_person(member, person)

    assert erased["offer_codes"] == 2 and erased["offer_redemptions"] == 1
    ann.refresh_from_db()
    assert ann.identity is None and ann.person is None and ann.external_id == ""
    assert ann.state == CodeState.SENT and ann.redeemed_at == NOW
    assert not Code.objects.filter(offer=coffee, identity__isnull=True).exists()  # never sent
    assert Code.objects.filter(offer=coffee).count() == 1  # Bob's
    [redemption] = Redemption.objects.filter(offer=spring)
    assert redemption.person is None and redemption.code == ann
    assert Redemption.objects.aggregate(s=Sum("amount"))["s"] == Decimal("12.50")
    spring.refresh_from_db()
    assert spring.redeemed_count == 1
    assert Code.objects.filter(offer=spring, identity__handle="bob").exists()


def test_exporting_a_person_lists_their_codes_and_redemptions(
    member: Membership, workspace: Workspace
) -> None:
    spring, _ = given_and_redeemed(member, workspace)
    ann = Code.objects.get(offer=spring, identity__handle="ann")
    assert ann.person is not None

    exported = json.loads(json.dumps(export_person(member, ann.person)))

    titles = sorted((row["offer_title"], row["state"]) for row in exported["offer_codes"])
    assert titles == [("Free coffee", "queued"), ("Spring crumb", "sent")]
    assert codes.display(ann.code) in [row["code"] for row in exported["offer_codes"]]
    assert all("idempotency_key" not in row for row in exported["offer_codes"])
    [redeemed] = exported["offer_redemptions"]
    assert redeemed["offer_title"] == "Spring crumb" and redeemed["amount"] == "12.50"
