"""A bakery on the fake network with followers, and a per-person offer for them (the tests
of sending codes, the person's panel and privacy share these)."""

from datetime import UTC, datetime, timedelta

from porch.offers.models import Audience, Give, Offer
from porch.people.models import Follow, Identity, Person, Status
from porch.workspaces.models import ConnectedAccount, Workspace

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 10:00 in London (before summer time)


def shop_on(workspace: Workspace, network: str = "fake", handle: str = "shop") -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network=network, handle=handle, timezone="Europe/London"
    )


def follower(
    account: ConnectedAccount,
    handle: str,
    *,
    status: str = Status.OTHER,
    tags: tuple[str, ...] = (),
    gone: bool = False,
) -> Identity:
    """`handle` follows the account (a person with one identity there)."""
    workspace = account.workspace
    person = Person.objects.create(
        workspace=workspace, display_name=handle.title(), status=status, tags=list(tags)
    )
    identity = Identity.objects.create(
        workspace=workspace,
        person=person,
        network=account.network,
        stable_id=f"{account.network}:{handle}",
        handle=handle,
    )
    Follow.objects.create(
        account=account,
        identity=identity,
        seen_at=NOW - timedelta(days=3),
        gone_at=NOW - timedelta(days=1) if gone else None,
    )
    return identity


def personal_offer(
    workspace: Workspace, networks: tuple[str, ...] = ("fake",), **more: object
) -> Offer:
    fields: dict[str, object] = {
        "title": "Spring crumb",
        "terms": "10% off one loaf.",
        "starts_at": NOW - timedelta(days=1),
        "ends_at": NOW + timedelta(days=7),
        "networks": list(networks),
        "give": Give.PERSONAL,
        "audience": Audience.ALL,
        **more,
    }
    return Offer.objects.create(workspace=workspace, **fields)
