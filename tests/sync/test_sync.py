"""Syncing: cursors without gaps or repeats, failures turned into account state, X costs.

The network here is a scripted client: these tests are about Porch's own state machine;
each real network's client is tested against its real peer or recorded replies.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.inbox.models import Conversation, Message
from porch.networks import registry
from porch.networks.base import (
    AccountMetrics,
    AccountRef,
    Incoming,
    NetworkClient,
    NetworkError,
    Outgoing,
    Page,
    PostMetrics,
    Published,
    TextRules,
)
from porch.networks.models import SyncState, UsageMonth, month_start
from porch.networks.sync import claim_due, sync_account
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace


def mention(n: int, reply_to: str = "", root: str = "") -> Incoming:
    return Incoming(
        external_id=f"m{n}",
        kind="reply" if reply_to else "mention",
        author_handle="cust",
        author_name="Customer",
        text=f"message {n}",
        in_reply_to=reply_to,
        root_id=root,
        sent_at=datetime(2026, 11, 20, 9, n, tzinfo=UTC),
    )


class ScriptedClient(NetworkClient):
    """Serves SCRIPT in order: a Page, or a NetworkError to raise."""

    network = "x"
    SCRIPT: ClassVar[list[Page | NetworkError]] = []
    cursors_seen: ClassVar[list[str]] = []
    closed: ClassVar[list[str]] = []

    def fetch_incoming(self, cursor: str) -> Page:
        self.cursors_seen.append(cursor)
        step = self.SCRIPT.pop(0) if self.SCRIPT else Page([], cursor)
        if isinstance(step, NetworkError):
            raise step
        self.usage.reads += len(step.items)
        return step

    def close(self) -> None:
        self.closed.append(self.account.handle)

    def verify(self) -> AccountRef:
        return self.account

    def search(self, query: str, cursor: str) -> Page:
        return Page([], cursor)

    def publish(self, post: Outgoing) -> Published:
        raise NotImplementedError

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        return None

    def delete(self, external_id: str) -> None:
        raise NotImplementedError

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        return []

    def account_metrics(self) -> AccountMetrics:
        return AccountMetrics(followers=0)

    def rules(self) -> TextRules:
        return TextRules(280, len, 4, 5_000_000, 1000)


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setitem(registry.CLIENTS, "x", f"{__name__}.ScriptedClient")
    ScriptedClient.SCRIPT = []
    ScriptedClient.cursors_seen = []
    ScriptedClient.closed = []
    return ScriptedClient.SCRIPT


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    made = ConnectedAccount(workspace=workspace, network="x", handle="cornerbakery")
    made.set_credentials({"access_token": "secret-token"})
    made.save()
    return made


def test_a_sync_stores_each_message_once_and_keeps_the_cursor(script, account) -> None:
    script += [
        Page([mention(1), mention(2)], "c2", more=True),
        Page([mention(2), mention(3)], "c3"),
    ]
    report = sync_account(account)
    assert (report.fetched, report.new) == (4, 3)
    assert Message.objects.filter(account=account).count() == 3
    assert SyncState.objects.get(account=account).cursor == "c3"
    sync_account(account)
    assert ScriptedClient.cursors_seen == ["", "c2", "c3"]
    assert ScriptedClient.closed == ["cornerbakery"] * 2  # its connections released


def test_replies_join_their_conversation(script, account) -> None:
    script.append(Page([mention(1), mention(2, reply_to="m1", root="m1")], "c"))
    sync_account(account)
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().messages.count() == 2


def test_a_failure_mid_sync_keeps_what_was_stored_and_resumes(script, account) -> None:
    script += [Page([mention(1)], "c1", more=True), NetworkError("boom", permanent=False)]
    report = sync_account(account)
    assert report.error == "boom" and report.new == 1
    assert ScriptedClient.closed == ["cornerbakery"]  # released after a failure too
    assert SyncState.objects.get(account=account).cursor == "c1"
    script.append(Page([mention(2)], "c2"))
    sync_account(account)
    assert ScriptedClient.cursors_seen[-1] == "c1"
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m1", "m2"]


def test_an_expired_token_asks_the_owner_to_reconnect_and_stops_syncing(script, account) -> None:
    script.append(NetworkError("X no longer accepts Porch's token", permanent=True, reconnect=True))
    sync_account(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.get(account=account).text == "X no longer accepts Porch's token"
    SyncState.objects.filter(account=account).update(next_sync_at=timezone.now())
    assert claim_due() == []  # no retry loop


@pytest.mark.time_machine("2026-11-20T10:00Z", tick=False)  # the wait, to the second
def test_a_rate_limit_waits_until_the_reset(script, account) -> None:
    script.append(NetworkError("Too many requests", permanent=False, retry_after=600))
    sync_account(account)
    account.refresh_from_db()
    state = SyncState.objects.get(account=account)
    assert account.status == AccountStatus.RATE_LIMITED
    assert account.status_text().startswith("Rate limited until ")
    wait = (state.next_sync_at - timezone.now()).total_seconds()
    assert 590 < wait <= 600
    script.append(Page([mention(1)], "c1"))
    sync_account(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.OK


def test_server_errors_back_off_longer_each_time(script, account) -> None:
    waits = []
    for _ in range(3):
        script.append(NetworkError("503", permanent=False))
        sync_account(account)
        waits.append((SyncState.objects.get(account=account).next_sync_at - timezone.now()).seconds)
    assert waits[0] < waits[1] < waits[2]


def test_the_interval_shortens_when_busy_and_grows_when_quiet(script, account, settings) -> None:
    settings.SYNC_MIN_INTERVAL, settings.SYNC_MAX_INTERVAL = 10, 5000
    SyncState.objects.create(account=account, interval=400)
    script.append(Page([mention(1)], "c1"))
    sync_account(account)
    busy = SyncState.objects.get(account=account).interval
    sync_account(account)
    quiet = SyncState.objects.get(account=account).interval
    assert busy == 200 and quiet == 300


def test_two_workers_never_claim_the_same_account(account) -> None:
    SyncState.objects.create(account=account, next_sync_at=timezone.now() - timedelta(seconds=1))
    assert len(claim_due()) == 1
    assert claim_due() == []


def test_x_reads_are_counted_and_the_cap_pauses_syncing(script, account, signed_in: Client) -> None:
    script.append(Page([mention(n) for n in range(1, 5)], "c"))
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
    from porch.networks.sync import intervals

    settings.SYNC_MIN_INTERVAL, settings.SYNC_MAX_INTERVAL = 2, 3
    settings.MASTODON_STREAMING = True
    assert intervals("bluesky") == (2, 3)  # no stream: a quiet account is still read often
    assert intervals("mastodon") == (2, 60)  # the stream wakes it; polling is the fallback
    assert intervals("x") == (16, 120)  # reads cost money
    assert intervals("facebook") == (20, 120)  # a Page's call budget is small
    settings.MASTODON_STREAMING = False
    assert intervals("mastodon") == (2, 3)
