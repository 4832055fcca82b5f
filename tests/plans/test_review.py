"""The weekly review: the week against the accepted plan, proposed as a new version."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from porch.inbox.models import Conversation, InboxSettings
from porch.listening.models import Hit, Search, SearchHit
from porch.plans.models import Plan, PlanOrigin
from porch.plans.review import review_all, review_workspace
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.plans.test_wizard import walk

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)


def _accepted_plan(client: Client, workspace: Workspace) -> Plan:
    walk(client, workspace.slug)
    client.post(f"/w/{workspace.slug}/plan/accept/")
    return Plan.objects.get(workspace=workspace)


def test_a_slow_week_proposes_a_lighter_plan(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    plan = _accepted_plan(signed_in, workspace)
    account = ConnectedAccount.objects.create(workspace=workspace, network="x", handle="bakery")
    now = timezone.now()
    week_end = now + timedelta(days=8)  # the review runs a week after the plan was made
    post = Post.objects.create(workspace=workspace, text="Fresh bread", status=PostStatus.PUBLISHED)
    PostTarget.objects.create(
        post=post,
        account=account,
        text="Fresh bread",
        state=TargetState.PUBLISHED,
        published_at=week_end - timedelta(days=2),
    )
    hours = InboxSettings.of(workspace)  # open every day, so a day's wait counts in full
    hours.opens, hours.closes, hours.days = time(0, 0), time(23, 59), "0,1,2,3,4,5,6"
    hours.save()
    arrived = week_end - timedelta(days=3, hours=4)
    Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="1",
        contact_handle="ann",
        first_message_at=arrived,
        last_message_at=arrived,
        first_response_at=arrived + timedelta(days=1),
    )
    assert review_workspace(workspace, now) is None  # the plan is not a week old yet

    proposed = review_workspace(workspace, week_end)

    assert proposed is not None
    assert proposed.version == 2 and proposed.origin == PlanOrigin.REVIEW
    assert proposed.accepted_at is None  # waits for the owner
    assert proposed.content["routine"]["posts_a_week"] == 1
    assert plan.content["routine"]["posts_a_week"] == 5
    assert proposed.changes[0].startswith("This week: 1 of 5 planned posts went out")
    assert any("Plan 1 post a week instead of 5" in c for c in proposed.changes)
    assert proposed.content["routine"]["inbox_minutes_a_day"] == 25  # answers were slow
    assert review_all(timezone.now()) == []  # the next review is a week after this one
    page = signed_in.get(f"/w/{workspace.slug}/plan/versions/").content.decode()
    assert "Proposed by the weekly review" in page


def test_review_now_from_the_versions_page(signed_in: Client, workspace: Workspace) -> None:
    _accepted_plan(signed_in, workspace)
    response = signed_in.post(f"/w/{workspace.slug}/plan/review/", follow=True)
    assert "The review proposes version 2" in response.content.decode()
    assert Plan.objects.filter(workspace=workspace).count() == 2


@time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))  # its own now
def test_a_question_three_people_asked_suggests_a_pillar_once_none_covers_it(
    signed_in: Client, workspace: Workspace
) -> None:
    plan = _accepted_plan(signed_in, workspace)
    search = Search.objects.create(workspace=workspace, name="Bakery", query="corner bakery")
    asked = [
        ("ann", "do you deliver to the harbour?"),
        ("bob", "hi! do you deliver to the harbour"),
        ("cat", "Do you deliver to the harbour on saturdays?"),
        ("ann", "what about gluten free bread?"),  # asked by two people only
        ("dan", "what about gluten free bread?"),
    ]
    week_end = timezone.now() + timedelta(days=8)
    for n, (author, text) in enumerate(asked):
        hit = Hit.objects.create(
            workspace=workspace,
            network="bluesky",
            external_id=str(n),
            author_handle=author,
            text=text,
            sent_at=week_end - timedelta(days=1, minutes=n),
        )
        SearchHit.objects.create(search=search, hit=hit, sent_at=hit.sent_at)

    proposed = review_workspace(workspace, week_end)

    assert proposed is not None
    added = [p for p in proposed.content["pillars"] if p["name"].startswith("Answers:")]
    assert [p["name"] for p in added] == ["Answers: do you deliver to the harbour"]
    assert sum(p["share"] for p in proposed.content["pillars"]) == sum(
        p["share"] for p in plan.content["pillars"]
    )
    assert any('3 people asked "do you deliver to the harbour' in c for c in proposed.changes)
    Plan.objects.filter(pk=plan.pk).update(content=proposed.content)  # the owner took it
    again = review_workspace(workspace, week_end, force=True)
    assert again is not None
    assert not any(c.startswith("3 people asked") for c in again.changes)  # covered now
