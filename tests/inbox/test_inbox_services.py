"""The inbox's services check the member's role and workspace themselves, whatever page or
API calls them: the conversation's triage and notes, saved replies and the settings."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from porch.errors import InputError, NotAllowed
from porch.inbox import services
from porch.inbox.models import (
    ConversationStatus,
    InboxSettings,
    Intent,
    Note,
    SavedReply,
)
from porch.triage.models import TriageCorrection
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member
from tests.inbox.test_inbox import conversation

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def member_of(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop.test")


@pytest.fixture
def helper(workspace: Workspace) -> User:
    return add_member(workspace, "helper@bakery.example", Role.HELPER)


@pytest.fixture
def outsider() -> Membership:
    stranger = workspaces.create_user("x@other.example", "correct horse battery staple")
    theirs = workspaces.create_workspace(stranger, "Other")
    return member_of(theirs, stranger)


def test_a_helpers_new_intent_is_a_correction_the_model_learns_from(
    workspace: Workspace, helper: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "question", AT)
    services.update_conversation(
        member_of(workspace, helper),
        helper,
        convo,
        status=ConversationStatus.RESOLVED,
        intent=Intent.COMPLAINT,
        assigned_to=helper.pk,
    )
    convo.refresh_from_db()
    assert (convo.status, convo.intent, convo.assigned_to) == ("resolved", "complaint", helper)
    assert convo.resolved_at is not None
    correction = TriageCorrection.objects.get()
    assert (correction.text, correction.intent, correction.created_by) == (
        "text 1 question",
        "complaint",
        helper,
    )
    assert convo.messages.get().intent == "complaint"


def test_the_same_intent_records_no_correction(
    workspace: Workspace, owner: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "question", AT)
    member = member_of(workspace, owner)
    services.update_conversation(
        member, owner, convo, status="waiting", intent="question", assigned_to=None
    )
    assert not TriageCorrection.objects.exists()
    assert convo.status == "waiting"


@pytest.mark.parametrize(
    ("status", "intent"), [("gone", "question"), ("open", "gossip"), ("open", "")]
)
def test_an_unknown_status_or_intent_is_refused_in_words(
    workspace: Workspace, owner: User, account: ConnectedAccount, status: str, intent: str
) -> None:
    convo = conversation(account, 1, "question", AT)
    with pytest.raises(InputError, match="Not saved: pick a status"):
        services.update_conversation(
            member_of(workspace, owner),
            owner,
            convo,
            status=status,
            intent=intent,
            assigned_to=None,
        )
    assert not TriageCorrection.objects.exists()


def test_only_a_member_of_the_team_is_assigned(
    workspace: Workspace, owner: User, account: ConnectedAccount, outsider: Membership
) -> None:
    convo = conversation(account, 1, "question", AT)
    with pytest.raises(InputError, match="a member of this team"):
        services.update_conversation(
            member_of(workspace, owner),
            owner,
            convo,
            status="open",
            intent="question",
            assigned_to=outsider.user_id,
        )
    convo.refresh_from_db()
    assert convo.assigned_to is None


def test_another_workspace_cannot_touch_the_conversation(
    account: ConnectedAccount, outsider: Membership
) -> None:
    convo = conversation(account, 1, "question", AT)
    with pytest.raises(NotAllowed):
        services.update_conversation(
            outsider, outsider.user, convo, status="spam", intent="spam", assigned_to=None
        )
    with pytest.raises(NotAllowed):
        services.add_note(outsider, outsider.user, convo, "mine now")
    convo.refresh_from_db()
    assert convo.intent == "question" and not Note.objects.exists()
    assert not TriageCorrection.objects.exists()


def test_anyone_in_the_team_adds_a_note_but_not_an_empty_one(
    workspace: Workspace, helper: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "question", AT)
    services.add_note(member_of(workspace, helper), helper, convo, "Called them back")
    with pytest.raises(InputError, match="empty"):
        services.add_note(member_of(workspace, helper), helper, convo, "  ")
    assert [n.text for n in Note.objects.all()] == ["Called them back"]


def test_saved_replies_and_settings_are_an_owners_or_managers(
    workspace: Workspace, owner: User, helper: User, outsider: Membership
) -> None:
    them = member_of(workspace, helper)
    with pytest.raises(NotAllowed):
        services.add_saved_reply(them, "Hours", "We open at 8.")
    item = services.add_saved_reply(member_of(workspace, owner), "Hours", "We open at 8.")
    with pytest.raises(NotAllowed):
        services.change_saved_reply(them, item, "Hours", "We never open.")
    with pytest.raises(NotAllowed):
        services.delete_saved_reply(outsider, item)
    assert SavedReply.objects.get().text == "We open at 8."
    config = InboxSettings.of(workspace)
    config.first_response_target = 5
    with pytest.raises(NotAllowed):
        services.save_settings(them, config)
    with pytest.raises(NotAllowed):
        services.save_settings(outsider, config)
    assert InboxSettings.of(workspace).first_response_target != 5
    services.save_settings(member_of(workspace, owner), config)
    assert InboxSettings.of(workspace).first_response_target == 5
