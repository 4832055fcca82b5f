"""Syncing: cursors without gaps or repeats, failures turned into account state, X costs.

The network here is the fake network (porch/networks/fake/), serving an X account (for X's
costs): these tests are about Porch's own state machine; each real network's client is
tested against its real peer or recorded replies.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.inbox.models import Conversation, Message
from porch.networks import sync
from porch.networks.base import Page, Usage
from porch.networks.fake import store
from porch.networks.fake.client import FakeClient, fault_error
from porch.networks.fake.store import Fault
from porch.networks.models import SyncState, UsageMonth, month_start
from porch.networks.poller import claim_due, sync_account
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace


def mention(n: int, reply_to: str = "") -> str:
    """A customer writes to the shop on the fake network; returns the post's id."""
    return store.customer_post("cust", f"message {n}", to="cornerbakery", reply_to=reply_to)


@dataclass
class Calls:
    """What the sync asked the fake network: the cursors it passed and got back."""

    cursors_seen: list[str] = field(default_factory=list)
    cursors_given: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The fake network serves every account; its fetches and closes are recorded."""
    calls, fetch, close = Calls(), FakeClient.fetch_incoming, FakeClient.close

    def recorded_fetch(client: FakeClient, cursor: str) -> Page:
        calls.cursors_seen.append(cursor)
        page = fetch(client, cursor)
        calls.cursors_given.append(page.cursor)
        return page

    def recorded_close(client: FakeClient) -> None:
        calls.closed.append(client.account.handle)
        close(client)

    monkeypatch.setattr(FakeClient, "fetch_incoming", recorded_fetch)
    monkeypatch.setattr(FakeClient, "close", recorded_close)
    monkeypatch.setattr(sync, "client_class", lambda network: FakeClient)
    return calls


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    made = ConnectedAccount(workspace=workspace, network="x", handle="cornerbakery")
    made.set_credentials({"access_token": "secret-token", "page_size": "2"})
    made.save()
    return made


def test_a_sync_stores_each_message_once_and_keeps_the_cursor(network, account) -> None:
    sent = [mention(n) for n in (1, 2, 3)]
    # The second page starts again with the first page's last message.
    store.inject(Fault.REPEAT, operation="fetch_incoming", skip=1)
    report = sync_account(account)
    assert (report.fetched, report.new) == (4, 3)
    assert Message.objects.filter(account=account).count() == 3
    first, last = network.cursors_given
    assert SyncState.objects.get(account=account).cursor == last
    sync_account(account)
    assert network.cursors_seen == ["", first, last]
    assert network.closed == ["cornerbakery"] * 2  # its connections released
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(sent)


def test_replies_join_their_conversation(network, account) -> None:
    mention(2, reply_to=mention(1))
    sync_account(account)
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().messages.count() == 2


def test_a_failure_mid_sync_keeps_what_was_stored_and_resumes(network, account) -> None:
    sent = [mention(n) for n in (1, 2, 3)]
    store.inject(Fault.SERVER_ERROR, operation="fetch_incoming", skip=1)
    report = sync_account(account)
    assert report.error == fault_error(Fault.SERVER_ERROR, 0, write=False).message
    assert report.new == 2
    assert network.closed == ["cornerbakery"]  # released after a failure too
    assert SyncState.objects.get(account=account).cursor == network.cursors_given[0]
    sync_account(account)
    assert network.cursors_seen[-1] == network.cursors_given[0]
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(sent)


def test_an_expired_token_asks_the_owner_to_reconnect_and_stops_syncing(network, account) -> None:
    store.inject(Fault.EXPIRED)
    sync_account(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    expired = fault_error(Fault.EXPIRED, 0, write=False)
    assert Notice.objects.get(account=account).text == expired.message
    SyncState.objects.filter(account=account).update(next_sync_at=timezone.now())
    assert claim_due() == []  # no retry loop


@pytest.mark.time_machine("2026-11-20T10:00Z", tick=False)  # the wait, to the second
def test_a_rate_limit_waits_until_the_reset(network, account) -> None:
    store.inject(Fault.RATE_LIMITED, retry_after=600)
    sync_account(account)
    account.refresh_from_db()
    state = SyncState.objects.get(account=account)
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.status_text().startswith("Rate limited until ")
    wait = (state.next_sync_at - timezone.now()).total_seconds()
    assert 590 < wait <= 600
    mention(1)
    sync_account(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.OK


def test_server_errors_back_off_longer_each_time(network, account) -> None:
    waits = []
    for _ in range(3):
        store.inject(Fault.SERVER_ERROR)
        sync_account(account)
        waits.append((SyncState.objects.get(account=account).next_sync_at - timezone.now()).seconds)
    assert waits[0] < waits[1] < waits[2]


def test_the_interval_shortens_when_busy_and_grows_when_quiet(network, account, settings) -> None:
    settings.SYNC_MIN_INTERVAL, settings.SYNC_MAX_INTERVAL = 10, 5000
    SyncState.objects.create(account=account, interval=400)
    mention(1)
    sync_account(account)
    busy = SyncState.objects.get(account=account).interval
    sync_account(account)
    quiet = SyncState.objects.get(account=account).interval
    assert busy == 200 and quiet == 300


def test_two_workers_never_claim_the_same_account(account) -> None:
    SyncState.objects.create(account=account, next_sync_at=timezone.now() - timedelta(seconds=1))
    assert len(claim_due()) == 1
    assert claim_due() == []


def test_x_reads_are_counted_and_the_cap_pauses_syncing(
    network, account, signed_in: Client
) -> None:
    for n in range(1, 5):
        mention(n)
    sync_account(account)
    usage = UsageMonth.objects.get(account=account, month=month_start())
    assert (usage.reads, usage.estimated_cost()) == (4, Decimal("0.020"))
    page = signed_in.get(reverse("accounts", args=[account.workspace.slug])).content.decode()
    assert "$0.020" in page

    account.monthly_cost_cap = Decimal("0.02")
    account.save()
    report = sync_account(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.PAUSED and "paused" in report.error
    assert Notice.objects.filter(account=account, text__contains="$0.02 cap").exists()


def test_credentials_refreshed_by_a_client_are_saved_encrypted(account) -> None:
    from porch.networks.sync import client_for

    client = client_for(account)
    client.save_credentials({"access_token": "rotated"})
    account.refresh_from_db()
    assert account.credentials() == {"access_token": "rotated"}
    assert "rotated" not in account.credentials_encrypted


def test_each_network_is_polled_within_its_own_means(settings: Any) -> None:
    from porch.networks.poller import intervals

    settings.SYNC_MIN_INTERVAL, settings.SYNC_MAX_INTERVAL = 2, 3
    settings.MASTODON_STREAMING = True
    assert intervals("bluesky") == (2, 3)  # no stream: a quiet account is still read often
    assert intervals("mastodon") == (2, 60)  # the stream wakes it; polling is the fallback
    assert intervals("x") == (16, 120)  # reads cost money
    assert intervals("facebook") == (20, 120)  # a Page's call budget is small
    settings.MASTODON_STREAMING = False
    assert intervals("mastodon") == (2, 3)


def test_direct_messages_sent_on_x_are_counted_and_priced(account) -> None:
    usage = Usage(writes=1, extra={"dm_sent": 3, "users_read": 2})
    sync.record_usage(account, usage)
    sync.record_usage(account, Usage(extra={"dm_sent": 1}))
    month = UsageMonth.objects.get(account=account, month=month_start())
    assert (month.writes, month.users_read, month.dms_sent) == (1, 2, 4)
    # A post written ($0.01), two accounts read ($0.01 each) and four DMs ($0.015 each).
    assert month.estimated_cost() == Decimal("0.090")
