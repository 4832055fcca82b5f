"""Publishing due targets exactly once, however many workers run and wherever they die.

A due target is claimed with a conditional UPDATE (state and claimed_at as read), so only
one worker wins it. The claim sets `check_first` before any network call: a worker that
takes over a claim whose lease ran out, or retries after an unknown outcome, first asks
the network (`find_published`, by the target's idempotency key) whether the post went out,
and only publishes when it did not. Every write after the call is conditional on still
holding the claim. A thread goes out part by part, each part recorded as it goes.
"""

import logging
import os
import signal
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from porch.networks.base import ErrorCode, Media, NetworkClient, NetworkError, Outgoing, Published
from porch.networks.registry import descriptor
from porch.networks.sync import client_for, mark_reconnect
from porch.publishing import events
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState, Visibility
from porch.publishing.slots import same_wall_time_later
from porch.workspaces.models import AccountStatus, Notice

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # transient failures before a target is marked failed
LONGEST_WAIT = 3600


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


def crash_point(name: str) -> None:
    """Test-only: the crash test makes a real worker die here (kill -9 of itself)."""
    if os.environ.get("PORCH_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def due_targets(now: datetime, limit: int = 100) -> list[PostTarget]:
    """Targets due now, oldest first: scheduled ones, and claims whose lease ran out."""
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    waiting = Q(state=TargetState.SCHEDULED, scheduled_at__lte=now) & (
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )
    abandoned = Q(state=TargetState.PUBLISHING, claimed_at__lt=stale)
    found = (
        PostTarget.objects.filter(waiting | abandoned)
        .select_related("account", "account__workspace", "post")
        .prefetch_related("post__images")
    )
    return list(found.order_by("scheduled_at", "pk")[:limit])


def claim(target: PostTarget, worker: str, now: datetime) -> bool:
    """Take the target if nobody changed it since we read it; exactly one worker wins."""
    won = PostTarget.objects.filter(
        pk=target.pk, state=target.state, claimed_at=target.claimed_at
    ).update(
        state=TargetState.PUBLISHING,
        claimed_by=worker,
        claimed_at=now,
        attempts=F("attempts") + 1,
        check_first=True,
    )
    return won == 1


def publish_due(worker: str = "", limit: int = 100) -> int:
    """Publish every due target this worker wins; returns how many went out."""
    worker = worker or worker_name()
    published = 0
    while batch := due_targets(timezone.now(), limit):
        won = 0
        for target in batch:
            if claim(target, worker, timezone.now()):
                won += 1
                published += publish_claimed(target, worker)
        if not won:
            break
    return published


def _held(target: PostTarget, worker: str) -> "Q":
    return Q(pk=target.pk, state=TargetState.PUBLISHING, claimed_by=worker)


def publish_claimed(target: PostTarget, worker: str) -> bool:
    """Publish a target we hold; True when it is now published."""
    account = target.account
    if account.status == AccountStatus.NEEDS_RECONNECT:
        error = NetworkError(account.status_detail or "signed out", permanent=True, reconnect=True)
        return _failed(target, worker, error)
    try:
        with client_for(account) as client:
            _publish_parts(client, target, worker)
    except NetworkError as exc:
        return _failed(target, worker, exc)
    except Exception as exc:  # a bug or a broken record: check and try again later
        log.exception("publishing target %s broke", target.pk)
        unsure = NetworkError(f"Porch hit a problem ({type(exc).__name__})", permanent=False)
        return _failed(target, worker, unsure, check=True)
    return _finish(target, worker)


def part_key(target: PostTarget, index: int) -> str:
    key = str(target.idempotency_key)
    return key if index == 0 else f"{key}-{index}"


def _media(target: PostTarget) -> list[Media]:
    images = sorted(target.post.images.all(), key=lambda image: image.position)
    return [Media(bytes(image.data), image.mime_type, image.alt_text) for image in images]


def _publish_parts(client: NetworkClient, target: PostTarget, worker: str) -> None:
    """Each part not yet recorded: look for it first if unsure, else publish it."""
    done, parts = list(target.part_ids), target.parts()
    check, since = target.check_first, target.post.created_at - timedelta(minutes=5)
    late = descriptor(target.account.network).can.shows_posts_late
    for index in range(len(done), len(parts)):
        outgoing = Outgoing(
            text=parts[index],
            idempotency_key=part_key(target, index),
            media=_media(target) if index == 0 else (),
            reply_to=done[-1] if done else "",
            visibility="followers" if target.visibility() == Visibility.FOLLOWERS else "public",
        )
        found = client.find_published(outgoing, since) if check else None
        if found is None:
            crash_point("before-publish")
            found = _publish_one(client, outgoing, index > 0 and late)
            crash_point("after-publish")
        done.append(found.external_id)
        if index == 0:
            target.external_id, target.url = found.external_id, found.url
        target.part_ids = done
        if index < len(parts) - 1:  # recorded, so a crash re-checks only the next part
            PostTarget.objects.filter(_held(target, worker)).update(
                part_ids=done, external_id=target.external_id, url=target.url
            )
        check = False


def _publish_one(client: NetworkClient, outgoing: Outgoing, parent_may_be_late: bool) -> Published:
    """Publish one part; where the part before may not be shown yet (a network that shows
    posts late), its "not found" is retried shortly: elsewhere the part before is gone."""
    try:
        return client.publish(outgoing)
    except NetworkError as exc:
        if parent_may_be_late and exc.code == ErrorCode.NOT_FOUND:
            raise NetworkError(exc.message, permanent=False, retry_after=10) from exc
        raise


def _finish(target: PostTarget, worker: str) -> bool:
    """Record the target as published (and queue its repeat, and tell it as an event, in
    the same transaction)."""
    now = timezone.now()
    with transaction.atomic():
        done = PostTarget.objects.filter(_held(target, worker)).update(
            state=TargetState.PUBLISHED,
            published_at=now,
            check_first=False,
            error="",
            part_ids=target.part_ids,
            external_id=target.external_id,
            url=target.url,
        )
        if not done:
            log.warning("target %s was taken over before it was recorded", target.pk)
            return False
        target.state, target.published_at = TargetState.PUBLISHED, now
        _repeat(target)
        events.published(target)
    _post_published_if_done(target.post_id)
    _tell_if_late(target, now)
    return True


def _repeat(target: PostTarget) -> None:
    days = target.post.repeat_every_days
    if not days or target.scheduled_at is None:
        return
    zone = ZoneInfo(target.account.timezone)
    PostTarget.objects.create(
        post=target.post,
        account=target.account,
        text=target.text,
        more_parts=target.more_parts,
        public_there=target.public_there,
        scheduled_at=same_wall_time_later(target.scheduled_at, days, zone),
        state=TargetState.SCHEDULED,
    )


def _tell_if_late(target: PostTarget, now: datetime) -> None:
    if target.scheduled_at is None:
        return
    late = now - target.scheduled_at
    if late <= timedelta(seconds=settings.PUBLISH_LATE_NOTICE):
        return
    zone = ZoneInfo(target.account.timezone)
    due = local_hhmm(target.scheduled_at, zone)
    Notice.tell(
        target.account,
        f"late-{now.astimezone(zone):%Y-%m-%d}",
        f"Posts due at {due} went out {_duration(late)} late on {target.account}, "
        "because no background worker was running. Check the Health page if it happens again.",
    )


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def local_hhmm(instant: datetime, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%H:%M}"


def explain(target: PostTarget, exc: NetworkError, retry_at: datetime | None) -> str:
    """The failure in plain words, with what to do about it."""
    name = target.account.get_network_display()
    zone = ZoneInfo(target.account.timezone)
    if exc.reconnect:
        return (
            f"{name} signed Porch out ({exc.message}). Reconnect the account on the "
            "Accounts page, then press Retry."
        )
    if retry_at is not None:
        why = "Not sure it went out" if exc.outcome_unknown else f"{name} said: {exc.message}"
        return f"{why}. Porch checks and tries again at {local_hhmm(retry_at, zone)}."
    if exc.code == ErrorCode.TOO_LONG:
        return f"{name} refused it: {exc.message}. Shorten it, then press Retry."
    if not exc.permanent:
        return f"{name} kept failing ({exc.message}). Press Retry to try again."
    return f"{name} refused it: {exc.message}. Edit it, then press Retry."


def _failed(target: PostTarget, worker: str, exc: NetworkError, check: bool = False) -> bool:
    now = timezone.now()
    attempts = PostTarget.objects.filter(pk=target.pk).values_list("attempts", flat=True).first()
    retry_at = None
    if exc.outcome_unknown or (not exc.permanent and (attempts or 0) < MAX_ATTEMPTS):
        wait = exc.retry_after or min(LONGEST_WAIT, 30 * 2 ** (attempts or 0))
        retry_at = now + timedelta(seconds=wait)
    if exc.reconnect:
        retry_at = None
        mark_reconnect(target.account, exc)
    error = explain(target, exc, retry_at)[:500]
    with transaction.atomic():
        done = PostTarget.objects.filter(_held(target, worker)).update(
            state=TargetState.SCHEDULED if retry_at else TargetState.FAILED,
            retry_at=retry_at,
            check_first=exc.outcome_unknown or check,
            error=error,
        )
        if done and retry_at is None:  # failed for good: told once
            events.failed(target, error)
    log.warning("publishing target %s failed: %r", target.pk, exc)
    refresh_post_status(target.post)
    return False


def _post_published_if_done(post_id: int) -> None:
    """One UPDATE: the post is published once none of its targets is anything else."""
    Post.objects.filter(pk=post_id).exclude(status=PostStatus.PUBLISHED).exclude(
        targets__state__in=[s for s in TargetState if s != TargetState.PUBLISHED]
    ).update(status=PostStatus.PUBLISHED)


def refresh_post_status(post: Post) -> None:
    """A post with a failed target shows as failed; with all published, as published.

    A post waiting for approval (or sent back) keeps saying so: approving it comes first.
    """
    _post_published_if_done(post.pk)
    Post.objects.filter(pk=post.pk, targets__state=TargetState.FAILED).exclude(
        status__in=[PostStatus.FAILED, PostStatus.AWAITING_APPROVAL, PostStatus.DRAFT]
    ).update(status=PostStatus.FAILED)


def backlog(now: datetime) -> dict[str, int]:
    """For the health page: targets overdue by a minute or more, and claims past their lease."""
    overdue = PostTarget.objects.filter(
        state=TargetState.SCHEDULED, scheduled_at__lte=now - timedelta(minutes=1)
    ).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    stuck = PostTarget.objects.filter(state=TargetState.PUBLISHING, claimed_at__lt=stale)
    return {"overdue": overdue.count(), "stuck": stuck.count()}
