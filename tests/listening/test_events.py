"""A spike is told once as a `listening.spike` event (urgent: the old alert webhook's
endpoint hears it), in quiet hours too, cooling down on its own while the e-mail waits for
the morning; never for the demo's searches. A spike alert the old alert webhook left queued
settles as not sent."""

from datetime import UTC, datetime, time, timedelta

import time_machine
from django.conf import settings
from django.core import mail

from porch.core.events import EVENT_TYPES
from porch.inbox.models import AlertStatus, InboxSettings
from porch.listening.models import Search, SpikeAlert
from porch.listening.spikes import check, watch
from porch.workspaces.models import Workspace
from tests.event_capture import Emitted, emitted
from tests.listening.test_spikes import NOW, burst, search, usual_days

__all__ = ["emitted", "search"]


def test_a_spike_is_told_once_with_its_posts(search: Search, emitted: Emitted) -> None:
    assert EVENT_TYPES["listening.spike"].example["urgent"] is True
    usual_days(search, 3)
    hits = burst(search, 15, NOW - timedelta(minutes=5))
    with time_machine.travel(NOW, tick=False):
        assert watch() == 1
        assert watch() == 0
    (event,) = emitted
    assert (event.type, event.workspace_id, event.at) == (
        "listening.spike",
        search.workspace_id,
        NOW,
    )
    assert event.data == {
        "search": search.pk,
        "name": "Bakery",
        "reason": "volume",
        "count": 15,
        "negative": 0,
        "usual": 3.0,
        "hour": "2026-11-18T12:00:00+00:00",
        "hits": [hit.pk for hit in hits[:3]],
        "urgent": True,
        "url": f"{settings.BASE_URL}/w/{search.workspace.slug}/listening/{search.pk}/",
    }
    assert len(mail.outbox) == 1  # the e-mail goes as before


def test_in_quiet_hours_the_event_goes_at_once_and_the_email_waits(
    workspace: Workspace, search: Search, emitted: Emitted
) -> None:
    config = InboxSettings.of(workspace)
    config.quiet_from, config.quiet_until = time(22, 0), time(7, 0)  # London's night
    config.save()
    night = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)
    usual_days(search, 3, until=night)
    burst(search, 15, night - timedelta(minutes=5))
    assert check(search, night) == [] and len(emitted) == 1  # told, no e-mail at night
    search.refresh_from_db()
    assert check(search, night + timedelta(minutes=15)) == [] and len(emitted) == 1
    morning = night + timedelta(hours=8)
    assert [a.channel for a in check(search, morning)] == ["email"]
    assert len(emitted) == 1  # the event cools down on its own
    search.refresh_from_db()
    assert check(search, night + timedelta(hours=25)) == [] and len(emitted) == 1  # e-mail cools
    burst(search, 15, night + timedelta(hours=25))
    assert check(search, night + timedelta(hours=25, minutes=5)) == []  # the e-mail cools down
    assert len(emitted) == 2  # a day after the first: told again


def test_a_spike_with_nobody_to_email_is_still_told(
    workspace: Workspace, search: Search, emitted: Emitted
) -> None:
    workspace.members.update(role="helper")  # no owner or manager to e-mail
    usual_days(search, 3)
    burst(search, 15, NOW - timedelta(minutes=5))
    assert check(search, NOW) == []
    assert [e.type for e in emitted] == ["listening.spike"]


def test_the_demos_searches_are_never_told(
    workspace: Workspace, search: Search, emitted: Emitted
) -> None:
    Workspace.objects.filter(pk=workspace.pk).update(is_demo=True)
    search.refresh_from_db()
    usual_days(search, 3)
    burst(search, 15, NOW - timedelta(minutes=5))
    assert check(search, NOW) == [] and emitted == []


def test_a_spike_alert_left_by_the_old_alert_webhook_settles_unsent(search: Search) -> None:
    left = SpikeAlert.objects.create(
        search=search,
        channel="webhook",
        hour=NOW,
        reason="volume",
        count=15,
        negative=0,
        usual=3.0,
        retry_at=NOW,
        created_at=NOW,
    )
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert watch() == 0
    left.refresh_from_db()
    assert left.status == AlertStatus.FAILED and "webhooks page" in left.error
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        watch()
    left.refresh_from_db()
    assert left.attempts == 1  # never tried again
