"""Offers tell what was redeemed (porch.core.events) inside the redemption's transaction: one
`offer.redeemed` per code redeemed at the counter (none for a refusal or a repeat), one
`offer.till_imported` summary per till file imported; never the demo's."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from porch.core.events import EVENT_TYPES
from porch.offers import till
from porch.offers.models import Redemption
from porch.offers.redeem import redeem
from porch.workspaces.models import Workspace
from tests.event_capture import Emitted, emitted
from tests.offers.test_redeem import NOW, make_offer, personal_code, shared_offer
from tests.offers.till_helpers import NOW as TILL_NOW
from tests.offers.till_helpers import (
    SHOPIFY,
    csv_bytes,
    manager_of,
    offer_with,
    shopify_order,
    upload,
)

__all__ = ["emitted"]


def test_the_types_are_registered_with_their_examples() -> None:
    for name in ("offer.redeemed", "offer.till_imported"):
        assert EVENT_TYPES[name].description and EVENT_TYPES[name].example


def test_a_redemption_is_told_once(workspace: Workspace, owner: User, emitted: Emitted) -> None:
    offer = make_offer(workspace)
    code = personal_code(offer, "ABCDEFGH")
    made = redeem(workspace, "abcd-efgh", now=NOW, amount=Decimal("12.50"), by_user=owner)
    assert made.redemption is not None
    assert redeem(workspace, "ABCDEFGH", now=NOW + timedelta(minutes=1)).kind == "used"
    assert redeem(workspace, "NOPE", now=NOW).kind != "valid"
    (event,) = emitted
    assert (event.type, event.workspace_id, event.at) == ("offer.redeemed", workspace.pk, NOW)
    assert event.data == {
        "redemption": made.redemption.pk,
        "offer": offer.pk,
        "title": "Spring crumb",
        "code": "ABCD-EFGH",
        "personal": True,
        "person": code.person_id,
        "network": "",
        "amount": "12.50",
        "source": "counter",
        "redeemed_at": NOW.isoformat(),
    }


def test_a_shared_code_is_told_each_time_it_is_redeemed(
    workspace: Workspace, emitted: Emitted
) -> None:
    offer = shared_offer(workspace)
    redeem(workspace, "crumbspring", now=NOW)
    redeem(workspace, "CRUMBSPRING", now=NOW + timedelta(minutes=1))
    assert [e.data["code"] for e in emitted] == ["CRUMBSPRING", "CRUMBSPRING"]
    assert {e.data["offer"] for e in emitted} == {offer.pk}
    assert [e.data["amount"] for e in emitted] == [None, None]


def test_a_used_up_offer_tells_nothing(workspace: Workspace, emitted: Emitted) -> None:
    shared_offer(workspace, limit_total=1)
    assert redeem(workspace, "CRUMBSPRING", now=NOW).kind == "valid"
    assert redeem(workspace, "CRUMBSPRING", now=NOW).kind == "used_up"
    assert len(emitted) == 1 and Redemption.objects.count() == 1


def test_a_till_import_is_told_as_one_summary(workspace: Workspace, emitted: Emitted) -> None:
    member = manager_of(workspace)
    spring = offer_with(workspace, shared="CRUMBSPRING")
    personal = offer_with(workspace, personal=("ABCDEFGH",))
    data = csv_bytes(
        SHOPIFY,
        [
            *shopify_order("#1001", "CRUMBSPRING", "20.00"),
            *shopify_order("#1002", "crumb-spring", "5.00"),
            *shopify_order("#1003", "abcd-efgh", "12.50"),
            *shopify_order("#1004", "", "8.00"),
        ],
    )
    ti = till.preview(member, upload(data, "october.csv"))
    assert emitted == []  # a preview is no import
    done = till.confirm(member, ti, now=TILL_NOW)
    (event,) = emitted
    assert (event.type, event.at) == ("offer.till_imported", TILL_NOW)
    assert event.data == {
        "import": done.pk,
        "file_name": "october.csv",
        "format": "shopify",
        "rows": 4,
        "added": 3,
        "already": 0,
        "skipped": 0,  # an order without a code is no redemption, nor a skipped one
        "errors": 0,
        "offers": sorted(
            [{"offer": spring.pk, "added": 2}, {"offer": personal.pk, "added": 1}],
            key=lambda row: row["offer"],
        ),
        "imported_at": TILL_NOW.isoformat(),
    }
    # The same file again: a new import that adds nothing, told with its counts.
    again = till.confirm(member, till.preview(member, upload(data, "october.csv")), now=TILL_NOW)
    assert again.added == 0 and emitted[-1].data["already"] == 3
    assert emitted[-1].data["offers"] == []


def test_the_demos_offers_are_never_told(workspace: Workspace, emitted: Emitted) -> None:
    shared_offer(workspace, is_demo=True)
    assert redeem(workspace, "CRUMBSPRING", now=NOW).kind == "valid"
    Workspace.objects.filter(pk=workspace.pk).update(is_demo=True)
    member = manager_of(workspace)
    offer_with(workspace, shared="RYE10", is_demo=True)
    data = csv_bytes(SHOPIFY, shopify_order("#1", "RYE10"))
    till.confirm(member, till.preview(member, upload(data)), now=TILL_NOW)
    assert emitted == []
