"""What people do to posts after writing them: approve, send back, retry, reschedule."""

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from porch.networks.sync import rules_for
from porch.publishing.compose import ComposeError, split_thread
from porch.publishing.engine import refresh_post_status
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.publishing.slots import next_free_slot
from porch.workspaces.models import Membership

EDITABLE = (TargetState.DRAFT, TargetState.SCHEDULED, TargetState.FAILED)


@transaction.atomic
def submit(post: Post, member: Membership) -> None:
    """Schedule a draft: into the queue now, or to wait for an owner or manager."""
    now = timezone.now()
    for target in post.targets.filter(state=TargetState.DRAFT):
        if target.scheduled_at is None or target.scheduled_at <= now:
            slot = next_free_slot(target.account, now)
            if slot is None:
                raise ComposeError(f"{target.account} has no free posting slot: add slots first.")
            target.scheduled_at = slot
            target.save(update_fields=["scheduled_at"])
    if member.needs_approval:
        post.status = PostStatus.AWAITING_APPROVAL
        post.save(update_fields=["status"])
        return
    approve(post)


@transaction.atomic
def approve(post: Post) -> None:
    post.status, post.review_comment = PostStatus.SCHEDULED, ""
    post.save(update_fields=["status", "review_comment"])
    post.targets.filter(state=TargetState.DRAFT, scheduled_at__isnull=False).update(
        state=TargetState.SCHEDULED
    )


@transaction.atomic
def send_back(post: Post, comment: str) -> None:
    if not comment.strip():
        raise ComposeError("Say what should change, so the author knows what to fix.")
    post.status, post.review_comment = PostStatus.DRAFT, comment.strip()[:500]
    post.save(update_fields=["status", "review_comment"])
    post.targets.filter(state=TargetState.SCHEDULED).update(state=TargetState.DRAFT)


def edit(target: PostTarget, text: str, thread: bool) -> None:
    """New text for a target that has not gone out; checked against its network's rules."""
    if target.state not in EDITABLE:
        raise ComposeError("This post is going out or went out already: it cannot change now.")
    if target.check_first and target.state != TargetState.DRAFT:
        raise ComposeError("Porch is checking whether this went out: try again in a minute.")
    if target.part_ids:
        raise ComposeError("Part of this thread went out already: press Retry to finish it.")
    rules = rules_for(target.account)
    if not text.strip():
        raise ComposeError("The text is empty: write something first.")
    if not thread and not rules.fits(text):
        over = rules.length(text) - rules.max_length
        raise ComposeError(f"Too long by {over}: shorten it or split it into a thread.")
    parts = split_thread(text, rules) if thread else [text]
    PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE).update(
        text=parts[0], more_parts=parts[1:], idempotency_key=uuid.uuid4()
    )


def retry(target: PostTarget) -> bool:
    """Send a failed target again now; False if it was not failed (nothing changes)."""
    done = PostTarget.objects.filter(pk=target.pk, state=TargetState.FAILED).update(
        state=TargetState.SCHEDULED, retry_at=None, error="", attempts=0
    )
    if done and (target.scheduled_at is None or target.scheduled_at > timezone.now()):
        PostTarget.objects.filter(pk=target.pk).update(scheduled_at=timezone.now())
    Post.objects.filter(pk=target.post_id, status=PostStatus.FAILED).update(
        status=PostStatus.SCHEDULED
    )
    refresh_post_status(target.post)
    return bool(done)


def reschedule(target: PostTarget, at: datetime) -> None:
    if at <= timezone.now():
        raise ComposeError("Pick a time in the future.")
    changed = PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE).update(scheduled_at=at)
    if not changed:
        raise ComposeError("This post is going out or went out already: it cannot move now.")
