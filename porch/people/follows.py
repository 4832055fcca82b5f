"""Who follows the business's accounts (Follow), and whom its followers follow (TheirFollow).

`sync_followers(account)` reads the account's follower list page by page (NetworkClient
.followers), makes or finds each follower's identity and person, keeps what their profile
says, and stores a Follow per follower with when it was last seen. Where the sync stands is
the account's FollowSync: the cursor after every page, so a pass broken by a failure goes on
where it stopped; `partial` says why the list is not whole; `error` the last failure.

What the network's descriptor says (Capabilities.followers) decides how:
- "all": the whole list, MAX_PAGES pages a run. Only a pass that read the list to its end
  marks the follows it did not see as gone (an unfollow), so a broken pass forgets no one.
- "budget" (reads cost money): newest first, until a page brings no new follower or the
  account's monthly cost cap is reached (as the poller pauses its reads); unfollows are not
  seen, and `partial` says so.
- "": the network does not give the list; `partial` keeps its followers_note, no call is made.

A failure is kept on the FollowSync: a passing one (rate limit, timeout) is tried again later
from the same cursor; an expired token marks the account "needs reconnecting" and tells the
owner once (porch.networks.sync.mark_reconnect), and no sync runs until it is reconnected;
another permanent failure is told once and tried again a day later.

`sync_their_follows(identity)` reads whom a follower follows (peer discovery), a few pages;
`sync_peer_follows(account)` does it for its PEER_FOLLOWERS most recently active followers,
never on "budget" networks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from porch.networks.base import NetworkClient, NetworkDescriptor, NetworkError, Profile
from porch.networks.poller import over_cap
from porch.networks.registry import descriptor, descriptors
from porch.networks.sync import client_for, mark_reconnect, record_usage
from porch.people.models import (
    Follow,
    FollowSync,
    Identity,
    NetworkSuggestion,
    Person,
    TheirFollow,
)
from porch.people.services import identify
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice

MAX_PAGES = 20  # a run's share of a long list; the next run resumes from the cursor
EVERY = timedelta(days=1)  # a complete pass a day
RESUME = timedelta(minutes=1)  # the rest of a pass that stopped at MAX_PAGES
RETRY = timedelta(minutes=15)  # after a passing failure that named no time
LEASE = timedelta(minutes=30)  # a worker's hold on an account's sync
PEER_FOLLOWERS = 200
PEER_PAGES = 2


@dataclass
class FollowReport:
    """What one run of an account's follower sync did."""

    account: ConnectedAccount
    pages: int = 0
    seen: int = 0
    new: int = 0
    gone: int = 0
    complete: bool = False  # the run read the list to its end
    partial: str = ""
    error: str = ""


def sync_followers(account: ConnectedAccount, *, max_pages: int = MAX_PAGES) -> FollowReport:
    """One run of the account's follower sync (see the module's docstring)."""
    network = descriptor(account.network)
    sync, _ = FollowSync.objects.get_or_create(account=account)
    report = FollowReport(account)
    if not network.can.followers:
        report.partial = network.can.followers_note or f"{network.label} does not list followers."
        _save(sync, cursor="", partial=report.partial, error="", next_sync_at=_later(EVERY))
        return report
    if network.can.paid_reads and over_cap(account, network):
        report.partial = account.status_detail
        _save(sync, partial=report.partial, next_sync_at=_later(EVERY))
        return report
    try:
        client = client_for(account)
    except NetworkError as exc:
        return _failed(sync, report, exc)
    with client:
        try:
            _pages(client, network, sync, report, max_pages)
        except NetworkError as exc:
            _failed(sync, report, exc)
        finally:
            record_usage(account, client.usage)
    return report


def _pages(
    client: NetworkClient,
    network: NetworkDescriptor,
    sync: FollowSync,
    report: FollowReport,
    max_pages: int,
) -> None:
    account, budget = report.account, network.can.followers == "budget"
    if not sync.cursor:  # a new pass
        _save(sync, started_at=timezone.now())
    partial = network.can.followers_note if budget else ""
    while report.pages < max_pages:
        if budget and report.pages and over_cap(account, network):
            partial = account.status_detail
            break
        page = client.followers(sync.cursor)
        new = store_followers(account, page.profiles)
        report.pages, report.seen, report.new = (
            report.pages + 1,
            report.seen + len(page.profiles),
            report.new + new,
        )
        partial = partial or page.partial
        _save(sync, cursor=page.cursor, error="")
        if not page.cursor or (budget and not new):
            report.complete = not page.cursor
            break
    _finish(sync, report, partial, budget)


def _finish(sync: FollowSync, report: FollowReport, partial: str, budget: bool) -> None:
    """After a run: a whole list read marks the unseen follows gone; then when to go on."""
    now, report.partial = timezone.now(), partial
    if report.complete and not partial and not budget:
        assert sync.started_at is not None
        unseen = Follow.objects.filter(
            account=report.account, gone_at__isnull=True, seen_at__lt=sync.started_at
        )
        report.gone = unseen.update(gone_at=now)
    stopped = budget or report.complete
    following = Follow.objects.filter(account=report.account, gone_at__isnull=True).count()
    _save(
        sync,
        cursor="" if stopped else sync.cursor,
        partial=partial,
        followers=following,
        next_sync_at=now + (EVERY if stopped else RESUME),
        **({"synced_at": now} if report.complete else {}),
    )


def _failed(sync: FollowSync, report: FollowReport, exc: NetworkError) -> FollowReport:
    """Keep the failure; the cursor stays, for the next run to resume from it."""
    account, report.error = report.account, exc.message
    if exc.reconnect:
        mark_reconnect(account, exc)  # the owner is told once; due() skips the account
        wait = EVERY
    elif exc.permanent:
        Notice.tell(
            account, "followers", f"Porch could not read the followers of {account}: {exc.message}"
        )
        wait = EVERY
    else:
        wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RETRY
    _save(sync, error=exc.message[:500], next_sync_at=_later(wait))
    return report


def _later(wait: timedelta) -> datetime:
    return timezone.now() + wait


def _save(sync: FollowSync, **changes: object) -> None:
    for field, value in changes.items():
        setattr(sync, field, value)
    FollowSync.objects.filter(pk=sync.pk).update(**changes)


def store_followers(account: ConnectedAccount, profiles: list[Profile]) -> int:
    """Each follower's identity (made or found, their profile kept) and Follow; how many were
    not following before (new, or back after an unfollow)."""
    now = timezone.now()
    identities = [i for i in (_identity(account, p, now) for p in profiles) if i is not None]
    ids = {identity.pk: identity for identity in identities}
    with transaction.atomic():
        held = Follow.objects.filter(account=account, identity_id__in=list(ids))
        following = set(held.filter(gone_at__isnull=True).values_list("identity_id", flat=True))
        held.update(seen_at=now, gone_at=None)
        Follow.objects.bulk_create(
            [Follow(account=account, identity_id=pk, seen_at=now) for pk in ids],
            ignore_conflicts=True,
        )
        new = [identity.person_id for pk, identity in ids.items() if pk not in following]
        at = Value(now, output_field=models.DateTimeField())
        Person.objects.filter(pk__in=new).update(
            first_seen_at=Coalesce(F("first_seen_at"), at),
            last_seen_at=Greatest(Coalesce(F("last_seen_at"), at), at),
        )
    return len(new)


def _identity(account: ConnectedAccount, profile: Profile, now: datetime) -> Identity | None:
    """The follower's identity on the account's network, with what their profile says."""
    if not profile.handle.strip():
        return None
    workspace = account.workspace
    handle = profile.handle
    if not profile.handle_checked:  # keep the handle known, else name them by their id
        known = Identity.objects.filter(
            workspace=workspace, network=account.network, stable_id=profile.stable_id
        ).values_list("handle", flat=True)
        handle = known.first() or profile.stable_id or handle
    identity = identify(workspace, account.network, profile.stable_id, handle, profile.display_name)
    keep_profile(identity, profile, now)
    return identity


def keep_profile(identity: Identity, profile: Profile, now: datetime) -> None:
    """What the profile says, on the identity (a blank the network sent keeps what was known:
    a list's short profiles carry less than a full one)."""
    changes: dict[str, object] = {"profile_at": now}
    if profile.bio:
        changes["bio"] = profile.bio
    for field in ("website", "profile_url"):
        value = getattr(profile, field)
        if value and len(value) <= 500:
            changes[field] = value
    if profile.local_id:
        changes["local_id"] = profile.local_id[:255]
    if profile.followers_count is not None:
        changes["followers_count"] = max(0, profile.followers_count)
    if profile.links:
        changes["links"] = [{"url": url, "verified_at": at} for url, at in profile.links]
    Identity.objects.filter(pk=identity.pk).update(**changes)
    for field, value in changes.items():
        setattr(identity, field, value)


def due(now: datetime | None = None) -> models.QuerySet[ConnectedAccount]:
    """Accounts whose follower sync is due: connected, on an installed network, and not
    waiting (FollowSync.next_sync_at in the future)."""
    now = now or timezone.now()
    waiting = FollowSync.objects.filter(next_sync_at__gt=now).values("account_id")
    installed = [network.name for network in descriptors()]
    accounts = ConnectedAccount.objects.filter(network__in=installed)
    ready = Q(status=AccountStatus.OK) | Q(
        status=AccountStatus.RATE_LIMITED, rate_limited_until__lte=now
    )
    return accounts.filter(ready).exclude(pk__in=waiting).select_related("workspace")


def claim(account: ConnectedAccount) -> bool:
    """Hold the account's sync for LEASE; two workers never run one account at once."""
    sync, _ = FollowSync.objects.get_or_create(account=account)
    now = timezone.now()
    if sync.next_sync_at is not None and sync.next_sync_at > now:
        return False
    held = FollowSync.objects.filter(pk=sync.pk, next_sync_at=sync.next_sync_at)
    return bool(held.update(next_sync_at=now + LEASE))


def sync_due(limit: int = 20) -> list[FollowReport]:
    """The follower sync of each due account this worker claims (the periodic job); after a
    complete pass, the follows of its most active followers for peer discovery."""
    reports = []
    for account in due()[:limit]:
        if not claim(account):
            continue
        report = sync_followers(account)
        if report.complete and not report.error:
            sync_peer_follows(account)
        reports.append(report)
    return reports


def sync_peer_follows(account: ConnectedAccount, limit: int = PEER_FOLLOWERS) -> int:
    """Whom the account's `limit` most recently active followers follow (not on networks that
    bill reads or do not list follows); how many followers were read."""
    network = descriptor(account.network)
    if network.can.followers != "all" or network.can.paid_reads:
        return 0
    follows = Follow.objects.filter(account=account, gone_at__isnull=True).exclude(
        identity__stable_id=""
    )
    ranked = follows.order_by(
        F("identity__person__last_seen_at").desc(nulls_last=True),
        F("identity__followers_count").desc(nulls_last=True),
        "pk",
    )
    identities = [follow.identity for follow in ranked.select_related("identity")[:limit]]
    try:
        client = client_for(account)
    except NetworkError:
        return 0
    done = 0
    with client:
        try:
            keep_network_suggestions(account, client)
            for identity in identities:
                sync_their_follows(identity, client)
                done += 1
        except NetworkError as exc:
            mark_reconnect(account, exc)  # only an expired token marks anything
        finally:
            record_usage(account, client.usage)
    return done


def keep_network_suggestions(account: ConnectedAccount, client: NetworkClient) -> int:
    """What the network itself suggests the account follows, in place of what it said last
    time (none, where it suggests nothing); how many."""
    now = timezone.now()
    found = {p.stable_id: p for p in client.suggested_follows() if p.stable_id and p.handle}
    rows = [
        NetworkSuggestion(
            account=account,
            network=account.network,
            stable_id=p.stable_id[:255],
            handle=p.handle[:255],
            display_name=p.display_name[:255],
            seen_at=now,
        )
        for p in found.values()
    ]
    with transaction.atomic():
        NetworkSuggestion.objects.filter(account=account).delete()
        NetworkSuggestion.objects.bulk_create(rows)
    return len(rows)


def sync_their_follows(identity: Identity, client: NetworkClient | None = None) -> int:
    """Whom `identity` follows (PEER_PAGES pages), replacing what was known; how many.
    Without a client, one of the workspace's accounts on the identity's network is used."""
    if client is None:
        account = ConnectedAccount.objects.filter(
            workspace_id=identity.workspace_id, network=identity.network, status=AccountStatus.OK
        ).first()
        if account is None or descriptor(account.network).can.followers != "all":
            return 0
        with client_for(account) as opened:
            try:
                return sync_their_follows(identity, opened)
            finally:
                record_usage(account, opened.usage)
    found: dict[str, Profile] = {}
    cursor = ""
    for _ in range(PEER_PAGES):
        page = client.follows_of(identity.stable_id, cursor)
        found.update({p.stable_id: p for p in page.profiles if p.stable_id and p.handle})
        cursor = page.cursor
        if not cursor:
            break
    rows = [
        TheirFollow(
            follower=identity,
            network=identity.network,
            stable_id=p.stable_id[:255],
            handle=p.handle[:255],
            display_name=p.display_name[:255],
        )
        for p in found.values()
    ]
    with transaction.atomic():
        TheirFollow.objects.filter(follower=identity).delete()
        TheirFollow.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
