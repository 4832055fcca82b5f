"""The dashboard: the owner's "what now" and the guided start of a new workspace."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from porch.demo import DEMO_EMAIL, load_demo
from porch.inbox.models import Conversation, Reply, ReplyStatus
from porch.plans.models import Plan
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import add_member
from tests.inbox.test_inbox import conversation

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop.test")


def convo(account: ConnectedAccount, n: int, intent: str, text: str = "") -> Conversation:
    """The inbox tests' conversation, arrived n minutes before NOW, with `text` if given."""
    found = conversation(account, n, intent, NOW - timedelta(minutes=n))
    if text:
        found.messages.update(text=text)
    return found


def page(client: Client, workspace: Workspace) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard", args=[workspace.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_what_now_links_to_the_filtered_inbox_and_the_conversation(
    signed_in: Client, account: ConnectedAccount
) -> None:
    complaint = convo(account, 1, "complaint", "The cake was stale")
    convo(account, 2, "question")
    convo(account, 3, "lead")
    html = page(signed_in, account.workspace)
    inbox = reverse("inbox", args=[account.workspace.slug])
    for intent in ("complaint", "question", "lead"):
        assert f'href="{inbox}?intent={intent}"' in html
    assert f'href="{reverse("conversation", args=[account.workspace.slug, complaint.pk])}"' in html
    assert "The cake was stale" in html
    assert f'href="{reverse("approvals", args=[account.workspace.slug])}"' in html
    assert html.index('data-testid="dash-complaints"') < html.index('data-testid="dash-today"')


def test_posts_due_today_and_failures_link_to_their_pages(
    signed_in: Client, account: ConnectedAccount
) -> None:
    slug = account.workspace.slug
    due = Post.objects.create(workspace=account.workspace, text="Fresh rolls", status="scheduled")
    PostTarget.objects.create(
        post=due,
        account=account,
        text="Fresh rolls at noon",
        state=TargetState.SCHEDULED,
        scheduled_at=NOW + timedelta(hours=2),
    )
    failed = Post.objects.create(workspace=account.workspace, text="Oops", status=PostStatus.FAILED)
    PostTarget.objects.create(
        post=failed, account=account, text="Oops text", state=TargetState.FAILED, error="refused"
    )
    reply = Reply.objects.create(
        conversation=convo(account, 4, "question"), text="Sorry!", status=ReplyStatus.FAILED
    )
    html = page(signed_in, account.workspace)
    assert f'href="{reverse("post", args=[slug, due.pk])}"' in html
    assert "Fresh rolls at noon" in html
    assert f'href="{reverse("post", args=[slug, failed.pk])}"' in html
    convo_url = reverse("conversation", args=[slug, reply.conversation_id])
    assert f'href="{convo_url}"' in html
    assert f'href="{reverse("calendar", args=[slug])}"' in html


def test_a_new_workspace_sees_the_guided_start_with_a_connect_button(
    signed_in: Client, workspace: Workspace
) -> None:
    html = page(signed_in, workspace)
    assert 'data-testid="guided-start"' in html
    connect = reverse("connect", args=[workspace.slug])
    assert f'class="button secondary" href="{connect}" data-testid="start-connect-button"' in html
    workshop = reverse("plan_wizard", args=[workspace.slug])
    # the first step not done is the one pointed at: the primary button
    assert f'class="button" href="{workshop}" data-testid="start-workshop-button"' in html
    assert 'data-done="true"' not in html


def test_done_steps_are_ticked_and_the_start_goes_once_the_basics_are_done(
    signed_in: Client, account: ConnectedAccount, owner: User
) -> None:
    workspace = account.workspace
    html = page(signed_in, workspace)
    assert 'data-testid="start-connect" data-done="true"' in html
    assert 'data-testid="start-workshop" data-done="false"' in html
    Plan.objects.create(workspace=workspace, version=1, answers={}, content={})
    answered = convo(account, 1, "question")
    answered.first_response_at = NOW
    answered.save()
    html = page(signed_in, workspace)
    assert 'data-testid="start-workshop" data-done="true"' in html
    assert 'data-testid="start-inbox" data-done="true"' in html
    assert f'class="button" href="{reverse("compose", args=[workspace.slug])}"' in html
    Post.objects.create(workspace=workspace, text="Hello", status=PostStatus.SCHEDULED)
    assert 'data-testid="guided-start"' not in page(signed_in, workspace)


def test_a_helper_does_not_see_owner_only_items(client: Client, account: ConnectedAccount) -> None:
    client.force_login(add_member(account.workspace, "helper@bakery.example", Role.HELPER))
    convo(account, 1, "complaint")
    html = page(client, account.workspace)
    assert 'data-testid="dash-complaints"' in html
    for owner_only in ("guided-start", "dash-approvals", "dash-plan", "dash-offers"):
        assert f'data-testid="{owner_only}"' not in html
    assert reverse("approvals", args=[account.workspace.slug]) not in html


def test_another_workspaces_data_never_shows(signed_in: Client, account: ConnectedAccount) -> None:
    stranger = services.create_user("other@shop.example", "another long password")
    theirs = services.create_workspace(stranger, "Other Shop")
    their_account = ConnectedAccount.objects.create(workspace=theirs, network="fake", handle="o")
    secret = convo(their_account, 9, "complaint", "SECRET complaint of the other shop")
    Reply.objects.create(conversation=secret, text="SECRET reply", status=ReplyStatus.FAILED)
    html = page(signed_in, account.workspace)
    assert "SECRET" not in html and "person9" not in html and "Pat 9" not in html
    assert 'data-testid="open-count">0<' in html


def test_user_text_is_escaped(signed_in: Client, account: ConnectedAccount) -> None:
    convo(account, 1, "complaint", "<script>alert(1)</script>")
    html = page(signed_in, account.workspace)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("role", [Role.OWNER, Role.HELPER])
def test_the_query_count_does_not_grow_with_the_workspace(
    client: Client, account: ConnectedAccount, owner: User, role: Role
) -> None:
    user = owner if role == Role.OWNER else add_member(account.workspace, "h@b.example", role)
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, account.workspace)
        return len(captured)

    for n in range(3):
        convo(account, n, ["complaint", "question", "lead"][n % 3])
    few = queries()
    for n in range(3, 30):
        convo(account, n, ["complaint", "question", "lead"][n % 3])
    assert queries() == few
    assert few <= 30


def test_the_plans_next_steps_leave_out_what_is_done(
    signed_in: Client, account: ConnectedAccount
) -> None:
    from porch.plans.questions import NETWORKS

    ConnectedAccount.objects.filter(pk=account.pk).update(network=next(iter(NETWORKS)))
    connected = next(iter(NETWORKS))
    other = next(n for n in NETWORKS if n != connected)
    Plan.objects.create(
        workspace=account.workspace, version=1, answers={}, content={"networks": [connected, other]}
    )
    html = page(signed_in, account.workspace)
    assert f"Connect your {NETWORKS[other]} account" in html
    assert f"Connect your {NETWORKS[connected]} account" not in html


@time_machine.travel(NOW, tick=False)
def test_the_demo_s_running_offers_show_their_sales_as_money(client: Client, db: None) -> None:
    workspace, _ = load_demo()
    client.force_login(User.objects.get(username=DEMO_EMAIL))
    page = client.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    offers = page.split('data-testid="dash-offers"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"redeemed, £\d[\d,]*\.\d\d in sales", offers), offers
