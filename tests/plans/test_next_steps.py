"""The plan's next steps as they stand (what the dashboard calls), and the workshop's
opening hours becoming the inbox's business hours."""

from datetime import time

from django.test import Client

from porch.inbox.models import InboxSettings
from porch.plans.models import Plan
from porch.plans.services import next_steps
from porch.publishing.models import Feed, Post, PostingSlot, PostStatus
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.plans.sample import FORM_STEPS
from tests.plans.test_wizard import walk


def test_a_workspace_without_a_plan_is_sent_to_the_workshop(workspace: Workspace) -> None:
    steps = next_steps(workspace)
    assert [s["key"] for s in steps] == ["workshop"]
    assert steps[0]["url"] == f"/w/{workspace.slug}/plan/workshop/"


def test_next_steps_leave_out_what_is_done(signed_in: Client, workspace: Workspace) -> None:
    walk(signed_in, workspace.slug)
    before = {s["key"] for s in next_steps(workspace)}
    assert {"connect:x", "connect:bluesky", "connect:mastodon", "accept", "drafts"} <= before
    ConnectedAccount.objects.create(workspace=workspace, network="x", handle="cornerbakery")
    signed_in.post(f"/w/{workspace.slug}/plan/accept/")
    steps = {s["key"]: s for s in next_steps(workspace)}
    assert "connect:x" not in steps and "accept" not in steps
    assert steps["connect:bluesky"]["url"] == f"/w/{workspace.slug}/accounts/"
    assert steps["bios"]["url"] == f"/w/{workspace.slug}/plan/#plan-bios"
    assert set(steps["drafts"]) == {"key", "text", "url", "minutes"}
    Post.objects.filter(workspace=workspace).update(status=PostStatus.SCHEDULED)
    Feed.objects.create(workspace=workspace, url="https://cornerbakery.example/feed")
    assert "drafts" not in {s["key"] for s in next_steps(workspace)}
    page = signed_in.get(f"/w/{workspace.slug}/plan/").content.decode()
    assert f'href="/w/{workspace.slug}/accounts/">Connect your Bluesky account.</a>' in page
    assert "Connect your X (Twitter) account" not in page
    assert " below" not in page and " above" not in page


def test_an_account_connected_after_accepting_is_pointed_at_the_plans_posting_times(
    signed_in: Client, workspace: Workspace
) -> None:
    walk(signed_in, workspace.slug)
    signed_in.post(f"/w/{workspace.slug}/plan/accept/")
    late = ConnectedAccount.objects.create(workspace=workspace, network="x", handle="cornerbakery")
    steps = {s["key"]: s for s in next_steps(workspace)}
    assert steps[f"slots-{late.pk}"]["url"] == f"/w/{workspace.slug}/plan/"
    assert not PostingSlot.objects.filter(account=late).exists()
    drafts = Post.objects.filter(workspace=workspace).count()
    signed_in.post(f"/w/{workspace.slug}/plan/accept/")
    assert PostingSlot.objects.filter(account=late).exists()
    assert Post.objects.filter(workspace=workspace).count() == drafts  # nothing doubled
    assert f"slots-{late.pk}" not in {s["key"] for s in next_steps(workspace)}


def test_the_workshop_asks_the_opening_hours_and_the_inbox_uses_them(
    signed_in: Client, workspace: Workspace
) -> None:
    business = dict(FORM_STEPS[0][1])
    url = f"/w/{workspace.slug}/plan/workshop/business/"
    page = signed_in.get(url).content.decode()
    assert 'name="opening_days"' in page and 'id="q-opening-opens"' in page
    wrong = {**business, "opening_days": ["1"], "opening_opens": "16:00", "opening_closes": "7"}
    response = signed_in.post(url, {**wrong, "action": "next"})
    assert response.status_code == 400
    assert "You close before you open" in response.content.decode()
    assert 'value="1" checked' in response.content.decode()  # the ticks are kept
    days = ["1", "2", "3", "4", "5"]
    right = {**business, "opening_days": days, "opening_opens": "7:00", "opening_closes": "4pm"}
    assert signed_in.post(url, {**right, "action": "next"}).status_code == 302
    inbox = InboxSettings.of(workspace)
    assert (inbox.day_numbers(), inbox.opens, inbox.closes) == ([1, 2, 3, 4, 5], time(7), time(16))
    again = signed_in.get(url).content.decode()
    assert 'value="5" checked' in again and 'value="07:00"' in again
    # hours changed on the inbox's settings page stay when the step is saved again unchanged
    InboxSettings.objects.filter(pk=inbox.pk).update(closes=time(18), hours_from="settings")
    assert signed_in.post(url, {**right, "action": "next"}).status_code == 302
    assert InboxSettings.of(workspace).closes == time(18)


def test_opening_hours_can_be_left_out(signed_in: Client, workspace: Workspace) -> None:
    before = InboxSettings.of(workspace).day_numbers()
    walk(signed_in, workspace.slug)
    assert InboxSettings.of(workspace).day_numbers() == before


def test_odd_opening_hours_are_pointed_out_not_crashed_on() -> None:
    from porch.plans.questions import opening_problem, parse_opening

    assert opening_problem({"days": ["²"], "opens": "7", "closes": "16"}) == (
        "Tick the days you are open."
    )
    assert "is not a time" in opening_problem({"days": ["1"], "opens": "²", "closes": "16"})
    assert parse_opening("Sat-Mon 7am-4pm") == {
        "days": [0, 5, 6],
        "opens": "07:00",
        "closes": "16:00",
    }
    assert parse_opening({"days": ["6"], "opens": "18:00", "closes": "midnight"}) == {
        "days": [6],
        "opens": "18:00",
        "closes": "00:00",
    }


def test_a_plan_naming_a_network_no_longer_offered_still_gives_its_steps(
    signed_in: Client, workspace: Workspace
) -> None:
    walk(signed_in, workspace.slug)
    plan = Plan.objects.get(workspace=workspace)
    plan.content = plan.content | {"networks": ["gone"]}
    plan.save(update_fields=["content"])
    steps = {s["key"]: s for s in next_steps(workspace)}
    assert steps["connect:gone"]["text"] == "Connect your gone account."
    assert signed_in.get(f"/w/{workspace.slug}/").status_code == 200
