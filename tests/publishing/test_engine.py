"""Publishing due targets through the real Mastodon client against mastodon-mock: once
each, in order, with failures that say why, and takeovers that never post twice."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from mastodon import Mastodon

from porch.networks.base import Outgoing
from porch.networks.sync import client_for
from porch.publishing.engine import claim, publish_due
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice
from tests.networks.mastodon.conftest import Mock

from .conftest import schedule

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)


def statuses(mock: Mock) -> list[dict[str, object]]:
    """The bakery's own posts on the instance, oldest first."""
    api: Mastodon = mock.as_user("bakery")
    me = api.me()
    return list(reversed(api.account_statuses(me["id"], limit=40)))


def texts(mock: Mock) -> list[str]:
    return [str(s["content"]) for s in statuses(mock)]


def test_a_due_post_goes_out_once_and_is_recorded(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Fresh sourdough at 8, two for one until noon!")
    later = schedule(mastodon_account, "Not yet", timezone.now() + timedelta(hours=1))
    assert publish_due("w1") == 1
    assert publish_due("w2") == 0
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED and target.external_id and target.url
    assert Post.objects.get(pk=target.post_id).status == PostStatus.PUBLISHED
    assert len(statuses(mock)) == 1 and "two for one" in texts(mock)[0]
    assert PostTarget.objects.get(pk=later.pk).state == TargetState.SCHEDULED
    assert not Notice.objects.exists()  # on time: no "late" notice


@pytest.mark.django_db(transaction=True)
def test_racing_workers_publish_each_post_exactly_once(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    for n in range(8):
        schedule(mastodon_account, f"Special number {n}: half-price scones")
    barrier = threading.Barrier(4)
    published: list[int] = []

    def work(name: str) -> None:
        barrier.wait()
        try:
            published.append(publish_due(name))
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(published) == 8
    assert sorted(texts(mock)) == sorted(
        f"<p>Special number {n}: half-price scones</p>" for n in range(8)
    )
    assert set(PostTarget.objects.values_list("state", flat=True)) == {TargetState.PUBLISHED}


@override_settings(PUBLISH_LEASE=1)
def test_a_claim_left_by_a_dead_worker_is_checked_before_publishing_again(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Our pumpkin pie is back for October")
    # A worker claimed it, published it, and died before it could record that.
    assert claim(target, "dead", timezone.now() - timedelta(seconds=5))
    client_for(mastodon_account).publish(Outgoing(target.text, str(target.idempotency_key)))
    assert publish_due("alive") == 1
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED and target.claimed_by == "alive"
    assert len(statuses(mock)) == 1  # found, not posted again


@override_settings(PUBLISH_LEASE=1)
def test_a_claim_left_before_the_call_is_published_after_the_lease(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Closed Monday for a family wedding")
    assert claim(target, "dead", timezone.now() - timedelta(seconds=5))
    assert publish_due("alive") == 1
    assert len(statuses(mock)) == 1


def test_an_unknown_outcome_is_checked_then_retried_once(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Gluten-free loaves every Friday from now on")
    mock.fault("/api/v1/statuses", {"type": "status", "status": 502}, ["POST"])
    assert publish_due("w1") == 0
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED and target.check_first
    assert "tries again at" in target.error
    PostTarget.objects.filter(pk=target.pk).update(retry_at=timezone.now())
    assert publish_due("w1") == 1
    assert len(statuses(mock)) == 1


# mastodon-mock runs in this process: its rate-limit reset reads the (frozen) clock, but the
# Date header that Mastodon.py corrects the reset by is cached from the real one, so a frozen
# clock would put the reset in the past. Both sides read the real clock here.
@pytest.mark.live_clock
def test_a_rate_limit_says_when_porch_tries_again_in_the_accounts_zone(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Coffee and a cinnamon bun for 4 pounds")
    mock.fault("/api/v1/statuses", {"type": "ratelimit"}, ["POST"])
    publish_due("w1")
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED and target.retry_at is not None
    assert target.retry_at - timezone.now() > timedelta(seconds=200)
    local = target.retry_at.astimezone(ZoneInfo("Europe/London"))
    assert f"tries again at {local:%H:%M}" in target.error
    assert publish_due("w1") == 0  # it waits
    assert statuses(mock) == []


def test_a_revoked_token_fails_with_reconnect_advice(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Sourdough class on Saturday")
    body = {"error": "The access token was revoked"}
    mock.fault("/api/v1/statuses", {"type": "status", "status": 401, "body": body}, ["POST"])
    publish_due("w1")
    target.refresh_from_db()
    mastodon_account.refresh_from_db()
    assert target.state == TargetState.FAILED
    assert "Reconnect the account" in target.error and "Retry" in target.error
    assert mastodon_account.status == AccountStatus.NEEDS_RECONNECT
    assert Notice.objects.filter(account=mastodon_account, key="reconnect").exists()


def test_posts_due_during_an_outage_go_out_in_order_with_a_late_notice(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    start = timezone.now() - timedelta(hours=3)
    for n in (2, 0, 1):  # made out of order, due in order 0, 1, 2
        schedule(mastodon_account, f"Outage post {n}", start + timedelta(minutes=n))
    assert publish_due("back") == 3
    assert texts(mock) == [f"<p>Outage post {n}</p>" for n in range(3)]
    notice = Notice.objects.get(account=mastodon_account, key__startswith="late-")
    assert "late" in notice.text and "worker" in notice.text


def test_a_thread_goes_out_as_replies_in_order(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Part one.", parts=["Part two.", "Part three."])
    assert publish_due("w1") == 1
    posted = statuses(mock)
    assert [s["content"] for s in posted] == [
        "<p>Part one.</p>",
        "<p>Part two.</p>",
        "<p>Part three.</p>",
    ]
    assert posted[1]["in_reply_to_id"] == posted[0]["id"]
    assert posted[2]["in_reply_to_id"] == posted[1]["id"]
    target.refresh_from_db()
    assert target.part_ids == [str(s["id"]) for s in posted]


def test_a_repeating_post_is_queued_again_at_the_same_local_time(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Friday fish pie night")
    Post.objects.filter(pk=target.post_id).update(repeat_every_days=7)
    publish_due("w1")
    again = PostTarget.objects.get(post=target.post_id, state=TargetState.SCHEDULED)
    assert again.scheduled_at is not None and target.scheduled_at is not None
    zone = ZoneInfo("Europe/London")
    first, second = target.scheduled_at.astimezone(zone), again.scheduled_at.astimezone(zone)
    assert second.date() - first.date() == timedelta(days=7)
    assert (second.hour, second.minute) == (first.hour, first.minute)
