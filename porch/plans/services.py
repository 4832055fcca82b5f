"""Saving the workshop step by step, storing plan versions, and accepting a plan.

Accepting a plan sets Porch up, and doing it twice adds nothing twice:
- a listening search per query of the plan, on its networks that can search;
- a content pillar per pillar of the plan;
- the inbox's first-response target;
- the weekly posting slots of the routine, as local wall-clock times (in each account's
  own time zone) on every connected account of the plan's networks. A workspace with no
  such account yet gets no slots: the plan page says so, and accepting again after
  connecting one adds them (the other steps are already done and are not repeated);
- the ten first posts as drafts (never scheduled, never published) waiting for review.

The workshop, accepting and asking for a review are an owner's or manager's (NotAllowed
otherwise), as the pages have always said; anyone in the workspace reads the plan.
"""

from dataclasses import dataclass
from datetime import time
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from porch.errors import NotAllowed
from porch.inbox.models import ConversationStatus, InboxSettings
from porch.inbox.services import use_opening_hours
from porch.listening.services import plan_searches
from porch.plans.generate import chosen_networks, generate, next_actions
from porch.plans.models import Plan, PlanDraft, PlanOrigin, Workshop
from porch.plans.questions import STEPS, Answers, Step, clean_answers, first_unanswered, problems
from porch.plans.writing import llm_rewriter
from porch.publishing.compose import Draft, Version, create_post
from porch.publishing.models import Feed, Pillar, PostingSlot, PostStatus
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace


def _manager(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can change the plan.")


def _own(member: Membership, plan: Plan) -> None:
    _manager(member)
    if plan.workspace_id != member.workspace_id:
        raise NotAllowed("This plan belongs to another workspace.")


def workshop_of(workspace: Workspace) -> Workshop:
    workshop, created = Workshop.objects.get_or_create(workspace=workspace)
    if created:
        workshop.answers = {"name": workspace.name}
        workshop.step = STEPS[0].key
        workshop.save()
    return workshop


def save_step(workshop: Workshop, step: Step, raw: Answers) -> dict[str, str]:
    """Keep the step's answers if they are sensible; else return what is wrong, per question."""
    found = problems(step, raw)
    if found:
        return found
    given = clean_answers({q.key: raw.get(q.key) for q in step.questions})
    before = workshop.answers.get("opening")
    answers = dict(workshop.answers)
    for question in step.questions:
        answers.pop(question.key, None)
    answers.update(given)
    workshop.answers = answers
    index = [s.key for s in STEPS].index(step.key)
    workshop.step = STEPS[min(index + 1, len(STEPS) - 1)].key
    workshop.save()
    if given.get("opening") != before:  # saving the step again keeps hours set in the inbox
        use_opening(workshop.workspace, given)
    return {}


def use_opening(workspace: Workspace, answers: Answers) -> None:
    """The opening hours the owner gave (if any) become the inbox's business hours."""
    opening = answers.get("opening")
    if not opening:
        return
    use_opening_hours(
        workspace,
        days=opening["days"],
        opens=time.fromisoformat(opening["opens"]),
        closes=time.fromisoformat(opening["closes"]),
    )


def answer_step(member: Membership, step: Step, raw: Answers) -> dict[str, str]:
    """The workshop page's step: saved, or what is wrong with it per question."""
    _manager(member)
    return save_step(workshop_of(member.workspace), step, raw)


def finish_workshop(member: Membership) -> Plan:
    """A new plan version from the workshop's answers so far."""
    _manager(member)
    return store_plan(member.workspace, workshop_of(member.workspace).answers)


def review_now(member: Membership) -> Plan | None:
    """Propose a new version from the week so far; None when no plan was accepted yet."""
    _manager(member)
    from porch.plans.review import review_workspace  # review.py stores through this module

    return review_workspace(member.workspace, force=True)


def resume_step(workshop: Workshop) -> str:
    return workshop.step or first_unanswered(workshop.answers)


def latest_plan(workspace: Workspace) -> Plan | None:
    return Plan.objects.filter(workspace=workspace).order_by("-version").first()


@transaction.atomic
def store_plan(
    workspace: Workspace,
    answers: Answers,
    content: dict[str, Any] | None = None,
    origin: str = PlanOrigin.WORKSHOP,
    changes: list[str] | None = None,
) -> Plan:
    """A new version of the workspace's plan (from the answers, unless `content` is given)."""
    answers = clean_answers(answers)
    if content is None:
        content = generate(answers, llm_rewriter())
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    last = Plan.objects.filter(workspace=workspace).aggregate(v=Max("version"))["v"] or 0
    return Plan.objects.create(
        workspace=workspace,
        version=last + 1,
        answers=answers,
        content=content,
        origin=origin,
        changes=changes or [],
    )


@dataclass(frozen=True)
class Setup:
    searches: int
    pillars: int
    slots: int
    drafts: int
    accounts: int
    target_minutes: int

    def line(self) -> str:
        accounts = (
            f"{self.slots} posting slots added"
            if self.accounts
            else "no posting slots yet: connect an account, then accept the plan again"
        )
        return (
            f"Plan set up: {self.searches} listening searches, {self.pillars} pillars, "
            f"{self.drafts} drafts to review, {accounts}; first-response target "
            f"{self.target_minutes} min."
        )


def plan_accounts(plan: Plan) -> list[ConnectedAccount]:
    return list(
        ConnectedAccount.objects.filter(
            workspace=plan.workspace, network__in=plan.content.get("networks", [])
        ).order_by("pk")
    )


@transaction.atomic
def accept(plan: Plan, member: Membership, user: User) -> Setup:
    """Set Porch up from the plan (see the module); an owner or manager of its workspace."""
    _own(member, plan)
    content, workspace = plan.content, plan.workspace
    accounts = plan_accounts(plan)
    searches = plan_searches(member, content["searches"], content["networks"])
    pillars = sum(
        Pillar.objects.get_or_create(workspace=workspace, name=pillar["name"][:60])[1]
        for pillar in content["pillars"]
    )
    slots = sum(
        PostingSlot.objects.get_or_create(
            account=account, weekday=slot["weekday"], time=slot["time"]
        )[1]
        for account in accounts
        for slot in content["routine"]["slots"]
    )
    settings = InboxSettings.of(workspace)
    settings.first_response_target = content["first_response_minutes"]
    settings.save(update_fields=["first_response_target"])
    drafts = sum(_queue_draft(plan, member, user, draft, accounts) for draft in content["drafts"])
    if plan.accepted_at is None:
        plan.accepted_at = timezone.now()
        plan.save(update_fields=["accepted_at"])
    return Setup(searches, pillars, slots, drafts, len(accounts), settings.first_response_target)


def _queue_draft(
    plan: Plan,
    member: Membership,
    user: User,
    draft: dict[str, str],
    accounts: list[ConnectedAccount],
) -> bool:
    """The draft in the publishing queue as a draft for review, unless it already is."""
    record, created = PlanDraft.objects.get_or_create(
        workspace=plan.workspace, text=draft["text"], defaults={"plan": plan}
    )
    if not created:
        return False
    versions = [Version(account=account, text=draft["text"]) for account in accounts]
    record.post = create_post(
        member,
        user,
        Draft(text=draft["text"], versions=versions, when="draft", pillar=draft["pillar"]),
    )
    record.save(update_fields=["post"])
    return True


def done_steps(workspace: Workspace) -> set[str]:
    """The keys of the next actions (porch.plans.generate.next_actions) already done in
    the workspace: accounts connected, the plan accepted, its drafts reviewed, a feed
    added, the inbox empty."""
    done = {
        f"connect:{network}"
        for network in ConnectedAccount.objects.filter(workspace=workspace)
        .values_list("network", flat=True)
        .distinct()
    }
    if Plan.objects.filter(workspace=workspace, accepted_at__isnull=False).exists():
        done.add("accept")
        waiting = PlanDraft.objects.filter(workspace=workspace, post__status=PostStatus.DRAFT)
        if not waiting.exists():
            done.add("drafts")
    if Feed.objects.filter(workspace=workspace).exists():
        done.add("feed")
    if not workspace.conversations.filter(status=ConversationStatus.OPEN).exists():
        done.add("inbox")
    return done


def _slot_steps(plan: Plan) -> list[dict[str, Any]]:
    """An account connected after the plan was accepted has no posting times yet: accepting
    again gives it the plan's (nothing else is doubled)."""
    if plan.accepted_at is None:
        return []
    bare = [a for a in plan_accounts(plan) if not PostingSlot.objects.filter(account=a).exists()]
    url = reverse("plan", args=[plan.workspace.slug])
    return [
        {
            "key": f"slots-{account.pk}",
            "text": f"Give {account} your plan's posting times: press “Set up again” on the plan.",
            "url": url,
            "minutes": 1,
        }
        for account in bare
    ]


def next_steps(workspace: Workspace) -> list[dict[str, Any]]:
    """What the owner should do next, from the latest plan, less what is already done.

    Each step: {"key": str, "text": str, "url": str (a path to act on it), "minutes": int}.
    A workspace without a plan gets one step: the workshop."""
    plan = latest_plan(workspace)
    if plan is None:
        url = reverse("plan_wizard", args=[workspace.slug])
        return [
            {
                "key": "workshop",
                "text": "Answer the plan workshop's questions.",
                "url": url,
                "minutes": 15,
            }
        ]
    answers = clean_answers(plan.answers)
    networks = plan.content.get("networks") or chosen_networks(answers)
    steps = _slot_steps(plan)
    for action in next_actions(answers, networks, done_steps(workspace)):
        url = reverse(action["url"], args=[workspace.slug])
        if action["anchor"]:
            url = f"{url}#{action['anchor']}"
        steps.append({key: action[key] for key in ("key", "text", "minutes")} | {"url": url})
    return steps
