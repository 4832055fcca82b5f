"""What people do to posts after writing them, and to the weekly posting times: submit,
approve, send back, cancel, edit, retry, reschedule, stop repeating, themes and slots, drafts
from a feed or a newsletter.

Each function takes the member who acts and checks their role here, whatever page or
command calls it. A helper's posts wait for an owner or manager: a helper's change to a
post that was approved (its text or its time) sends the whole post back for approval,
and nothing of it goes out until it is approved again.

A refusal by role is NotAllowed; anything else refused is a ComposeError or FeedError
(PorchErrors, porch/errors.py) whose message the page shows.
"""

import uuid
from datetime import datetime, time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from porch.errors import NotAllowed
from porch.networks.sync import rules_for
from porch.publishing import feeds, tasks
from porch.publishing.compose import ComposeError, split_thread
from porch.publishing.engine import refresh_post_status
from porch.publishing.models import Pillar, Post, PostingSlot, PostStatus, PostTarget, TargetState
from porch.publishing.slots import next_free_slot
from porch.workspaces.models import ConnectedAccount, Membership, Role

EDITABLE = (TargetState.DRAFT, TargetState.SCHEDULED, TargetState.FAILED)
UNAPPROVED = (PostStatus.DRAFT, PostStatus.AWAITING_APPROVAL)


def _require(member: Membership, role: Role, why: str) -> None:
    if not member.at_least(role):
        raise NotAllowed(why)


def _own(member: Membership, post: Post) -> None:
    """Never act on another workspace's post, whoever calls."""
    if post.workspace_id != member.workspace_id:
        raise NotAllowed("This post belongs to another workspace.")


def can_approve(member: Membership) -> bool:
    return member.at_least(Role.MANAGER)


@transaction.atomic
def submit(member: Membership, post: Post) -> None:
    """Schedule a draft: into the queue now, or to wait for an owner or manager."""
    _own(member, post)
    if post.status != PostStatus.DRAFT:
        raise ComposeError("This post is not a draft any more.")
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
    _approve(post)


def approve(member: Membership, post: Post) -> None:
    _own(member, post)
    _require(member, Role.MANAGER, "Only an owner or manager can approve posts.")
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise ComposeError("This post is not waiting for approval.")
    _approve(post)


@transaction.atomic
def _approve(post: Post) -> None:
    post.status, post.review_comment = PostStatus.SCHEDULED, ""
    post.save(update_fields=["status", "review_comment"])
    post.targets.filter(state=TargetState.DRAFT, scheduled_at__isnull=False).update(
        state=TargetState.SCHEDULED
    )
    refresh_post_status(post)  # a target that failed before shows the post as failed


@transaction.atomic
def send_back(member: Membership, post: Post, comment: str) -> None:
    _own(member, post)
    _require(member, Role.MANAGER, "Only an owner or manager can send posts back.")
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise ComposeError("This post is not waiting for approval.")
    if not comment.strip():
        raise ComposeError("Say what should change, so the author knows what to fix.")
    post.status, post.review_comment = PostStatus.DRAFT, comment.strip()[:500]
    post.save(update_fields=["status", "review_comment"])
    post.targets.filter(state=TargetState.SCHEDULED).update(state=TargetState.DRAFT)


def stop_repeating(member: Membership, post: Post) -> None:
    """Anyone may stop a repeat: it only means less goes out, so it needs no approval."""
    _own(member, post)
    Post.objects.filter(pk=post.pk).update(repeat_every_days=None)


@transaction.atomic
def cancel(member: Membership, post: Post) -> None:
    """Take a post off the schedule before any of it goes out: it becomes a draft again.

    Anyone may (less goes out; a helper's draft scheduled again waits for approval). Once
    a target is going out or went out (or may have: Porch is checking), it is too late.
    """
    _own(member, post)
    if post.status == PostStatus.DRAFT:
        raise ComposeError("This post is a draft already: nothing is scheduled.")
    targets = list(post.targets.values_list("pk", "state", "check_first", "part_ids"))
    if any(s not in EDITABLE or (c and s != TargetState.DRAFT) or p for _, s, c, p in targets):
        raise ComposeError("Some of this post went out or is going out: it cannot be cancelled.")
    settled = Q(check_first=False) | Q(state=TargetState.DRAFT)
    stopped = (
        PostTarget.objects.filter(settled, pk__in=[pk for pk, *_ in targets], state__in=EDITABLE)
    ).update(state=TargetState.DRAFT, scheduled_at=None, retry_at=None, error="", attempts=0)
    if stopped != len(targets):  # a worker took one meanwhile: undo (atomic), say so
        raise ComposeError("Some of this post is going out now: it cannot be cancelled.")
    post.status, post.review_comment = PostStatus.DRAFT, ""
    post.save(update_fields=["status", "review_comment"])


def _parts(target: PostTarget, text: str, thread: bool) -> list[str]:
    """The new text as parts, checked against the target's state and network rules."""
    if target.state not in EDITABLE:
        raise ComposeError("This post is going out or went out already: it cannot change now.")
    if target.check_first and target.state != TargetState.DRAFT:
        raise ComposeError("Porch is checking whether this went out: try again in a minute.")
    if target.part_ids:
        raise ComposeError("Part of this thread went out already: press Retry to finish it.")
    if not text.strip():
        raise ComposeError("The text is empty: write something first.")
    rules = rules_for(target.account)
    if not thread and not rules.fits(text):
        over = rules.length(text) - rules.max_length
        raise ComposeError(f"Too long by {over}: shorten it or split it into a thread.")
    return split_thread(text, rules) if thread else [text]


@transaction.atomic
def edit(member: Membership, target: PostTarget, text: str, thread: bool) -> bool:
    """New text for a target that has not gone out; True when it now waits for approval."""
    _own(member, target.post)
    parts = _parts(target, text, thread)
    changed = PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE).update(
        text=parts[0], more_parts=parts[1:], idempotency_key=uuid.uuid4()
    )
    if not changed:
        raise ComposeError("This post is going out or went out already: it cannot change now.")
    return _back_for_approval(member, target)


def _back_for_approval(member: Membership, target: PostTarget) -> bool:
    """After a helper's change: the post waits for approval, none of it goes out before.

    The changed target becomes a draft (a failure it had no longer applies), and so do the
    post's other targets still waiting for their time; ones going out now are not stopped.
    """
    post = Post.objects.select_for_update().get(pk=target.post_id)
    if not member.needs_approval or post.status == PostStatus.DRAFT:
        return post.status == PostStatus.AWAITING_APPROVAL
    PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE).update(
        state=TargetState.DRAFT, error="", retry_at=None, attempts=0
    )
    post.targets.filter(state=TargetState.SCHEDULED).update(state=TargetState.DRAFT)
    post.status, post.review_comment = PostStatus.AWAITING_APPROVAL, ""
    post.save(update_fields=["status", "review_comment"])
    return True


def retry(member: Membership, target: PostTarget) -> bool:
    """Send a failed target again now; False if it was not failed (nothing changes).

    Only the approved text is sent again, so a helper may retry too; a post waiting for
    approval (or a draft) is not sent before it is approved.
    """
    post = target.post
    _own(member, post)
    status = Post.objects.filter(pk=post.pk).values_list("status", flat=True).first()
    if status in UNAPPROVED:
        raise ComposeError("This post waits for approval: it goes out once it is approved.")
    done = PostTarget.objects.filter(pk=target.pk, state=TargetState.FAILED).update(
        state=TargetState.SCHEDULED, retry_at=None, error="", attempts=0
    )
    if done and (target.scheduled_at is None or target.scheduled_at > timezone.now()):
        PostTarget.objects.filter(pk=target.pk).update(scheduled_at=timezone.now())
    Post.objects.filter(pk=post.pk, status=PostStatus.FAILED).update(status=PostStatus.SCHEDULED)
    refresh_post_status(post)
    return bool(done)


@transaction.atomic
def reschedule(member: Membership, target: PostTarget, at: datetime) -> bool:
    """Move a target that has not gone out; True when it now waits for approval."""
    _own(member, target.post)
    if at <= timezone.now():
        raise ComposeError("Pick a time in the future.")
    changed = PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE).update(scheduled_at=at)
    if not changed:
        raise ComposeError("This post is going out or went out already: it cannot move now.")
    return _back_for_approval(member, target)


def _slots_role(member: Membership) -> None:
    _require(member, Role.MANAGER, "Only an owner or manager can change posting times.")


def add_pillar(member: Membership, name: str) -> None:
    _slots_role(member)
    name = name.strip()[:60]
    if not name:
        raise ComposeError("Give the theme a name, like Specials or Behind the scenes.")
    Pillar.objects.get_or_create(workspace=member.workspace, name=name)


def _own_account(member: Membership, account: ConnectedAccount) -> None:
    _slots_role(member)
    if account.workspace_id != member.workspace_id:
        raise NotAllowed("This account belongs to another workspace.")


def add_slots(member: Membership, account: ConnectedAccount, at: time, weekdays: list[int]) -> None:
    _own_account(member, account)
    if not weekdays:
        raise ComposeError("Pick at least one day.")
    for weekday in weekdays:
        PostingSlot.objects.get_or_create(account=account, weekday=weekday, time=at)


def remove_slot(member: Membership, account: ConnectedAccount, slot: int | None) -> None:
    _own_account(member, account)
    if slot is not None:
        PostingSlot.objects.filter(account=account, pk=slot).delete()


def can_add_feeds(member: Membership) -> bool:
    return member.at_least(Role.MANAGER)


def fetch_for_drafts(member: Membership, kind: str, url: str) -> str:
    """Queue the worker's fetch for the Feeds page ("feed" or "newsletter"); the job's id.

    A feed keeps making drafts for as long as it is there, so only an owner or manager adds
    one; anyone may draft a newsletter issue (a helper's draft waits for approval).
    """
    if kind == "feed" and not can_add_feeds(member):
        raise NotAllowed("Only an owner or manager can add a blog feed.")
    job = tasks.fetch_for_drafts.enqueue(member.workspace_id, kind, feeds.check_address(url))
    return str(job.id)


def newsletter_from_text(member: Membership, pasted: str) -> Post:
    """A draft from a newsletter issue's pasted text; anyone may (a draft goes nowhere)."""
    return feeds.newsletter_draft(member.workspace, pasted=pasted)
