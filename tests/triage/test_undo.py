"""What the owner sees of triage's learning, and undoing a retrain.

Retrains here use `always(intent)` (tests/triage/test_learning.py): a fast-tier model that
gives one intent to every message, so each figure is counted by hand whatever the shipped
models say, and a retrain takes milliseconds.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.errors import Conflict, NotAllowed
from porch.triage import services
from porch.triage.learning import Correction, retrain
from porch.triage.loading import best_classifier
from porch.triage.models import WorkspaceModel
from porch.workspaces import services as workspaces
from porch.workspaces.models import Membership, Role, Workspace
from tests.conftest import add_member
from tests.triage.test_learning import COMPLAINTS, ORDERED, ORDERS, UNSEEN, always

T0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
# Complaints that an "always lead" model gets wrong and an "always complaint" model right.
MORE_COMPLAINTS = [
    Correction(f"@bakery the {item} was stale again, not good enough", "complaint")
    for item in ("loaf", "bun", "scone", "tart", "roll", "pie", "cake")
]
PRAISE = "@bakery thank you, the birthday cake was perfect and everyone loved it"


def correct(workspace: Workspace, corrections: list[Correction]) -> None:
    for correction in corrections:
        services.record_correction(
            workspace, correction.text, correction.intent, retrain_soon=False
        )


def member_of(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def in_use_version(workspace: Workspace) -> str:
    return services.classifier_for(workspace).version


@pytest.fixture
def owner_member(workspace: Workspace, owner: User) -> Membership:
    return member_of(workspace, owner)


@pytest.fixture
def two_changes(workspace: Workspace) -> tuple[WorkspaceModel, WorkspaceModel]:
    """v1 says "lead" to everything, learnt from the 10 orders; v2 says "complaint" to
    everything but the orders ("other"), learnt from them and 12 complaints: 12 of 22 right,
    as many as the shipped model, and all 22 told right as complaint or not (the shipped
    model, 17): put in use."""
    correct(workspace, ORDERS)
    first = services.retrain_workspace(workspace, trainer=always("lead"))
    correct(workspace, COMPLAINTS + MORE_COMPLAINTS)
    second = services.retrain_workspace(workspace, trainer=always("complaint", unless=ORDERED))
    assert first.promoted and second.promoted
    return first, second


@pytest.mark.django_db
def test_with_no_corrections_nothing_is_learnt_and_nothing_can_be_undone(
    workspace: Workspace,
) -> None:
    summary = services.learning_summary(workspace)
    assert (summary.corrections, summary.learnt_from, summary.waiting) == (0, 0, 0)
    assert summary.last is None and summary.in_use is None
    assert not summary.retrain_waiting and not summary.can_undo
    assert services.learnt(workspace) == services.Learnt(corrections=0, learnt_from=0)


@pytest.mark.django_db
def test_the_summary_counts_what_the_last_retrain_did_on_corrections_it_had_not_seen(
    workspace: Workspace,
) -> None:
    correct(workspace, ORDERS)
    assert services.learning_summary(workspace).waiting == len(ORDERS)  # none learnt yet
    with time_machine.travel(T0, tick=False):
        first = services.retrain_workspace(workspace, trainer=always("lead"))
        correct(workspace, COMPLAINTS + MORE_COMPLAINTS)
        second = services.retrain_workspace(workspace, trainer=always("complaint", unless=ORDERED))
    summary = services.learning_summary(workspace)
    assert summary.corrections == summary.learnt_from == 22
    last = summary.last
    assert last is not None and last == summary.in_use
    assert (last.version, last.at, last.promoted, last.held_back) == (2, T0, True, True)
    # Each correction sorted by a version fitted without it: 12 complaints right of 22; the
    # shipped model, taught none of them, gets the 12 complaints and none of the orders.
    assert (last.right, last.corrections, last.before) == (12, 22, 12)
    assert not summary.retrain_waiting and summary.can_undo
    assert services.learnt(workspace) == services.Learnt(corrections=22, learnt_from=22)
    assert first.version == 1 and second.version == 2


@pytest.mark.django_db
def test_a_retrain_that_did_not_help_is_kept_out_and_new_corrections_wait(
    workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    kept_out = services.retrain_workspace(workspace, trainer=always("spam"))
    assert not kept_out.promoted
    correct(workspace, [Correction("@bakery do you open on Sundays?", "question")] * 2)
    summary = services.learning_summary(workspace)
    assert summary.last is not None and summary.in_use is not None
    assert (summary.last.version, summary.last.promoted) == (3, False)
    assert (summary.last.right, summary.last.before) == (0, 12)
    assert summary.in_use.version == 2 and summary.learnt_from == 22
    assert (summary.corrections, summary.waiting) == (24, 2)
    assert summary.retrain_waiting


@pytest.mark.django_db
def test_with_fewer_than_five_corrections_the_figure_is_on_those_it_was_taught(
    workspace: Workspace,
) -> None:
    correct(workspace, ORDERS[:3])
    services.retrain_workspace(workspace, trainer=always("lead"))
    last = services.learning_summary(workspace).last
    assert last is not None and not last.held_back
    assert (last.right, last.corrections) == (3, 3)


@pytest.mark.django_db
def test_an_owner_undoes_the_last_change_and_the_version_before_classifies_again(
    workspace: Workspace,
    owner: User,
    owner_member: Membership,
    two_changes: tuple[WorkspaceModel, WorkspaceModel],
) -> None:
    first, second = two_changes
    assert services.classifier_for(workspace).classify([PRAISE])[0].intent == "complaint"
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        undone = services.undo_retrain(workspace, owner_member)
    assert undone.pk == second.pk and not undone.promoted
    assert undone.metrics["undone"] is True
    assert undone.metrics["undone_by"] == owner.email
    assert datetime.fromisoformat(undone.metrics["undone_at"]) == T0 + timedelta(hours=2)
    assert undone.metrics["corrections"] == 22  # the figures stay for the page
    assert services.active_model(workspace) == first
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v1"
    assert services.classifier_for(workspace).classify([PRAISE])[0].intent == "lead"
    summary = services.learning_summary(workspace)
    assert summary.last is not None and summary.last.undone
    assert summary.last.undone_by == owner.email and summary.learnt_from == 10
    assert summary.undone == summary.last
    assert summary.in_use is not None and summary.in_use.version == 1
    assert summary.can_undo  # v1 goes back to the shipped model
    services.undo_retrain(workspace, owner_member)
    assert services.active_model(workspace) is None
    assert services.classifier_for(workspace) is best_classifier()
    summary = services.learning_summary(workspace)
    assert summary.learnt_from == 0 and not summary.can_undo
    with pytest.raises(Conflict, match="no change to undo"):
        services.undo_retrain(workspace, owner_member)


@pytest.mark.django_db
def test_a_manager_may_undo_a_helper_may_not(
    workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    helper = member_of(workspace, add_member(workspace, "helper@bakery.example", Role.HELPER))
    with pytest.raises(NotAllowed, match="owner or manager"):
        services.undo_retrain(workspace, helper)
    assert services.active_model(workspace) == two_changes[1]
    manager = member_of(workspace, add_member(workspace, "manager@bakery.example", Role.MANAGER))
    services.undo_retrain(workspace, manager)
    assert services.active_model(workspace) == two_changes[0]


@pytest.mark.django_db
def test_the_owner_of_another_workspace_cannot_undo_this_one(
    workspace: Workspace, two_changes: tuple[WorkspaceModel, WorkspaceModel]
) -> None:
    stranger = workspaces.create_user("owner@elsewhere.example", "long enough password 1")
    theirs = workspaces.create_workspace(stranger, "Elsewhere", "UTC")
    with pytest.raises(NotAllowed):
        services.undo_retrain(workspace, member_of(theirs, stranger))
    assert services.active_model(workspace) == two_changes[1]


@pytest.mark.django_db
def test_an_undone_model_is_never_used_again_and_the_next_retrain_compares_with_the_shipped(
    workspace: Workspace,
    owner_member: Membership,
    two_changes: tuple[WorkspaceModel, WorkspaceModel],
) -> None:
    first, second = two_changes
    services.undo_retrain(workspace, owner_member)
    # Not even if its row were promoted again by hand (the admin): the undo mark wins.
    WorkspaceModel.objects.filter(pk=second.pk).update(promoted=True)
    assert services.active_model(workspace) == first
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v1"
    WorkspaceModel.objects.filter(pk=second.pk).update(promoted=False)
    # The next retrain is scored against the shipped model (12 of 22 right), never a version
    # that was taught the corrections (v1 or the undone v2).
    third = services.retrain_workspace(workspace, trainer=always("spam"))
    assert third.metrics["current_accuracy"] == pytest.approx(12 / 22)
    assert not third.promoted
    undone = services.learning_summary(workspace).undone  # said until a newer one is in use
    assert undone is not None and undone.version == second.version
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v1"
    # The next retrain that does as well as the shipped model is promoted as usual, even one
    # that sorts like the undone version: the owner's next correction teaches it again.
    fourth = services.retrain_workspace(workspace, trainer=always("complaint", unless=ORDERED))
    assert fourth.metrics["current_accuracy"] == pytest.approx(12 / 22)
    assert fourth.promoted and services.active_model(workspace) == fourth
    assert services.learning_summary(workspace).undone is None
    second.refresh_from_db()
    assert not second.promoted and second.metrics["undone"] is True


@pytest.mark.django_db
def test_the_version_before_the_one_in_use_keeps_its_files_so_undo_can_go_back(
    workspace: Workspace, owner_member: Membership
) -> None:
    correct(workspace, ORDERS)
    first, second, third = (
        services.retrain_workspace(workspace, trainer=always("lead")) for _ in range(3)
    )
    assert first.promoted and second.promoted and third.promoted  # ties are promoted
    assert [Path(r.path).is_dir() for r in (first, second, third)] == [False, True, True]
    services.undo_retrain(workspace, owner_member)
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v2"
    assert services.classifier_for(workspace).classify([UNSEEN])[0].intent == "lead"
    # v1's files went when v3 came: Porch cannot go back to it, and says so.
    assert not services.learning_summary(workspace).can_undo
    with pytest.raises(Conflict, match="cannot go back further"):
        services.undo_retrain(workspace, owner_member)
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v2"
    # A kept-out retrain after the undo keeps v2's files (in use) and its own (the newest):
    # "all spam" gets the complaints wrong, which the shipped model gets right.
    correct(workspace, COMPLAINTS)
    fourth = services.retrain_workspace(workspace, trainer=always("spam"))
    assert not fourth.promoted
    on_disk = [Path(r.path).is_dir() for r in (first, second, third, fourth)]
    assert on_disk == [False, True, False, True]


@pytest.mark.django_db
def test_the_task_retrains_once_for_a_run_of_corrections_and_again_when_forced(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert services.retrain_if_new(workspace) is None  # nothing to learn from
    correct(workspace, ORDERS)
    fast = services.retrain_workspace

    def quick(ws: Workspace, trainer: object = None) -> WorkspaceModel:
        return fast(ws, trainer=always("lead"))

    monkeypatch.setattr(services, "retrain_workspace", quick)
    made = services.retrain_if_new(workspace)
    assert made is not None and made.version == 1
    assert services.retrain_if_new(workspace) == made  # the same corrections: no new version
    forced = services.retrain_if_new(workspace, force=True)  # a retired model's relearning
    assert forced is not None and forced.version == 2
    correct(workspace, COMPLAINTS[:1])
    newer = services.retrain_if_new(workspace)
    assert newer is not None and newer.version == 3


@pytest.mark.django_db
def test_two_retrains_at_once_each_get_their_own_version_and_files(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker claims the next version while this one trains: this one takes the one
    after, and the other's row and files are left alone."""
    correct(workspace, ORDERS)

    def raced(*args: object, **kwargs: object) -> object:
        outcome = retrain(*args, **kwargs)  # type: ignore[arg-type]
        WorkspaceModel.objects.create(  # claimed, its files being written
            workspace=workspace,
            version=1,
            path=str(services.model_dir(workspace, 1)),
            metrics={services.SAVING: True},
        )
        services.model_dir(workspace, 1).mkdir(parents=True)
        (services.model_dir(workspace, 1) / "theirs").write_text("the other worker's")
        return outcome

    monkeypatch.setattr(services, "retrain", raced)
    mine = services.retrain_workspace(workspace, trainer=always("lead"))
    assert mine.version == 2 and mine.promoted and services.SAVING not in mine.metrics
    assert (services.model_dir(workspace, 1) / "theirs").read_text() == "the other worker's"
    assert in_use_version(workspace) == f"workspace-{workspace.pk}-v2"
