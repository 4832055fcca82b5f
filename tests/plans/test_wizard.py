"""The workshop on the web: steps saved as they go, problems pointed out in their step,
the plan stored, accepted once, exported."""

from io import BytesIO

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from porch.errors import NotAllowed
from porch.inbox.models import InboxSettings
from porch.listening.models import Search
from porch.networks.models import SyncState
from porch.plans import services as plans
from porch.plans.models import Plan, Workshop
from porch.plans.questions import STEPS
from porch.publishing.models import Pillar, Post, PostingSlot, PostStatus, PostTarget, TargetState
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member
from tests.plans.sample import FORM_STEPS


def walk(client: Client, slug: str) -> None:
    for step, data in FORM_STEPS:
        response = client.post(f"/w/{slug}/plan/workshop/{step}/", {**data, "action": "next"})
        assert response.status_code == 302, response.content.decode()[:2000]


def test_wizard_makes_a_plan_from_the_answers(signed_in: Client, workspace: Workspace) -> None:
    walk(signed_in, workspace.slug)
    plan = Plan.objects.get(workspace=workspace)
    assert plan.version == 1
    assert plan.answers["problems"] == ["bread that goes stale", "birthday cakes at short notice"]
    page = signed_in.get(f"/w/{workspace.slug}/plan/").content.decode()
    assert "Plan for Corner Bakery" in page
    assert "Hello from Corner Bakery! We sell sourdough bread and cakes in Leeds." in page
    assert "Answer within 60 minutes" in page


def test_stopping_and_resuming_keeps_the_answers(signed_in: Client, workspace: Workspace) -> None:
    slug = workspace.slug
    business = dict(FORM_STEPS[0][1], action="stop")
    assert signed_in.post(f"/w/{slug}/plan/workshop/business/", business).status_code == 302
    resumed = signed_in.get(f"/w/{slug}/plan/workshop/")
    assert resumed["Location"] == f"/w/{slug}/plan/workshop/customers/"
    back = signed_in.get(f"/w/{slug}/plan/workshop/business/").content.decode()
    assert 'value="sourdough bread and cakes"' in back
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("step", "data", "field", "message"),
    [
        ("business", {"name": "Corner Bakery", "sells": ""}, "sells", "This one is needed"),
        ("business", {"name": "x", "sells": "bread"}, "name", "One character is not enough"),
        ("business", {"name": "asdfgh", "sells": "bread"}, "name", "looks like random keys"),
        (
            "business",
            {"name": "Bakery", "sells": "bread", "website": "not a site"},
            "website",
            "is not a web address",
        ),
        ("time", {"hours": "lots"}, "hours", "is not a number of hours from 1 to 80"),
        ("time", {"hours": "120"}, "hours", "is not a number of hours from 1 to 80"),
        ("goals", {}, "goals", "Pick at least one."),
    ],
)
def test_bad_answers_are_pointed_out_in_their_step(
    signed_in: Client,
    workspace: Workspace,
    step: str,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = signed_in.post(f"/w/{workspace.slug}/plan/workshop/{step}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-testid="problem-{field}"' in page
    assert message in page
    assert Workshop.objects.get(workspace=workspace).step == "business"  # not moved on


def test_a_plan_is_made_from_a_partial_workshop(signed_in: Client, workspace: Workspace) -> None:
    data = {"name": "Corner Bakery", "sells": "bread", "action": "finish"}
    assert signed_in.post(f"/w/{workspace.slug}/plan/workshop/business/", data).status_code == 302
    plan = Plan.objects.get(workspace=workspace)
    products = next(a for a in plan.content["readiness"] if a["area"] == "Products")
    assert products["score"] == 0
    assert "your products" in products["reason"]
    assert len(plan.content["drafts"]) == 10


def test_accepting_sets_porch_up_once(signed_in: Client, workspace: Workspace, owner: User) -> None:
    x = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="cornerbakery", timezone="Europe/London"
    )
    walk(signed_in, workspace.slug)
    for _ in range(2):
        assert signed_in.post(f"/w/{workspace.slug}/plan/accept/").status_code == 302
    plan = Plan.objects.get(workspace=workspace)
    assert plan.accepted_at is not None
    searches = Search.objects.filter(workspace=workspace)
    assert searches.count() == len(plan.content["searches"])  # each once, on each network:
    assert {tuple(sorted(s.networks)) for s in searches} == {("bluesky", "mastodon", "x")}
    assert SyncState.objects.filter(account=x, source="listening").count() == searches.count()
    assert set(searches.values_list("kind", flat=True)) == {
        "brand",
        "product",
        "competitor",
        "question",
        "niche",
        "hashtag",
    }
    assert PostingSlot.objects.filter(account=x).count() == plan.content["routine"]["posts_a_week"]
    assert Pillar.objects.filter(workspace=workspace).count() == len(plan.content["pillars"])
    assert InboxSettings.of(workspace).first_response_target == 60
    posts = Post.objects.filter(workspace=workspace)
    assert posts.count() == 10
    assert set(posts.values_list("status", flat=True)) == {PostStatus.DRAFT}
    assert set(PostTarget.objects.values_list("state", flat=True)) == {TargetState.DRAFT}
    assert not PostTarget.objects.filter(scheduled_at__isnull=False).exists()
    page = signed_in.get(f"/w/{workspace.slug}/plan/").content.decode()
    assert "&quot;Big Bread Co&quot;" in page and "Competitors" in page


def test_accepting_without_accounts_says_how_slots_come(
    signed_in: Client, workspace: Workspace
) -> None:
    walk(signed_in, workspace.slug)
    page = signed_in.get(f"/w/{workspace.slug}/plan/").content.decode()
    assert 'data-testid="no-accounts"' in page
    response = signed_in.post(f"/w/{workspace.slug}/plan/accept/", follow=True)
    assert "no posting slots yet: connect an account" in response.content.decode()
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b")
    signed_in.post(f"/w/{workspace.slug}/plan/accept/")
    assert PostingSlot.objects.filter(account=account).count() == 5
    assert Post.objects.filter(workspace=workspace).count() == 10


def test_exports_hold_the_plan(signed_in: Client, workspace: Workspace) -> None:
    walk(signed_in, workspace.slug)
    markdown = signed_in.get(f"/w/{workspace.slug}/plan/plan.md").content.decode()
    assert markdown.startswith("# Plan for Corner Bakery (version 1)")
    assert "## Next actions" in markdown
    pdf = signed_in.get(f"/w/{workspace.slug}/plan/plan.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Plan for Corner Bakery" in text
    assert "Hilltop Coffee" in text


def test_helpers_read_the_plan_but_cannot_change_it(client: Client, workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert client.get(f"/w/{workspace.slug}/plan/").status_code == 200
    assert client.get(f"/w/{workspace.slug}/plan/workshop/business/").status_code == 403
    assert client.post(f"/w/{workspace.slug}/plan/accept/").status_code == 403


def test_the_plan_services_check_the_role_and_the_workspace(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    walk(signed_in, workspace.slug)
    plan = Plan.objects.get(workspace=workspace)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    them = Membership.objects.get(workspace=workspace, user=helper)
    step = STEPS[0]
    with pytest.raises(NotAllowed):
        plans.accept(plan, them, helper)
    with pytest.raises(NotAllowed):
        plans.answer_step(them, step, dict(FORM_STEPS[0][1]))
    with pytest.raises(NotAllowed):
        plans.finish_workshop(them)
    with pytest.raises(NotAllowed):
        plans.review_now(them)
    stranger = services.create_user("other@shop.example", "correct horse battery staple")
    other = services.create_workspace(stranger, "Other Shop", "UTC")
    with pytest.raises(NotAllowed):
        plans.accept(plan, Membership.objects.get(workspace=other, user=stranger), stranger)
    plan.refresh_from_db()
    assert plan.accepted_at is None and not Post.objects.exists()
    assert Plan.objects.filter(workspace=workspace).count() == 1


def test_other_workspaces_plans_stay_hidden(signed_in: Client, workspace: Workspace) -> None:
    stranger = services.create_user("other@shop.example", "correct horse battery staple")
    other = services.create_workspace(stranger, "Other Shop", "UTC")
    assert signed_in.get(f"/w/{other.slug}/plan/plan.pdf").status_code == 404
    assert signed_in.get(f"/w/{other.slug}/plan/").status_code == 404


def test_workshop_leader_prints_every_workspace(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    second = services.create_workspace(owner, "Hilltop Coffee", "Europe/London")
    walk(signed_in, workspace.slug)
    signed_in.post(
        f"/w/{second.slug}/plan/workshop/business/",
        {"name": "Hilltop Coffee", "sells": "coffee", "action": "finish"},
    )
    listing = signed_in.get("/plans/").content.decode()
    assert "Corner Bakery" in listing and "Hilltop Coffee" in listing
    combined = signed_in.get("/plans/plans.pdf")
    reader = PdfReader(BytesIO(combined.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Plan for Corner Bakery" in text and "Plan for Hilltop Coffee" in text
