"""The inbox settings' "What Porch has learnt" card, its undo button, and the inbox's line."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from porch.triage import services
from porch.triage.learning import Correction
from porch.triage.models import WorkspaceModel
from porch.workspaces import services as workspaces
from porch.workspaces.models import Role, Workspace
from tests.conftest import add_member
from tests.triage.test_learning import COMPLAINTS, ORDERED, ORDERS, always
from tests.triage.test_undo import MORE_COMPLAINTS, correct

T0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
UNDO = "Undo the last change"


def settings_page(client: Client, workspace: Workspace) -> str:
    """The page's text; "2 hours" is written with a no-break space, read here as a space."""
    answer = client.get(reverse("inbox_settings", args=[workspace.slug]))
    assert answer.status_code == 200
    return answer.content.decode().replace("\xa0", " ")


def undo_url(workspace: Workspace) -> str:
    return reverse("inbox_undo_learning", args=[workspace.slug])


@pytest.fixture
def two_changes(workspace: Workspace) -> tuple[WorkspaceModel, WorkspaceModel]:
    """At T0: v1 ("lead" to everything, from the 10 orders), then v2 ("complaint" to
    everything but the orders, which it calls "other", from 22 corrections: 12 right, as many
    as the shipped model, and more told right as complaint or not)."""
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        correct(workspace, ORDERS)
        first = services.retrain_workspace(workspace, trainer=always("lead"))
    with time_machine.travel(T0, tick=False):
        correct(workspace, COMPLAINTS + MORE_COMPLAINTS)
        second = services.retrain_workspace(workspace, trainer=always("complaint", unless=ORDERED))
    return first, second


def test_before_any_correction_the_card_says_how_porch_learns(
    signed_in: Client, workspace: Workspace
) -> None:
    page = settings_page(signed_in, workspace)
    assert "What Porch has learnt" in page
    assert "When you change a conversation's type in the inbox, Porch learns from it." in page
    assert UNDO not in page


def test_the_card_says_in_words_what_the_last_change_did(
    signed_in: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    with time_machine.travel(T0 + timedelta(hours=2, minutes=10), tick=False):
        page = settings_page(signed_in, workspace)
    assert "Porch has learnt from all <b>22</b> of your corrections." in page
    assert (
        "Last change, 2 hours ago: tested fairly (each correction by a copy that had not seen "
        "it), it sorts <b>12 of 22</b> right; before it learnt from you, 12 of 22. "
        "Complaint or not, which Porch checks first: <b>22 of 22</b> right; before, 17."
    ) in page
    assert "accuracy" not in page.lower() and "v2" not in page
    assert "Waiting to learn" not in page
    assert UNDO in page and "before this change" in page
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert "Last change, just now: tested fairly" in settings_page(signed_in, workspace)


def test_a_change_that_did_not_help_is_said_and_new_corrections_wait(
    signed_in: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        services.retrain_workspace(workspace, trainer=always("spam"))
        correct(workspace, [Correction("@bakery are you open on Sunday?", "question")] * 2)
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        page = settings_page(signed_in, workspace)
    assert "Porch has learnt from <b>22</b> of your 24 corrections." in page
    assert (
        "Last try, 1 hour ago: Porch kept how it sorted before: "
        "the change did not help on your corrections. Tested fairly (each correction by a copy "
        "that had not seen it), it sorted 0 of 22 right; before it learnt from you, 12 of 22. "
        "Complaint or not, which Porch checks first: 10 of 22 right; before, 17."
    ) in page
    assert "Waiting to learn from 2 new corrections." in page
    assert "before the change made 4 hours ago" in page  # undo goes back before v2, in use


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_an_owner_or_manager_undoes_the_last_change_from_the_card(
    client: Client,
    workspace: Workspace,
    two_changes: tuple[WorkspaceModel, WorkspaceModel],
    role: Role,
) -> None:
    first = two_changes[0]
    if role == Role.OWNER:
        user = workspace.members.get().user
    else:
        user = add_member(workspace, "manager@bakery.example", role)
    client.force_login(user)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False) as traveller:
        assert UNDO in settings_page(client, workspace)
        answer = client.post(undo_url(workspace))
        assert answer.status_code == 302
        assert answer["Location"] == reverse("inbox_settings", args=[workspace.slug])
        assert services.active_model(workspace) == first
        traveller.shift(timedelta(minutes=5))
        page = settings_page(client, workspace)
    assert "Undone: Porch sorts your inbox as it did before the last change." in page
    assert 'class="flash success"' in page
    assert "Porch has learnt from <b>10</b> of your 22 corrections." in page
    assert (
        f"Last change, 2 hours ago: undone 5 minutes ago by {user.email}. "
        "Porch sorts as it did before that change."
    ) in page
    assert "before the change made 1 day ago" in page  # v1 can be undone in turn


def test_an_undo_from_a_page_drawn_before_a_newer_change_undoes_nothing(
    signed_in: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    """The page showed v1 in use; v2 came since: the button must not undo what was not shown."""
    first, second = two_changes
    assert f'name="version" value="{second.version}"' in settings_page(signed_in, workspace)
    answer = signed_in.post(undo_url(workspace), {"version": str(first.version)}, follow=True)
    page = answer.content.decode()
    assert "Porch learnt something new since you opened this page: nothing was undone." in page
    assert services.active_model(workspace) == second
    signed_in.post(undo_url(workspace), {"version": str(second.version)})
    assert services.active_model(workspace) == first


def test_when_the_version_before_is_gone_the_card_says_undo_cannot_go_further(
    signed_in: Client, workspace: Workspace
) -> None:
    correct(workspace, ORDERS)
    for _ in range(3):  # v1's files go when v3 comes; v2's stay for an undo of v3
        services.retrain_workspace(workspace, trainer=always("lead"))
    assert UNDO in settings_page(signed_in, workspace)
    assert signed_in.post(undo_url(workspace)).status_code == 302
    page = settings_page(signed_in, workspace)
    assert UNDO not in page
    assert "Porch cannot undo further back than this." in page


def test_an_undo_stays_said_after_a_retrain_that_was_kept_out(
    signed_in: Client,
    workspace: Workspace,
    owner: User,
    two_changes: tuple[WorkspaceModel, WorkspaceModel],
) -> None:
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert signed_in.post(undo_url(workspace)).status_code == 302
        correct(workspace, [Correction("@bakery are you open on Sunday?", "question")])
        assert not services.retrain_workspace(workspace, trainer=always("spam")).promoted
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        page = settings_page(signed_in, workspace)
    assert "Porch has learnt from <b>10</b> of your 23 corrections." in page
    assert "Last try, 2 hours ago: Porch kept how it sorted before" in page
    assert (
        f"The change made 3 hours ago was undone 2 hours ago by {owner.email}: "
        "Porch sorts as it did before that change."
    ) in page


def test_with_few_corrections_the_card_says_they_were_taught(
    signed_in: Client, workspace: Workspace
) -> None:
    correct(workspace, ORDERS[:3])
    with time_machine.travel(T0, tick=False):
        services.retrain_workspace(workspace, trainer=always("lead"))
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        page = settings_page(signed_in, workspace)
    assert "Last change, 2 days ago: on the 3 corrections it was taught, it sorts" in page


def test_undo_with_nothing_to_undo_says_so(signed_in: Client, workspace: Workspace) -> None:
    answer = signed_in.post(undo_url(workspace), follow=True)
    assert answer.status_code == 200
    assert "There is no change to undo" in answer.content.decode()


def test_a_helper_sees_the_card_but_cannot_undo_or_change_settings(
    client: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    client.force_login(add_member(workspace, "helper@bakery.example", Role.HELPER))
    page = settings_page(client, workspace)
    assert "Porch has learnt from all <b>22</b> of your corrections." in page
    assert UNDO not in page and undo_url(workspace) not in page
    assert 'data-testid="inbox-settings"' not in page  # the settings form is not there
    assert "Only an owner or manager can change the inbox settings." in page
    assert client.post(undo_url(workspace)).status_code == 403
    assert services.active_model(workspace) == two_changes[1]


def test_a_member_of_another_workspace_sees_nothing_and_undoes_nothing(
    client: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    stranger = workspaces.create_user("owner@elsewhere.example", "long enough password 1")
    workspaces.create_workspace(stranger, "Elsewhere", "UTC")
    client.force_login(stranger)
    assert client.get(reverse("inbox_settings", args=[workspace.slug])).status_code == 404
    assert client.post(undo_url(workspace)).status_code == 404
    assert services.active_model(workspace) == two_changes[1]


def test_undo_needs_a_post_with_the_csrf_token(
    workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(workspace.members.get().user)
    assert client.get(undo_url(workspace)).status_code == 405
    assert client.post(undo_url(workspace)).status_code == 403
    assert services.active_model(workspace) == two_changes[1]
    page = settings_page(client, workspace)
    form = page.split('data-testid="undo-learning"')[1].split("</form>")[0]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post(undo_url(workspace), {"csrfmiddlewaretoken": token}).status_code == 302
    assert services.active_model(workspace) == two_changes[0]


def test_the_inbox_says_how_many_corrections_porch_learnt_from(
    signed_in: Client, workspace: Workspace
) -> None:
    inbox = reverse("inbox", args=[workspace.slug])
    assert 'data-testid="learnt-line"' not in signed_in.get(inbox).content.decode()
    correct(workspace, ORDERS[:3])
    page = signed_in.get(inbox).content.decode()
    assert "Not learnt from your 3 corrections yet" in page
    correct(workspace, ORDERS[3:])
    services.retrain_workspace(workspace, trainer=always("lead"))
    correct(workspace, COMPLAINTS)
    page = signed_in.get(inbox).content.decode()
    line = page.split('data-testid="learnt-line">')[1].split("</p>")[0]
    assert line.startswith("Learnt from 10 of your 15 corrections · ")
    settings_link = reverse("inbox_settings", args=[workspace.slug]) + "#learnt"
    assert f'<a href="{settings_link}"' in line and "what Porch has learnt</a>" in line
    services.retrain_workspace(workspace, trainer=always("lead"))  # a tie: promoted
    page = signed_in.get(inbox).content.decode()
    assert "Learnt from 15 of your corrections · " in page


def test_the_inbox_line_costs_two_queries_and_the_refresh_none(
    signed_in: Client, workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    inbox = reverse("inbox", args=[workspace.slug])
    with CaptureQueriesContext(connection) as page:
        assert signed_in.get(inbox).status_code == 200
    with CaptureQueriesContext(connection) as refresh:
        assert signed_in.get(inbox, headers={"HX-Request": "true"}).status_code == 200
    learning = [q["sql"] for q in page.captured_queries if '"triage_' in q["sql"]]
    assert len(learning) == 2, learning
    assert not [q for q in refresh.captured_queries if '"triage_' in q["sql"]]
