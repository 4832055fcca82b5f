"""A person's page shows their codes (offer, code, state, when redeemed) and redemptions
(amount, where), each linking to the offer; people asks offers through its panel registry."""

from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from porch.offers import codes
from porch.offers.models import Code, Source
from porch.offers.person import person_panel
from porch.offers.redeem import redeem
from porch.offers.sending import request_codes, send_due
from porch.people.panels import MAKERS, panels
from porch.workspaces import services as workspaces
from porch.workspaces.models import Membership, Workspace
from tests.offers.sending_helpers import NOW, follower, personal_offer, shop_on


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


def offer_path(workspace: Workspace, pk: int) -> str:
    try:
        return reverse("offers:offer", args=[workspace.slug, pk])
    except NoReverseMatch:  # the offer pages are not mounted in this tree yet
        return ""


def test_a_persons_codes_and_redemptions_show_on_their_page(
    member: Membership, workspace: Workspace, signed_in: Client
) -> None:
    shop = shop_on(workspace)
    ann = follower(shop, "ann")
    follower(shop, "bob")
    first, second = personal_offer(workspace), personal_offer(workspace, title="Free coffee")
    with time_machine.travel(NOW, tick=False):
        request_codes(member, first, now=NOW)
        request_codes(member, second, now=NOW)
        send_due(now=NOW)
    used = Code.objects.get(offer=first, identity=ann)
    waiting = Code.objects.get(offer=second, identity=ann)
    assert redeem(workspace, used.code, now=NOW, amount=Decimal("12.50")).kind == "valid"

    assert person_panel in MAKERS
    [panel] = panels(member, ann.person)
    assert panel.title == "Offers" and panel.summary == "2 codes, 1 redeemed, 12.50"
    texts = [row.text for row in panel.rows]
    assert f"Spring crumb: code {codes.display(used.code)}" in texts
    assert f"Free coffee: code {codes.display(waiting.code)}" in texts
    assert "Spring crumb: redeemed for 12.50" in texts
    details = {row.text: row.detail for row in panel.rows}
    assert details[f"Spring crumb: code {codes.display(used.code)}"].startswith(
        "redeemed 10 Mar 2026 10:00"
    )
    assert Source.COUNTER.label in details["Spring crumb: redeemed for 12.50"]
    assert {row.url for row in panel.rows} == {
        offer_path(workspace, first.pk),
        offer_path(workspace, second.pk),
    }

    page = signed_in.get(reverse("people:person", args=[workspace.slug, ann.person.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="person-panel"' in html and codes.display(used.code) in html
    assert escape("2 codes, 1 redeemed, 12.50") in html
    if offer_path(workspace, first.pk):
        assert f'href="{offer_path(workspace, first.pk)}"' in html


def test_a_person_without_codes_or_of_another_workspace_has_no_panel(
    member: Membership, workspace: Workspace
) -> None:
    shop = shop_on(workspace)
    ann = follower(shop, "ann")
    stranger = workspaces.create_user("other@shop.example", "correct horse battery staple")
    elsewhere = workspaces.create_workspace(stranger, "Other Shop", "UTC")

    assert panels(member, ann.person) == []
    request_codes(member, personal_offer(workspace), now=NOW)
    assert (
        person_panel(Membership.objects.get(user=stranger, workspace=elsewhere), ann.person) is None
    )
    assert person_panel(member, ann.person) is not None
