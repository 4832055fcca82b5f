"""Offers through the API: made, read with results, changed; codes and redemptions paged;
a code redeemed at the counter with the counter's answers; per-person codes sent; each
refused as the pages refuse it (scope, role, another workspace), wrong codes counted."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.offers.models import Code, CodeState, Offer, Redemption
from porch.workspaces import services as workspaces
from porch.workspaces.models import Membership, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import PASSWORD, add_member
from tests.offers.sending_helpers import NOW, follower, personal_offer, shop_on
from tests.offers.test_redeem import personal_code, shared_offer


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(workspace: Workspace, owner: User) -> Membership:
    shop_on(workspace)
    return member_of(workspace, owner)


@pytest.fixture
def api(me: Membership) -> Api:
    return Api(token_text(me))


def spring(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Spring loaf",
        "terms": "10% off any loaf",
        "starts_at": NOW.isoformat(),
        "ends_at": (NOW + timedelta(days=7)).isoformat(),
        "networks": ["fake"],
        "give": "shared",
        "shared_code": "crumb-spring",
        **changes,
    }


def elsewhere() -> Membership:
    stranger = workspaces.create_user("other@example.com", PASSWORD)
    return member_of(workspaces.create_workspace(stranger, "Other Shop", "Europe/London"), stranger)


def role_api(workspace: Workspace, role: Role, scopes: list[str] | None = None) -> Api:
    user = add_member(workspace, f"{role}@bakery.example", role)
    return Api(token_text(member_of(workspace, user), scopes))


def walk(api: Api, path: str, limit: int = 2) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = api.get(path, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.json()
        seen += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return seen


def test_the_owner_makes_reads_and_changes_an_offer(api: Api) -> None:
    made = api.post("/offers", spring())
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["title"], body["shared_code"], body["give"]) == (
        "Spring loaf",
        "CRUMB-SPRING",
        "shared",
    )
    assert body["results"]["redeemed"] == 0 and body["results"]["running"] is True
    oid = body["id"]
    changed = api.patch(f"/offers/{oid}", {"title": "Spring loaves", "limit_total": 100})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["title"], changed.json()["limit_total"]) == ("Spring loaves", 100)
    assert changed.json()["terms"] == "10% off any loaf"
    assert Offer.objects.get().title == "Spring loaves"
    assert [o["id"] for o in api.get("/offers").json()["items"]] == [oid]


def test_bad_offers_are_refused_with_a_clear_message(api: Api) -> None:
    backwards = api.post("/offers", spring(ends_at=(NOW - timedelta(days=1)).isoformat()))
    assert backwards.status_code == 422
    assert backwards.json()["error"]["message"] == "The offer must end after it starts."
    naive = api.post("/offers", spring(starts_at="2026-03-10T10:00:00"))
    assert naive.status_code == 422 and "timezone" in naive.json()["error"]["message"]
    far = api.post("/offers", spring(ends_at="9999-12-31T23:00:00-05:00"))
    assert far.status_code == 422 and "2100" in far.json()["error"]["message"]
    unconnected = api.post("/offers", spring(networks=["mastodon"]))
    assert unconnected.status_code == 422 and "connected" in unconnected.json()["error"]["message"]
    no_title = api.post("/offers", spring(title=None))
    assert no_title.status_code == 422 and no_title.json()["error"]["code"] == "invalid_input"
    assert not Offer.objects.exists()


def test_offers_page_newest_first_and_codes_show_as_people_read_them(
    api: Api, workspace: Workspace
) -> None:
    offers = [personal_offer(workspace, starts_at=NOW - timedelta(days=n)) for n in range(3)]
    assert [o["id"] for o in walk(api, "/offers")] == [o.pk for o in offers]
    offer = offers[0]
    made = [personal_code(offer, code) for code in ("ABCDEFGH", "BCDEFGHJ", "CDEFGHJK")]
    codes = walk(api, f"/offers/{offer.pk}/codes")
    assert [c["id"] for c in codes] == [c.pk for c in reversed(made)]
    assert [c["code"] for c in codes] == ["CDEF-GHJK", "BCDE-FGHJ", "ABCD-EFGH"]
    assert codes[0]["state"] == "sent"


def test_redeeming_at_the_counter_answers_as_the_counter(api: Api, workspace: Workspace) -> None:
    offer = personal_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    first = api.post("/redemptions", {"code": "abcd efgh", "amount": "12.50"})
    assert first.status_code == 200, first.json()
    redemption = Redemption.objects.get()
    assert first.json() | {"message": ""} == {
        "kind": "valid",
        "valid": True,
        "title": "Valid: give the offer",
        "message": "",
        "code": "ABCD-EFGH",
        "offer_id": offer.pk,
        "redemption_id": redemption.pk,
    }
    assert redemption.amount == Decimal("12.50")
    again = api.post("/redemptions", {"code": "ABCD-EFGH"})
    assert again.json()["kind"] == "used" and "Already used" in again.json()["message"]
    unknown = api.post("/redemptions", {"code": "NOPE"})
    assert unknown.json()["kind"] == "unknown" and not unknown.json()["valid"]
    listed = walk(api, f"/offers/{offer.pk}/redemptions")
    assert [(r["id"], r["code"], r["amount"]) for r in listed] == [
        (redemption.pk, "ABCD-EFGH", "12.50")
    ]
    shared = shared_offer(workspace, "CRUMB")
    other = api.post("/redemptions", {"code": "crumb", "offer_id": offer.pk})
    assert other.json()["kind"] == "not_this_offer"
    assert Offer.objects.get(pk=shared.pk).redeemed_count == 0


def test_too_many_unknown_codes_pause_redeeming(api: Api, settings: Any) -> None:
    settings.OFFER_MAX_WRONG_CODES = 2
    kinds = [api.post("/redemptions", {"code": f"WRONG{n}"}) for n in range(4)]
    assert [k.status_code for k in kinds] == [200, 200, 429, 429]
    assert kinds[-1].json()["error"]["code"] == "too_many_wrong_codes"


def test_the_owner_sends_per_person_codes(api: Api, workspace: Workspace, me: Membership) -> None:
    shop = workspace.accounts.get()
    follower(shop, "ann"), follower(shop, "bob")
    offer = personal_offer(workspace)
    sent = api.post(f"/offers/{offer.pk}/send-codes")
    assert sent.status_code == 200, sent.json()
    assert sent.json() == {"queued": 2, "skipped": []}
    assert Code.objects.filter(offer=offer, state=CodeState.QUEUED).count() == 2
    shared = shared_offer(workspace)
    refused = api.post(f"/offers/{shared.pk}/send-codes")
    assert refused.status_code == 409 and "shared code" in refused.json()["error"]["message"]


def test_another_workspaces_offers_are_not_found(workspace: Workspace) -> None:
    offer = personal_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    api = Api(token_text(elsewhere()))
    for answer in (
        api.get(f"/offers/{offer.pk}"),
        api.patch(f"/offers/{offer.pk}", {"title": "Mine now"}),
        api.get(f"/offers/{offer.pk}/codes"),
        api.get(f"/offers/{offer.pk}/redemptions"),
        api.post(f"/offers/{offer.pk}/send-codes"),
        api.post("/redemptions", {"code": "ABCDEFGH", "offer_id": offer.pk}),
    ):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert api.post("/redemptions", {"code": "ABCDEFGH"}).json()["kind"] == "unknown"
    assert api.get("/offers").json()["items"] == []
    assert Offer.objects.get().title == "Spring crumb" and not Redemption.objects.exists()
    assert not Code.objects.filter(state=CodeState.QUEUED).exists()


def test_scopes_and_roles_are_the_pages(workspace: Workspace, me: Membership) -> None:
    offer = personal_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    reader = Api(token_text(me, ["read"]))
    for answer in (
        reader.post("/offers", spring()),
        reader.patch(f"/offers/{offer.pk}", {"title": "Changed"}),
        reader.post("/redemptions", {"code": "ABCDEFGH"}),
        reader.post(f"/offers/{offer.pk}/send-codes"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"
    no_publish = Api(token_text(me, ["read", "write"])).post(f"/offers/{offer.pk}/send-codes")
    assert no_publish.json()["error"]["code"] == "scope_missing"
    helper = role_api(workspace, Role.HELPER)
    for answer in (
        helper.post("/offers", spring()),
        helper.patch(f"/offers/{offer.pk}", {"title": "Changed"}),
        helper.post(f"/offers/{offer.pk}/send-codes"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert Offer.objects.get().title == "Spring crumb" and Offer.objects.count() == 1
    assert helper.post("/redemptions", {"code": "ABCDEFGH"}).json()["kind"] == "valid"


def test_a_write_sent_twice_with_one_key_redeems_once(api: Api, workspace: Workspace) -> None:
    personal_code(personal_offer(workspace), "ABCDEFGH")
    first = api.post("/redemptions", {"code": "ABCDEFGH"}, Idempotency_Key="till-1-sale-7")
    again = api.post("/redemptions", {"code": "ABCDEFGH"}, Idempotency_Key="till-1-sale-7")
    assert first.json() == again.json() and again.json()["kind"] == "valid"
    assert again["Idempotent-Replayed"] == "true" and Redemption.objects.count() == 1
