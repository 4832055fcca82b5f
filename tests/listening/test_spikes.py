"""Spikes: a search's last 24 hours well above its own usual day is told once by the inbox's
alert channels, with the posts that caused it; then it cools down. A few posts are never a
spike, nor is anything on the demo's searches."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from porch.inbox.models import AlertStatus, InboxSettings
from porch.listening.models import Hit, HitMark, Mute, Search, SearchHit, SearchKind, SpikeAlert
from porch.listening.spikes import check, watch
from porch.workspaces.models import Workspace

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def search(workspace: Workspace) -> Search:
    found = Search.objects.create(workspace=workspace, name="Bakery", query="bakery")
    Search.objects.filter(pk=found.pk).update(created_at=NOW - 20 * DAY)
    found.refresh_from_db()
    return found


def post(search: Search, at: datetime, text: str = "nice bread", negative: bool = False) -> Hit:
    hit = Hit.objects.create(
        workspace=search.workspace,
        network="bluesky",
        external_id=f"{at.isoformat()}-{Hit.objects.count()}",
        author_handle=f"person{Hit.objects.count()}",
        text=text,
        sent_at=at,
        sentiment="negative" if negative else "positive",
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=at)
    return hit


def usual_days(search: Search, per_day: int, negative: int = 0, until: datetime = NOW) -> None:
    """`per_day` posts (`negative` of them negative) in each of the 14 days before `until`."""
    for day in range(1, 15):
        for n in range(per_day):
            post(search, until - day * DAY - timedelta(hours=n + 1), negative=n < negative)


def burst(search: Search, count: int, at: datetime, negative: int = 0) -> list[Hit]:
    return [
        post(search, at - timedelta(minutes=10 * n), f"post {n} of the burst", n < negative)
        for n in range(count)
    ]


def test_a_burst_over_the_usual_day_alerts_once_with_the_newest_posts(search: Search) -> None:
    usual_days(search, 3)
    burst(search, 15, NOW - timedelta(minutes=5))
    with time_machine.travel(NOW, tick=False):
        assert watch() == 1
        assert watch() == 0  # sent once only
    (alert,) = SpikeAlert.objects.all()
    assert (alert.reason, alert.count, alert.status) == ("volume", 15, AlertStatus.SENT)
    (sent,) = mail.outbox
    assert sent.subject == "Spike on Bakery: 15 posts in 24 hours (usually 3)"
    assert sent.to == ["owner@bakery.example"]
    assert [f"post {n} of the burst" in sent.body for n in range(4)] == [True] * 3 + [False]
    assert f"/listening/{search.pk}/" in sent.body


def test_the_cooldown_holds_then_a_new_burst_alerts_again(search: Search) -> None:
    usual_days(search, 3)
    burst(search, 15, NOW - timedelta(minutes=5))
    assert watch(NOW) == 1
    burst(search, 15, NOW + timedelta(hours=20))
    assert watch(NOW + timedelta(hours=21)) == 0
    assert watch(NOW + timedelta(hours=23)) == 0
    assert watch(NOW + timedelta(hours=25)) == 1  # a day later, still well above the usual
    assert len(mail.outbox) == 2


def test_a_few_posts_on_a_quiet_search_are_no_spike(search: Search) -> None:
    usual_days(search, 0)
    burst(search, 2, NOW - timedelta(minutes=5))
    assert watch(NOW) == 0
    burst(search, 7, NOW - timedelta(minutes=3))  # 9 in all: fewer than 10
    assert watch(NOW) == 0
    assert not SpikeAlert.objects.exists() and mail.outbox == []


def test_a_usual_volume_turning_negative_alerts(search: Search) -> None:
    usual_days(search, 10, negative=1)
    burst(search, 11, NOW - timedelta(minutes=5), negative=7)
    assert watch(NOW) == 1
    (alert,) = SpikeAlert.objects.all()
    assert (alert.reason, alert.count, alert.negative) == ("negative", 11, 7)
    (sent,) = mail.outbox
    assert sent.subject == "Spike on Bakery: 7 of 11 posts negative in 24 hours (usually 10%)"
    assert all(Hit.objects.get(pk=pk).sentiment == "negative" for pk in alert.hit_ids)


def test_the_demo_and_a_search_too_new_to_know_its_usual_day_never_alert(
    workspace: Workspace, search: Search
) -> None:
    usual_days(search, 3)
    burst(search, 15, NOW - timedelta(minutes=5))
    Workspace.objects.filter(pk=workspace.pk).update(is_demo=True)
    assert watch(NOW) == 0
    Workspace.objects.filter(pk=workspace.pk).update(is_demo=False)
    Search.objects.filter(pk=search.pk).update(created_at=NOW - 5 * DAY)
    assert watch(NOW) == 0
    assert not SpikeAlert.objects.exists() and mail.outbox == []


def test_a_competitor_search_spikes_on_its_own_baseline(workspace: Workspace) -> None:
    rival = Search.objects.create(
        workspace=workspace, name="Rival", query="rival", kind=SearchKind.COMPETITOR
    )
    Search.objects.filter(pk=rival.pk).update(created_at=NOW - 20 * DAY)
    rival.refresh_from_db()
    usual_days(rival, 20)
    burst(rival, 25, NOW - timedelta(minutes=5))  # more posts, but not far above its usual
    assert watch(NOW) == 0


def test_a_burst_sent_in_one_second_counts_every_post(search: Search) -> None:
    usual_days(search, 3)
    at = NOW - timedelta(minutes=5)
    for n in range(20):
        post(search, at, f"post {n}, all sent in one second")

    assert watch(NOW) == 1
    (alert,) = SpikeAlert.objects.all()
    assert (alert.reason, alert.count) == ("volume", 20)


def test_posts_the_streams_hide_make_no_spike(workspace: Workspace, search: Search) -> None:
    usual_days(search, 3)
    spam = burst(search, 15, NOW - timedelta(minutes=5))
    Hit.objects.filter(pk__in=[hit.pk for hit in spam[:5]]).update(text="cheap followers here")
    Mute.objects.create(workspace=workspace, kind="word", value="followers")
    Hit.objects.filter(pk=spam[5].pk).update(author_handle="Spammer")
    Mute.objects.create(workspace=workspace, kind="author", value="spammer")
    HitMark.objects.create(hit=spam[6], relevant=False)
    Hit.objects.filter(pk=spam[7].pk).update(judged_irrelevant=True)

    assert watch(NOW) == 0  # 7 shown: no spike
    Mute.objects.all().delete()
    assert watch(NOW) == 1  # 13 shown
    (alert,) = SpikeAlert.objects.all()
    assert alert.count == 13
    assert not {spam[6].pk, spam[7].pk} & set(alert.hit_ids)


def test_quiet_hours_are_those_of_the_time_checked_not_the_wall_clock(
    workspace: Workspace, search: Search
) -> None:
    settings = InboxSettings.of(workspace)
    settings.quiet_from, settings.quiet_until = time(22, 0), time(7, 0)  # London's night
    settings.save()
    night = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)
    usual_days(search, 3, until=night)
    burst(search, 15, night - timedelta(minutes=5))

    with time_machine.travel(NOW, tick=False):  # midday on the wall clock
        assert check(search, night) == []
    with time_machine.travel(night, tick=False):
        assert [alert.channel for alert in check(search, night + timedelta(hours=8))] == ["email"]
