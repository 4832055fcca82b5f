"""The demo's offers (porch.demo): a shared code posted to followers only, running now, and a
code per follower sent by direct message, five of them redeemed (one from a till import).

The accounts are picked by what their networks can do (porch.networks.registry), never by
name: the shared code goes where posts can be for followers only, the personal codes where
the business can message its followers. Everything is made with the models directly and
marked is_demo (the workspace is the demo's).
"""

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from porch.networks import registry
from porch.offers.models import (
    Code,
    CodeState,
    Give,
    Offer,
    Redemption,
    Source,
    TillImport,
)
from porch.offers.sending import new_code
from porch.offers.services import keep_shared_code, link_offer
from porch.people.follows import sync_followers
from porch.people.models import Follow, Person
from porch.workspaces.models import ConnectedAccount, Workspace

SHARED_CODE = "FRIDAY-BUNS"  # as the owner wrote it; the Code row keeps it folded
SHARED_SALES = ("7.50", "5.00", "9.20")
PERSONAL_CODES = 12
PERSONAL_SALES = ("4.50", "6.20", "3.80", "12.00")  # at the counter
TILL_SALE = "7.40"  # the fifth, from the web shop's orders export
TILL_ORDER = "#1042"
# Followers who came for the offer, added where the personal codes go when there are too few.
NEWCOMERS = ("Priya", "Owen", "Maya", "Sam", "Noor", "Ellis")


def _can(account: ConnectedAccount, what: str) -> bool | str:
    try:
        found: bool | str = getattr(registry.descriptor(account.network).can, what)
    except ValueError:  # a network no longer installed
        return False
    return found


def shared_accounts(workspace: Workspace) -> list[ConnectedAccount]:
    """The accounts whose posts can be for followers only."""
    return [a for a in workspace.accounts.order_by("pk") if _can(a, "followers_only")]


def direct_accounts(workspace: Workspace) -> list[ConnectedAccount]:
    """The accounts that can message their followers, those that may message any first."""
    found = [a for a in workspace.accounts.order_by("pk") if _can(a, "send_direct")]
    return sorted(found, key=lambda a: _can(a, "send_direct") != "followers")


def _shared_offer(workspace: Workspace, now: datetime) -> Offer:
    networks = [a.network for a in shared_accounts(workspace)]
    offer = Offer.objects.create(
        workspace=workspace,
        title="Followers' Friday: 2-for-1 cinnamon buns",
        terms="Say FRIDAY-BUNS at the counter on a Friday. One per person, while buns last.",
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=11),
        limit_per_person=1,
        networks=networks,
        give=Give.SHARED,
        shared_code=SHARED_CODE,
        is_demo=True,
    )
    keep_shared_code(offer)
    link_offer(offer)
    code = Code.objects.get(offer=offer, personal=False)
    for hours, amount in zip((50, 26, 3), SHARED_SALES, strict=True):
        Redemption.objects.create(
            workspace=workspace,
            offer=offer,
            code=code,
            amount=Decimal(amount),
            redeemed_at=now - timedelta(hours=hours),
            is_demo=True,
        )
    Offer.objects.filter(pk=offer.pk).update(redeemed_count=len(SHARED_SALES))
    return offer


# (account, handle, name, since): make `handle` follow `account` on the network the demo's
# accounts run on (porch.demo passes the fake network's; offers names no network).
AddFollower = Callable[[ConnectedAccount, str, str, datetime], None]


def _newcomers(
    account: ConnectedAccount, now: datetime, wanted: int, add_follower: AddFollower
) -> None:
    """Made-up followers of `account`, as handles like its others."""
    sample = (
        Follow.objects.filter(account=account)
        .values_list("identity__handle", flat=True)
        .order_by("pk")
        .first()
    )
    suffix = re.sub(r"^[^.@]+", "", sample or f"@{account.handle.rsplit('@', 1)[-1]}")
    for name in NEWCOMERS[:wanted]:
        handle = f"{name.lower()}{suffix}"
        add_follower(account, handle, name, now - timedelta(days=4))
    sync_followers(account)
    Person.objects.filter(workspace=account.workspace).update(is_demo=True)


def _followers(accounts: list[ConnectedAccount]) -> list[Follow]:
    follows = Follow.objects.filter(account__in=accounts, gone_at__isnull=True)
    found: dict[int, Follow] = {}
    for follow in follows.select_related("identity", "account").order_by("pk"):
        found.setdefault(follow.identity_id, follow)
    order = {account.pk: n for n, account in enumerate(accounts)}
    return sorted(found.values(), key=lambda f: (order[f.account_id], f.pk))[:PERSONAL_CODES]


def _new_code(offer: Offer, follow: Follow, sent_at: datetime) -> Code:
    code = new_code(offer, follow.identity, state=CodeState.SENT, sent_at=sent_at)
    assert code is not None, "the demo's offer is new: no follower has a code yet"
    return code


def _personal_offer(workspace: Workspace, now: datetime, add_follower: AddFollower) -> Offer | None:
    accounts = direct_accounts(workspace)
    if not accounts:
        return None
    have = len(_followers(accounts))
    if have < PERSONAL_CODES:
        _newcomers(accounts[0], now, PERSONAL_CODES - have, add_follower)
    sent_at = now - timedelta(days=5, hours=20)
    offer = Offer.objects.create(
        workspace=workspace,
        title="A thank-you loaf for our followers",
        terms="A free small sourdough with any order over 10.00. Your code works once.",
        starts_at=now - timedelta(days=6),
        ends_at=now + timedelta(days=8),
        networks=[a.network for a in accounts],
        give=Give.PERSONAL,
        send_requested_at=sent_at - timedelta(minutes=5),
        is_demo=True,
    )
    link_offer(offer)
    codes = [_new_code(offer, follow, sent_at) for follow in _followers(accounts)]
    sales = [(a, Source.COUNTER) for a in PERSONAL_SALES] + [(TILL_SALE, Source.TILL)]
    for n, (code, (amount, source)) in enumerate(zip(codes, sales, strict=False)):
        _redeem(offer, code, Decimal(amount), source, now - timedelta(days=5 - n, hours=3))
    Offer.objects.filter(pk=offer.pk).update(redeemed_count=min(len(codes), len(sales)))
    return offer


def _redeem(offer: Offer, code: Code, amount: Decimal, source: str, at: datetime) -> None:
    Code.objects.filter(pk=code.pk).update(redeemed_at=at)
    key = ""
    if source == Source.TILL:
        key = _till_import(offer.workspace, at)
    Redemption.objects.create(
        workspace=offer.workspace,
        offer=offer,
        code=code,
        personal=True,
        person_id=code.person_id,
        network=code.network,
        amount=amount,
        source=source,
        import_key=key,
        redeemed_at=at,
        is_demo=True,
    )


def _till_import(workspace: Workspace, at: datetime) -> str:
    """The web shop's orders export that brought one redemption in; its row's key."""
    TillImport.objects.create(
        workspace=workspace,
        file_name="orders_export.csv",
        file_sha256=hashlib.sha256(b"demo orders export").hexdigest(),
        preset="shopify",
        rows=1,
        added=1,
        imported_at=at + timedelta(hours=2),
    )
    return hashlib.sha256(f"shopify:{TILL_ORDER}".encode()).hexdigest()


def add_demo_offers(workspace: Workspace, now: datetime, add_follower: AddFollower) -> list[Offer]:
    """The demo's two offers (see the module); call after its followers are synced.
    `add_follower` makes more followers where the demo has too few for twelve codes."""
    found = [_shared_offer(workspace, now) if shared_accounts(workspace) else None]
    found.append(_personal_offer(workspace, now, add_follower))
    return [offer for offer in found if offer is not None]
