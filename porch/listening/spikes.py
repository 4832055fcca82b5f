"""Spikes: a search whose last 24 hours are well above its own usual day is told, with the
posts that caused it, as a `listening.spike` event (porch.core.events: the API's webhooks)
and by the inbox's alert channel (the workspace's alert e-mails).

The window is a rolling 24 hours, compared with the same 24 hours of each of the 14 days
before: every window holds one whole day (morning and evening, so the hour of the day does
not matter), and a small business's search finds a few posts a day, where hourly counts
would be mostly 0 and say nothing. Only days the search was listening the whole of count;
a search needs LEAST_HISTORY of them before it can spike. The baseline is the median and
the MAD (scaled to a standard deviation) of those windows, robust to an earlier spike:

    volume     at least LEAST_POSTS posts, and Z spreads above the median (the spread at
               least the square root of the median, as for counts, and at least 1)
    negative   at least LEAST_NEGATIVE negative posts, and a negative share at least
               SHARE_MARGIN (or 3 spreads) above the usual share

Posts the streams hide (muted authors and words, marked or judged not relevant) count for
nothing. After an alert, the search is quiet for COOLDOWN: the event and the e-mails cool
down each on their own, as e-mails wait out the inbox's quiet hours (at the `now` checked)
and events do not (machines do not sleep). Never for the demo's searches. Each channel's
SpikeAlert is sent like the inbox's AlertDelivery: claimed by a conditional UPDATE, sent
with its key, marked sent while still held; a failure gives the claim back and is retried
after the inbox's RETRY_WAITS, then given up; a claim whose worker died is taken over after
PORCH_PUBLISH_LEASE. One left by the alert webhook that was (before the API's webhooks)
settles as not sent.
"""

import logging
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from porch.core.fetch import AddressRefused
from porch.core.mail import header
from porch.inbox.alerts import (
    RETRY_WAITS,
    GoneChannel,
    send_notice,
    sender_id,
    workspace_channels,
)
from porch.inbox.models import AlertStatus
from porch.listening import events
from porch.listening.models import Hit, Search, SpikeAlert, SpikeReason
from porch.listening.stream import hidden_by
from porch.triage.base import Sentiment

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
BASELINE = 14  # windows before the current one
LEAST_HISTORY = 7
LEAST_POSTS = 10
LEAST_NEGATIVE = 5
Z = 4.0
SHARE_MARGIN = 0.2
COOLDOWN = timedelta(hours=24)
SHOWN = 3
# A MAD is this times a standard deviation, for normal data.
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class Window:
    count: int
    negative: int


@dataclass(frozen=True)
class Spike:
    reason: str
    count: int
    negative: int
    usual: float  # the median count (volume) or negative share (negative)


def _centre(values: Sequence[float]) -> tuple[float, float]:
    """(median, MAD scaled to a standard deviation)."""
    middle = statistics.median(values)
    return middle, MAD_SCALE * statistics.median(abs(value - middle) for value in values)


def spike(current: Window, baseline: Sequence[Window]) -> Spike | None:
    """The spike the current window is against the baseline's windows, if any."""
    if len(baseline) < LEAST_HISTORY:
        return None
    usual, spread = _centre([window.count for window in baseline])
    if current.count >= LEAST_POSTS and current.count >= usual + Z * max(
        spread, math.sqrt(usual), 1.0
    ):
        return Spike(SpikeReason.VOLUME, current.count, current.negative, usual)
    if current.negative < LEAST_NEGATIVE:
        return None
    shares = [window.negative / window.count for window in baseline if window.count]
    usual_share, share_spread = _centre(shares) if shares else (0.0, 0.0)
    if current.negative / current.count >= usual_share + max(3 * share_spread, SHARE_MARGIN):
        return Spike(SpikeReason.NEGATIVE, current.count, current.negative, usual_share)
    return None


def windows(search: Search, now: datetime) -> tuple[Window, list[Window]]:
    """The last 24 hours, and the baseline's windows the search listened the whole of."""
    since = now - WINDOW * (BASELINE + 1)
    # Each hit once (a burst may share one second), less those the streams hide.
    found = Hit.objects.filter(
        searchhit__search=search, searchhit__sent_at__gt=since, searchhit__sent_at__lte=now
    )
    rows = found.exclude(hidden_by(search.workspace)).values_list("searchhit__sent_at", "sentiment")
    counts, negatives = [0] * (BASELINE + 1), [0] * (BASELINE + 1)
    for sent_at, sentiment in rows:
        index = min(BASELINE, int((now - sent_at) / WINDOW))
        counts[index] += 1
        negatives[index] += sentiment == Sentiment.NEGATIVE
    listened = [
        Window(counts[k], negatives[k])
        for k in range(1, BASELINE + 1)
        if now - WINDOW * (k + 1) >= search.created_at
    ]
    return Window(counts[0], negatives[0]), listened


def _causes(search: Search, now: datetime, reason: str) -> list[int]:
    """The newest posts of the window (the negative ones for a negative spike): networks'
    search results carry no engagement figures to rank them by."""
    found = search.hits.filter(searchhit__sent_at__gt=now - WINDOW, searchhit__sent_at__lte=now)
    found = found.exclude(hidden_by(search.workspace))
    if reason == SpikeReason.NEGATIVE:
        found = found.filter(sentiment=Sentiment.NEGATIVE)
    return list(found.order_by("-sent_at", "-pk").values_list("pk", flat=True).distinct()[:SHOWN])


def check(search: Search, now: datetime) -> list[SpikeAlert]:
    """Tell the search's spike: its event, and its alert recorded as one SpikeAlert per
    channel (each not while it cools down; never for the demo's searches); the alerts it
    recorded."""
    if search.workspace.is_demo:
        return []
    tell = search.spike_told_at is None or search.spike_told_at <= now - COOLDOWN
    alert = not SpikeAlert.objects.filter(search=search, created_at__gt=now - COOLDOWN).exists()
    if not (tell or alert):
        return []
    current, baseline = windows(search, now)
    found = spike(current, baseline)
    if found is None:
        return []
    causes = _causes(search, now, found.reason)
    with transaction.atomic():
        if tell:
            _tell(search, found, causes, now)
        return _record(search, found, causes, now) if alert else []


def _tell(search: Search, found: Spike, causes: list[int], now: datetime) -> None:
    """The spike's event, once: the sweep that moves the search's `spike_told_at` tells it."""
    cooled = Q(spike_told_at__isnull=True) | Q(spike_told_at__lte=now - COOLDOWN)
    if Search.objects.filter(cooled, pk=search.pk).update(spike_told_at=now):
        search.spike_told_at = now
        window = (found.count, found.negative, found.usual)
        events.spiked(search, reason=found.reason, window=window, hits=causes, now=now)


def _record(search: Search, found: Spike, causes: list[int], now: datetime) -> list[SpikeAlert]:
    """One SpikeAlert per alert channel open at `now` (none in quiet hours)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    try:
        with transaction.atomic():
            return [
                SpikeAlert.objects.create(
                    search=search,
                    channel=channel,
                    hour=hour,
                    reason=found.reason,
                    count=found.count,
                    negative=found.negative,
                    usual=found.usual,
                    hit_ids=causes,
                    retry_at=now,
                    created_at=now,
                )
                for channel in workspace_channels(search.workspace, now)
            ]
    except IntegrityError:  # another sweep this hour recorded it
        return []


def watch(now: datetime | None = None) -> int:
    """The periodic job: check every active search (not the demo's), then send what is
    due; how many alerts went out."""
    now = now or timezone.now()
    searches = Search.objects.filter(active=True, workspace__is_demo=False)
    for search in searches.select_related("workspace"):
        check(search, now)
    return send_due(now)


def send_due(now: datetime | None = None) -> int:
    """Send the queued alerts whose time came and those held by a worker that died."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    queued = Q(status=AlertStatus.QUEUED, retry_at__lte=now)
    held = Q(status=AlertStatus.SENDING, claimed_at__lte=stale)
    due = SpikeAlert.objects.filter(queued | held).select_related("search__workspace")
    return sum(send(alert) for alert in due.order_by("pk"))


def _claim(alert: SpikeAlert, sender: str) -> bool:
    as_read = SpikeAlert.objects.filter(
        pk=alert.pk, status=alert.status, claimed_at=alert.claimed_at
    )
    changed = as_read.update(
        status=AlertStatus.SENDING,
        claimed_by=sender,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    return changed == 1


def send(alert: SpikeAlert) -> bool:
    """Claim, send and mark one alert; True when this call sent it."""
    sender = sender_id()
    if not _claim(alert, sender):
        return False
    held = SpikeAlert.objects.filter(pk=alert.pk, status=AlertStatus.SENDING, claimed_by=sender)
    try:
        send_notice(alert.search.workspace, alert.channel, alert.key, *content(alert))
    except Exception as exc:  # the mail server: try again later
        tries = alert.attempts + 1
        given_up = isinstance(exc, AddressRefused | GoneChannel) or tries > len(RETRY_WAITS)
        wait = timedelta(seconds=RETRY_WAITS[min(tries, len(RETRY_WAITS)) - 1])
        held.update(
            status=AlertStatus.FAILED if given_up else AlertStatus.QUEUED,
            retry_at=timezone.now() + wait,
            error=header(str(exc), 500),
        )
        log.warning("spike alert %s not sent (try %d): %s", alert.pk, tries, header(str(exc)))
        return False
    held.update(status=AlertStatus.SENT, sent_at=timezone.now(), error="")
    return True


def content(alert: SpikeAlert) -> tuple[str, str]:
    """(subject, text) of a spike alert."""
    search = alert.search
    if alert.reason == SpikeReason.VOLUME:
        what = f"{alert.count} posts in 24 hours (usually {alert.usual:.0f})"
    else:
        what = (
            f"{alert.negative} of {alert.count} posts negative in 24 hours "
            f"(usually {alert.usual:.0%})"
        )
    link = events.search_link(search)
    hits = Hit.objects.in_bulk(alert.hit_ids)
    posts = [hits[pk] for pk in alert.hit_ids if pk in hits]
    lines = [f"@{header(hit.author_handle)}: {hit.text}\n{hit.url}".rstrip() for hit in posts]
    text = f"{what}.\n\n" + "\n\n".join(lines) + f"\n\nSee them all in Porch: {link}\n"
    return f"Spike on {header(search.name)}: {what}", text
