"""Offers made and changed through the services: roles, the shared code's row, the tracked
link, what cannot change once people hold codes, and the running offers."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User

from porch.errors import InputError, NotAllowed, NotFound
from porch.offers import services
from porch.offers.models import Code, CodeState, Give, Offer
from porch.offers.services import OfferInput
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def member(owner: User, workspace: Workspace) -> Membership:
    ConnectedAccount.objects.create(workspace=workspace, network="mastodon", handle="shop")
    return Membership.objects.get(user=owner, workspace=workspace)


def spring(**changes: object) -> OfferInput:
    data = OfferInput(
        title="Spring loaf",
        terms="10% off any loaf",
        starts_at=AT,
        ends_at=AT + timedelta(days=7),
        networks=("mastodon",),
        give=Give.SHARED,
        shared_code="crumb-spring",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def test_a_shared_offer_gets_its_code_row_and_a_tracked_link(member: Membership) -> None:
    offer = services.create_offer(member, spring())
    assert offer.shared_code == "CRUMB-SPRING"
    row = Code.objects.get(offer=offer)
    assert (row.code, row.personal, row.state) == ("CRUMBSPRING", False, CodeState.GIVEN)
    assert offer.link is not None
    assert offer.link.url == f"{settings.LINK_HOST}/o/{offer.link.code}/"
    assert offer.created_by == member.user


def test_a_landing_page_gets_the_offers_campaign(member: Membership) -> None:
    offer = services.create_offer(member, spring(landing_url="https://bakery.example/spring"))
    assert offer.link is not None
    assert offer.link.url.startswith("https://bakery.example/spring?")
    assert f"utm_campaign=offer-{offer.pk}" in offer.link.url
    changed = services.update_offer(member, offer, spring())
    assert changed.link is not None and changed.link.pk == offer.link.pk
    assert changed.link.url == f"{settings.LINK_HOST}/o/{offer.link.code}/"


def test_a_personal_offer_has_no_code_row_until_codes_are_sent(member: Membership) -> None:
    offer = services.create_offer(member, spring(give=Give.PERSONAL, shared_code="x"))
    assert offer.shared_code == "" and not offer.codes.exists()


def test_a_code_taken_in_the_workspace_is_refused(member: Membership) -> None:
    services.create_offer(member, spring())
    with pytest.raises(InputError, match="already used"):
        services.create_offer(member, spring(shared_code="Crumb-Spring"))


def test_the_same_code_in_another_workspace_is_fine(member: Membership) -> None:
    services.create_offer(member, spring())
    other = workspaces.create_workspace(member.user, "Other Bakery", "UTC")
    ConnectedAccount.objects.create(workspace=other, network="mastodon", handle="other")
    theirs = Membership.objects.get(user=member.user, workspace=other)
    assert services.create_offer(theirs, spring()).shared_code == "CRUMB-SPRING"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"ends_at": AT}, "end after it starts"),
        ({"limit_total": 0}, "A limit is 1"),
        ({"limit_per_person": 0}, "A limit is 1"),
        ({"title": "  "}, "title"),
        ({"networks": ("x",)}, "connected account"),
        ({"audience": "tag", "tag": ""}, "tag"),
        ({"shared_code": "no"}, "3 to 32"),
        ({"landing_url": "javascript:alert(1)"}, "web address starting with https"),
        ({"landing_url": "https://shop.example/?q=" + "a" * 1800}, "at most 1800"),
    ],
)
def test_bad_offers_are_refused_with_one_line(
    member: Membership, changes: dict[str, object], said: str
) -> None:
    with pytest.raises(InputError, match=said):
        services.create_offer(member, spring(**changes))
    assert not Offer.objects.exists()


def test_only_owners_and_managers_make_or_change_offers(
    member: Membership, workspace: Workspace
) -> None:
    helper = Membership.objects.get(user=add_member(workspace, "h@bakery.example", Role.HELPER))
    manager = Membership.objects.get(user=add_member(workspace, "m@bakery.example", Role.MANAGER))
    with pytest.raises(NotAllowed):
        services.create_offer(helper, spring())
    offer = services.create_offer(manager, spring())
    with pytest.raises(NotAllowed):
        services.update_offer(helper, offer, spring(title="Mine"))
    assert services.get_offer(helper, offer.pk) == offer


def test_another_workspaces_offer_is_not_found(member: Membership) -> None:
    offer = services.create_offer(member, spring())
    other = workspaces.create_workspace(member.user, "Other Bakery", "UTC")
    theirs = Membership.objects.get(user=member.user, workspace=other)
    with pytest.raises(NotFound):
        services.get_offer(theirs, offer.pk)
    with pytest.raises(NotFound):
        services.update_offer(theirs, offer, spring())


def test_a_redeemed_shared_code_and_the_way_codes_are_given_stay(member: Membership) -> None:
    offer = services.create_offer(member, spring())
    services.update_offer(member, offer, spring(shared_code="CRUMB-SUMMER"))
    assert Code.objects.get(offer=offer).code == "CRUMBSUMMER"
    Offer.objects.filter(pk=offer.pk).update(redeemed_count=1)
    offer.refresh_from_db()
    with pytest.raises(InputError, match="redeemed already"):
        services.update_offer(member, offer, spring(shared_code="CRUMB-AUTUMN"))
    with pytest.raises(InputError, match="given already"):
        services.update_offer(member, offer, spring(give=Give.PERSONAL))


def test_an_unredeemed_shared_offer_may_become_personal(member: Membership) -> None:
    offer = services.create_offer(member, spring())
    services.update_offer(member, offer, spring(give=Give.PERSONAL))
    assert not Code.objects.filter(offer=offer).exists()


def test_running_offers_are_the_ones_on_now(member: Membership) -> None:
    on = services.create_offer(member, spring())
    services.create_offer(member, spring(shared_code="LATER", starts_at=AT + timedelta(days=1)))
    services.create_offer(
        member,
        spring(
            shared_code="OVER", starts_at=AT - timedelta(days=2), ends_at=AT - timedelta(days=1)
        ),
    )
    assert services.running(member.workspace, AT) == [on]
