"""The dashboard's "what now": what is waiting for the owner, each with where to act on it.

Read from the features' own queries and models, in a fixed number of queries whatever the
size of the workspace (tests/dashboard/test_queries.py): counts come from one grouped query,
lists are short slices. Owner-only items (approvals, the plan, offers) are read only for an
owner or manager.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from porch.inbox.models import Conversation, ConversationStatus, Intent, Reply, ReplyStatus
from porch.inbox.queries import inbox
from porch.inbox.services import pending_replies
from porch.insights.formats import currency_symbol, money
from porch.listening.models import Hit
from porch.offers.models import Offer
from porch.plans.models import Plan
from porch.plans.services import next_steps
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Membership, Role

TOP = 3  # items listed under a count
DUE_TODAY_MOST = 6
LISTENING_DAYS = 7
WORTH_A_LOOK = [Intent.COMPLAINT, Intent.QUESTION, Intent.LEAD]


@dataclass
class WhatNow:
    complaints: int = 0
    questions: int = 0
    leads: int = 0
    open_total: int = 0
    top_complaints: list[Conversation] = field(default_factory=list)
    due_today: list[PostTarget] = field(default_factory=list)
    failed_posts: list[PostTarget] = field(default_factory=list)
    failed_replies: list[Reply] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    accounts: list[ConnectedAccount] = field(default_factory=list)
    can_manage: bool = False
    replies_to_approve: int = 0
    posts_to_approve: int = 0
    plan: Plan | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def to_approve(self) -> int:
        return self.replies_to_approve + self.posts_to_approve

    @property
    def needs_attention(self) -> bool:
        return bool(self.failed_posts or self.failed_replies)


def what_now(member: Membership, now: datetime) -> WhatNow:
    workspace = member.workspace
    found = WhatNow(accounts=list(workspace.accounts.order_by("network", "handle")))
    _inbox_counts(found, member)
    found.top_complaints = list(inbox(workspace, {"intent": Intent.COMPLAINT})[:TOP])
    found.due_today = _due_today(member, now)
    failed = PostTarget.objects.filter(post__workspace=workspace, state=TargetState.FAILED)
    found.failed_posts = list(failed.select_related("account", "post").order_by("-pk")[:TOP])
    replies = Reply.objects.filter(conversation__workspace=workspace, status=ReplyStatus.FAILED)
    found.failed_replies = list(replies.select_related("conversation").order_by("-pk")[:TOP])
    found.hits = _hits(member, now)
    if member.at_least(Role.MANAGER):
        _owner_items(found, member, now)
    return found


def _inbox_counts(found: WhatNow, member: Membership) -> None:
    """Open conversations by intent, in one query."""
    rows = Conversation.objects.filter(
        workspace=member.workspace, status=ConversationStatus.OPEN
    ).aggregate(
        total=Count("pk"),
        complaints=Count("pk", filter=Q(intent=Intent.COMPLAINT)),
        questions=Count("pk", filter=Q(intent=Intent.QUESTION)),
        leads=Count("pk", filter=Q(intent=Intent.LEAD)),
    )
    found.open_total, found.complaints = rows["total"], rows["complaints"]
    found.questions, found.leads = rows["questions"], rows["leads"]


def _due_today(member: Membership, now: datetime) -> list[PostTarget]:
    """Posts still to go out today, in the workspace's own day."""
    zone = ZoneInfo(member.workspace.timezone)
    start = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
    rows = PostTarget.objects.filter(
        post__workspace=member.workspace,
        state__in=[TargetState.SCHEDULED, TargetState.PUBLISHING],
        scheduled_at__gte=start,
        scheduled_at__lt=start + timedelta(days=1),
    )
    return list(rows.select_related("account", "post").order_by("scheduled_at")[:DUE_TODAY_MOST])


def _hits(member: Membership, now: datetime) -> list[Hit]:
    """This week's listening hits that a person might answer: complaints, questions, leads."""
    rows = Hit.objects.filter(
        workspace=member.workspace,
        sent_at__gte=now - timedelta(days=LISTENING_DAYS),
        judged_irrelevant=False,
    ).filter(Q(intent__in=WORTH_A_LOOK) | Q(is_question=True))
    return list(rows.order_by("-sent_at", "-pk")[:TOP])


def _owner_items(found: WhatNow, member: Membership, now: datetime) -> None:
    workspace = member.workspace
    found.can_manage = True
    found.replies_to_approve = pending_replies(member).count()
    found.posts_to_approve = Post.objects.filter(
        workspace=workspace, status=PostStatus.AWAITING_APPROVAL
    ).count()
    found.plan = Plan.objects.filter(workspace=workspace).order_by("-version").first()
    found.actions = next_steps(workspace)  # PLAN's contract: what is left, each with its page
    running = Offer.objects.filter(workspace=workspace, starts_at__lte=now, ends_at__gt=now)
    found.offers = list(
        running.annotate(revenue=Sum("redemptions__amount")).order_by("ends_at", "pk")[:TOP]
    )
    symbol = currency_symbol(workspace)
    for offer in found.offers:
        offer.sales = money(offer.revenue, symbol) if offer.revenue else ""  # type: ignore[attr-defined]
