"""Personal tokens: made once, stored hashed, found by prefix, scoped, expiring, revocable."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.api.models import ApiToken
from porch.api.tokens import create_token, find_token, revoke
from porch.errors import InputError, NotAllowed
from porch.workspaces.models import Membership, Role, Workspace
from tests.api.helpers import Api, member_of
from tests.conftest import add_member

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_token_is_shown_once_and_stored_only_as_a_hash(owner: User, workspace: Workspace) -> None:
    made = create_token(member_of(workspace, owner), " Zapier ", ["write", "read"], now=NOW)
    assert made.text.startswith(f"porch_{made.token.prefix}_")
    secret = made.text.rsplit("_", 1)[1]
    stored = ApiToken.objects.get()
    assert stored.name == "Zapier" and stored.scopes == ["read", "write"]
    assert secret not in stored.secret_hash and made.text not in repr(stored)
    assert stored.secret_hash not in repr(stored)
    assert stored.expires_at == NOW + timedelta(days=90)
    assert find_token(made.text) == stored
    assert find_token(made.text[:-1] + ("A" if made.text[-1] != "A" else "B")) is None
    assert find_token("porch_nothing") is None and find_token("ghp_x") is None


@pytest.mark.parametrize(
    ("scopes", "days", "says"),
    [
        ([], 90, "at least one scope"),
        (["read", "admin"], 90, "'admin' is not a scope"),
        (["read"], 7, "30, 90 or 365 days"),
    ],
)
def test_bad_scopes_or_days_are_refused(
    owner: User, workspace: Workspace, scopes: list[str], days: int, says: str
) -> None:
    with pytest.raises(InputError, match=says):
        create_token(member_of(workspace, owner), "x", scopes, days=days)
    assert not ApiToken.objects.exists()


def test_only_the_owner_makes_a_token_for_another_member(owner: User, workspace: Workspace) -> None:
    helper = member_of(workspace, add_member(workspace, "helper@bakery.example", Role.HELPER))
    manager = member_of(workspace, add_member(workspace, "manager@bakery.example", Role.MANAGER))
    with pytest.raises(NotAllowed):
        create_token(helper, "x", ["read"], by=manager)
    made = create_token(helper, "x", ["read"], by=member_of(workspace, owner))
    assert made.token.membership == helper and made.token.created_by == owner


def test_revoking_a_token_its_member_or_the_owner(owner: User, workspace: Workspace) -> None:
    helper = member_of(workspace, add_member(workspace, "helper@bakery.example", Role.HELPER))
    manager = member_of(workspace, add_member(workspace, "manager@bakery.example", Role.MANAGER))
    mine = create_token(helper, "mine", ["read"]).token
    with pytest.raises(NotAllowed):
        revoke(mine, manager)
    revoke(mine, member_of(workspace, owner), now=NOW)
    revoke(mine, helper, now=NOW + timedelta(hours=1))  # twice: the first time stays
    mine.refresh_from_db()
    assert mine.revoked_at == NOW


def test_an_expired_or_revoked_token_is_a_401_with_its_own_code(
    owner: User, workspace: Workspace
) -> None:
    member = member_of(workspace, owner)
    with time_machine.travel(NOW, tick=False):
        soon = create_token(member, "short", ["read"], days=30)
        gone = create_token(member, "gone", ["read"])
        revoke(gone.token, member)
        assert Api(soon.text).get("/workspace").status_code == 200
        answer = Api(gone.text).get("/workspace")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        answer = Api(soon.text).get("/workspace")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_expired"


def test_a_token_has_its_members_role_as_it_is_now(owner: User, workspace: Workspace) -> None:
    user = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    text = create_token(member_of(workspace, user), "x", ["read"]).text
    assert Api(text).get("/workspace").json()["role"] == "manager"
    Membership.objects.filter(user=user).update(role=Role.HELPER)
    assert Api(text).get("/workspace").json()["role"] == "helper"
    Membership.objects.filter(user=user).delete()  # removed: the tokens go with the membership
    assert not ApiToken.objects.exists()
    assert Api(text).get("/workspace").status_code == 401
