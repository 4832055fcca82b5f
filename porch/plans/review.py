"""The weekly review: the last seven days against the accepted plan, and the changes it
proposes as a new plan version that waits for the owner (never accepted by itself)."""

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from porch.inbox.clock import weekly
from porch.inbox.models import InboxSettings, Intent
from porch.insights.report import highlights
from porch.insights.whatworks import what_works
from porch.listening import analytics
from porch.plans.generate import POSTING_DAYS, POSTING_TIMES
from porch.plans.models import Plan, PlanOrigin
from porch.plans.services import store_plan
from porch.publishing.models import Pillar, PostTarget, TargetState
from porch.workspaces.models import Workspace

REVIEW_EVERY = timedelta(days=7)
# A question this many people asked in the week, and no pillar covers, suggests a pillar.
ASKERS = 3
NEW_PILLAR_SHARE = 10


@dataclass(frozen=True)
class Week:
    posts_made: int
    posts_planned: int
    answered: int
    median_minutes: float
    target_minutes: int
    best: list[str]
    # The questions people kept asking in the week (listening), most asked first.
    asked: list[analytics.Question] = field(default_factory=list)
    pillars: list[str] = field(default_factory=list)  # the workspace's, beyond the plan's


def measure(workspace: Workspace, plan: Plan, now: datetime) -> Week:
    since = now - REVIEW_EVERY
    made = (
        PostTarget.objects.filter(
            post__workspace=workspace,
            state=TargetState.PUBLISHED,
            published_at__gte=since,
            published_at__lt=now,
        )
        .values("post")
        .distinct()
        .count()
    )
    config = InboxSettings.of(workspace)
    arrived = (
        workspace.conversations.filter(first_message_at__gte=since, first_message_at__lt=now)
        .exclude(intent=Intent.SPAM)
        .values_list("first_message_at", "first_response_at")
    )
    rows = weekly(config.hours(), config.first_response_target, list(arrived))
    answered = sum(row.stats.answered for row in rows)
    median = max((row.stats.median_minutes for row in rows if row.stats.answered), default=0.0)
    return Week(
        posts_made=made,
        posts_planned=plan.content["routine"]["posts_a_week"],
        answered=answered,
        median_minutes=median,
        target_minutes=config.first_response_target,
        best=highlights(what_works(workspace)),
        asked=analytics.questions(analytics.recent_hits(workspace, since=since, until=now), ASKERS),
        pillars=list(Pillar.objects.filter(workspace=workspace).values_list("name", flat=True)),
    )


def counted(number: int, thing: str) -> str:
    """ "1 post", "3 posts"."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _words(text: str) -> set[str]:
    """A text's content words, plurals folded."""
    found = re.findall(analytics.WORD, analytics.clean(text))
    return {word.rstrip("s") for word in found if word not in analytics.STOP_WORDS}


def uncovered(asked: list[analytics.Question], pillars: list[str]) -> analytics.Question | None:
    """The most asked question ASKERS or more people asked that shares no word with any
    pillar's name."""
    covered = set().union(*(_words(name) for name in pillars))
    for question in asked:
        if question.askers >= ASKERS and not _words(question.phrasing) & covered:
            return question
    return None


def suggest_pillar(content: dict[str, Any], question: analytics.Question) -> str:
    """Add a pillar that answers the question (its share taken from the largest); the
    change in words."""
    name = f"Answers: {question.phrasing.rstrip('?')}"
    name = name if len(name) <= 60 else name[:59].rsplit(" ", 1)[0] + "…"
    largest = max(content["pillars"], key=lambda pillar: pillar["share"], default=None)
    if largest is not None:
        largest["share"] = max(0, largest["share"] - NEW_PILLAR_SHARE)
    content["pillars"].append(
        {
            "name": name,
            "share": NEW_PILLAR_SHARE,
            "promotional": False,
            "purpose": f"{question.askers} people asked this in a week: answer it in public.",
        }
    )
    return (
        f'{question.askers} people asked "{question.phrasing}" this week and no pillar '
        f'covers it: add the pillar "{name}".'
    )


def propose(content: dict[str, Any], week: Week) -> tuple[dict[str, Any], list[str]]:
    """The plan's content with the changes the week suggests, and those changes in words."""
    changed = copy.deepcopy(content)
    routine = changed["routine"]
    changes = [
        f"This week: {week.posts_made} of {counted(week.posts_planned, 'planned post')} went "
        f"out; {counted(week.answered, 'conversation')} answered, median first response "
        f"{week.median_minutes:.0f} min (target {week.target_minutes} min).",
        *week.best,
    ]
    if week.posts_made < week.posts_planned / 2:
        fewer = max(1, week.posts_made or 1)
        routine["posts_a_week"] = fewer
        routine["slots"] = sorted(
            ({"weekday": POSTING_DAYS[n % 7], "time": POSTING_TIMES[0]} for n in range(fewer)),
            key=lambda slot: (slot["weekday"], slot["time"]),
        )
        changes.append(
            f"Plan {counted(fewer, 'post')} a week instead of {week.posts_planned}: fit the time."
        )
    if week.answered and week.median_minutes > week.target_minutes:
        minutes = min(60, int(routine["inbox_minutes_a_day"]) + 10)
        routine["inbox_minutes_a_day"] = minutes
        changes.append(
            f"Answers took longer than the target: spend {minutes} minutes a day on the inbox."
        )
    names = [pillar["name"] for pillar in changed["pillars"]] + week.pillars
    question = uncovered(week.asked, names)
    if question is not None:
        changes.append(suggest_pillar(changed, question))
    if len(changes) == 1 + len(week.best):
        changes.append("The week went as planned: keep the plan as it is.")
    return changed, changes


def review_workspace(
    workspace: Workspace, now: datetime | None = None, force: bool = False
) -> Plan | None:
    """A proposed new version, once a week after the last one (or now, when forced);
    None when no plan was accepted yet or the review is not due."""
    now = now or timezone.now()
    latest = Plan.objects.filter(workspace=workspace).order_by("-version").first()
    accepted = (
        Plan.objects.filter(workspace=workspace, accepted_at__isnull=False)
        .order_by("-version")
        .first()
    )
    if accepted is None or latest is None:
        return None
    if not force and latest.created_at > now - REVIEW_EVERY:
        return None
    content, changes = propose(accepted.content, measure(workspace, accepted, now))
    return store_plan(workspace, accepted.answers, content, PlanOrigin.REVIEW, changes)


def review_all(now: datetime | None = None) -> list[str]:
    done = []
    for workspace in Workspace.objects.filter(plans__accepted_at__isnull=False).distinct():
        plan = review_workspace(workspace, now)
        if plan is not None:
            done.append(f"{workspace.slug}: proposed version {plan.version}")
    return done
