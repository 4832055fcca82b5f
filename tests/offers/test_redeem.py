"""Redeeming a code: each answer the counter can give, and the limits."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from porch.offers.codes import new_personal_code
from porch.offers.models import Code, CodeState, Give, Offer, Redemption, Source, StaffLink
from porch.offers.redeem import check, redeem
from porch.people.models import Person
from porch.workspaces.models import Workspace

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def make_offer(workspace: Workspace, **fields: object) -> Offer:
    values: dict[str, object] = {
        "title": "Spring crumb",
        "terms": "One slice free with any coffee.",
        "starts_at": NOW - timedelta(days=1),
        "ends_at": NOW + timedelta(days=7),
        **fields,
    }
    return Offer.objects.create(workspace=workspace, **values)


def personal_code(offer: Offer, code: str | None = None, **fields: object) -> Code:
    return Code.objects.create(
        workspace=offer.workspace,
        offer=offer,
        code=code or new_personal_code(),
        personal=True,
        **{"state": CodeState.SENT, **fields},
    )


def shared_offer(workspace: Workspace, code: str = "CRUMBSPRING", **fields: object) -> Offer:
    offer = make_offer(workspace, give=Give.SHARED, shared_code=code, **fields)
    Code.objects.create(
        workspace=workspace, offer=offer, code=code, personal=False, state=CodeState.GIVEN
    )
    return offer


def test_a_personal_code_is_valid_once_then_used(workspace: Workspace, owner: User) -> None:
    offer = make_offer(workspace)
    code = personal_code(offer, "ABCDEFGH")
    first = redeem(workspace, "abcd-efgh", now=NOW, amount=Decimal("12.50"), by_user=owner)
    assert first.kind == "valid" and first.redemption is not None
    assert first.redemption.amount == Decimal("12.50") and first.redemption.personal
    assert first.redemption.source == Source.COUNTER
    code.refresh_from_db()
    assert code.redeemed_at == NOW
    link = StaffLink.objects.create(workspace=workspace, label="Front till", token_hash="x" * 64)
    again = redeem(workspace, "ABCD EFGH", now=NOW + timedelta(minutes=5), by_link=link)
    assert again.kind == "used"
    assert "10:00" in again.message and "by a signed-in member" in again.message
    assert owner.email not in again.message  # a till with a staff link reads this
    assert Redemption.objects.count() == 1
    offer.refresh_from_db()
    assert offer.redeemed_count == 1


def test_used_says_which_till(workspace: Workspace) -> None:
    offer = make_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    link = StaffLink.objects.create(workspace=workspace, label="Front till", token_hash="y" * 64)
    assert redeem(workspace, "ABCDEFGH", now=NOW, by_link=link, source=Source.STAFF).valid
    answer = redeem(workspace, "ABCDEFGH", now=NOW)
    assert answer.kind == "used" and "on Front till" in answer.message
    assert answer.tone == "warn"


def test_check_does_not_redeem(workspace: Workspace) -> None:
    offer = make_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    assert check(workspace, "abcdefgh", now=NOW).kind == "valid"
    assert check(workspace, "abcdefgh", now=NOW).kind == "valid"
    assert not Redemption.objects.exists()


@pytest.mark.parametrize(
    ("when", "kind"),
    [(NOW - timedelta(days=2), "not_started"), (NOW + timedelta(days=8), "expired")],
)
def test_outside_its_dates_a_code_says_when(
    workspace: Workspace, when: datetime, kind: str
) -> None:
    offer = make_offer(workspace)
    personal_code(offer, "ABCDEFGH")
    answer = redeem(workspace, "ABCDEFGH", now=when)
    assert answer.kind == kind and answer.tone == "bad" and offer.title in answer.message
    assert check(workspace, "ABCDEFGH", now=when).kind == kind
    assert not Redemption.objects.exists()


def test_a_code_for_another_offer_is_not_this_offer(workspace: Workspace) -> None:
    one, other = make_offer(workspace), make_offer(workspace, title="Autumn pie")
    personal_code(one, "ABCDEFGH")
    answer = redeem(workspace, "ABCDEFGH", now=NOW, offer=other)
    assert answer.kind == "not_this_offer" and "Spring crumb" in answer.message
    assert redeem(workspace, "ABCDEFGH", now=NOW, offer=one).valid


def test_unknown_codes_and_other_workspaces(workspace: Workspace, owner: User) -> None:
    from porch.workspaces import services

    theirs = services.create_workspace(owner, "Other shop", "UTC")
    personal_code(make_offer(theirs), "ABCDEFGH")
    assert redeem(workspace, "ABCDEFGH", now=NOW).kind == "unknown"
    assert redeem(workspace, "", now=NOW).kind == "unknown"
    assert redeem(workspace, "x" * 500, now=NOW).kind == "unknown"
    looks = redeem(workspace, "ABCD-EFG0", now=NOW)
    assert looks.kind == "unknown" and "never contain" in looks.message


def test_a_shared_code_counts_up_to_the_offers_limit(workspace: Workspace) -> None:
    shared_offer(workspace, limit_total=2)
    assert redeem(workspace, "crumb spring", now=NOW).valid
    assert redeem(workspace, "Crumb-Spring", now=NOW).valid
    third = redeem(workspace, "CRUMBSPRING", now=NOW)
    assert third.kind == "used_up" and "all 2" in third.message
    assert Redemption.objects.filter(personal=False).count() == 2


def test_a_person_with_two_codes_gets_the_offer_once(workspace: Workspace) -> None:
    offer = make_offer(workspace, limit_per_person=1)
    maya = Person.objects.create(workspace=workspace, display_name="Maya")
    personal_code(offer, "ABCDEFGH", person=maya)
    personal_code(offer, "HGFEDCBA", person=maya)
    assert redeem(workspace, "ABCDEFGH", now=NOW).valid
    second = redeem(workspace, "HGFEDCBA", now=NOW)
    assert second.kind == "person_limit"
    offer.refresh_from_db()
    assert offer.redeemed_count == 1  # rolled back with the rest
    assert Code.objects.get(code="HGFEDCBA").redeemed_at is None


@pytest.mark.parametrize("state", [CodeState.QUEUED, CodeState.SKIPPED, CodeState.FAILED])
def test_a_code_that_never_went_out_is_refused_and_stays_unused(
    workspace: Workspace, state: str
) -> None:
    code = personal_code(make_offer(workspace), "ABCDEFGH", state=state)
    for answer in (check(workspace, "ABCDEFGH", now=NOW), redeem(workspace, "ABCDEFGH", now=NOW)):
        assert answer.kind == "not_sent" and "never sent" in answer.message
    code.refresh_from_db()
    assert code.redeemed_at is None and not Redemption.objects.exists()
    Code.objects.filter(pk=code.pk).update(state=CodeState.SENT)
    assert redeem(workspace, "ABCDEFGH", now=NOW).kind == "valid"
