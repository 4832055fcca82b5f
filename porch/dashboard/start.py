"""The guided start: the first steps a new workspace's owner takes, ticked as they are done.

It points at the first step not done, and goes away once the basics (a plan, an account, a
first answer in the inbox, a first post) are done; inviting a helper is the optional last step.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from porch.inbox.models import Conversation, ConversationStatus
from porch.plans.models import Plan
from porch.publishing.models import Post, PostStatus
from porch.workspaces.models import ConnectedAccount, Membership, Role


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    why: str
    button: str
    url: str
    done: bool
    optional: bool = False


@dataclass(frozen=True)
class GuidedStart:
    steps: list[Step]

    @property
    def next(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def shown(self) -> bool:
        return not all(s.done for s in self.steps if not s.optional)

    @property
    def done_count(self) -> int:
        return sum(s.done for s in self.steps)


def guided_start(
    member: Membership, plan: Plan | None, accounts: list[ConnectedAccount]
) -> GuidedStart | None:
    """The checklist for an owner or manager; None for a helper (they cannot do the steps)."""
    if not member.at_least(Role.MANAGER):
        return None
    workspace, slug = member.workspace, member.workspace.slug
    answered = Conversation.objects.filter(workspace=workspace).filter(
        Q(first_response_at__isnull=False) | Q(status=ConversationStatus.RESOLVED)
    )
    posted = Post.objects.filter(workspace=workspace).exclude(status=PostStatus.DRAFT)
    others = workspace.members.count() - 1
    invited = workspace.invitations.filter(revoked_at__isnull=True).exists()
    steps = [
        Step(
            "workshop",
            "Do the plan workshop",
            "Ten minutes of questions about your business; Porch writes your plan from them.",
            "Start the workshop",
            reverse("plan_wizard", args=[slug]),
            plan is not None,
        ),
        Step(
            "connect",
            "Connect an account",
            "Link the shop's account on a network so Porch can gather what people say to you.",
            "Connect an account",
            reverse("connect", args=[slug]),
            bool(accounts),
        ),
        Step(
            "inbox",
            "See your inbox",
            "Every mention and message in one list, complaints first. Answer one.",
            "Open the inbox",
            reverse("inbox", args=[slug]),
            answered.exists(),
        ),
        Step(
            "post",
            "Schedule your first post",
            "Write it once, pick the networks and a time; Porch posts it for you.",
            "Write a post",
            reverse("compose", args=[slug]),
            posted.exists(),
        ),
        Step(
            "helper",
            "Invite your helper",
            "Someone who helps in the shop can answer messages; you approve their replies.",
            "Invite someone",
            reverse("members", args=[slug]),
            others > 0 or invited,
            optional=True,
        ),
    ]
    return GuidedStart(steps)
