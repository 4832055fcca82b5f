"""Who may call: revoked and expired tokens say so; a member's role is read afresh on every
call; a token's rate is limited; unknown tokens pause their address and their prefix."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from porch.api.models import ApiToken, FailedAuth
from porch.api.tokens import revoke
from porch.workspaces.models import Membership, Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import add_member

NOW = datetime.fromisoformat("2026-11-18T12:00Z")


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _code(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_revoked_and_expired_tokens_say_why(clock: Any, owner: User, workspace: Workspace) -> None:
    member = member_of(workspace, owner)
    revoked, expiring = token_text(member, ["read"]), token_text(member, ["read"], days=30)
    revoke(ApiToken.objects.get(prefix=revoked.split("_")[1]), member)
    assert _code(Api(revoked).get("/workspace")) == (401, "token_revoked")
    assert Api(expiring).get("/workspace").status_code == 200
    clock.shift(timedelta(days=30))
    assert _code(Api(expiring).get("/workspace")) == (401, "token_expired")
    assert not FailedAuth.objects.exists()  # real tokens are not guesses


def test_the_members_role_is_read_on_every_call(clock: Any, workspace: Workspace) -> None:
    user = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    api = Api(token_text(member_of(workspace, user), ["read"]))
    assert api.get("/workspace").json()["role"] == "manager"
    Membership.objects.filter(user=user).update(role=Role.HELPER)
    assert api.get("/workspace").json()["role"] == "helper"
    Membership.objects.filter(user=user).delete()  # removed from the workspace: token gone
    assert _code(api.get("/workspace")) == (401, "unauthenticated")


def test_a_token_has_a_rate_with_a_burst_and_a_retry_after(
    clock: Any, settings: Any, owner: User, workspace: Workspace
) -> None:
    settings.API_RATE = 3  # one call per 20 seconds, three at once
    api = Api(token_text(member_of(workspace, owner), ["read"]))
    for _ in range(3):
        assert api.get("/workspace").status_code == 200
    refused = api.get("/workspace")
    assert _code(refused) == (429, "rate_limited") and refused["Retry-After"] == "20"
    clock.shift(timedelta(seconds=19))
    refused = api.get("/workspace")
    assert _code(refused) == (429, "rate_limited") and refused["Retry-After"] == "1"
    clock.shift(timedelta(seconds=1))
    assert api.get("/workspace").status_code == 200
    assert _code(api.get("/workspace")) == (429, "rate_limited")
    assert ApiToken.objects.get().last_used_at == NOW + timedelta(seconds=20)


def test_each_token_has_its_own_rate(
    clock: Any, settings: Any, owner: User, workspace: Workspace
) -> None:
    settings.API_RATE = 1
    member = member_of(workspace, owner)
    first, second = Api(token_text(member, ["read"])), Api(token_text(member, ["read"]))
    assert first.get("/workspace").status_code == 200
    assert first.get("/workspace").status_code == 429
    assert second.get("/workspace").status_code == 200


def test_unknown_tokens_pause_their_address_for_the_window(
    clock: Any, settings: Any, owner: User, workspace: Workspace
) -> None:
    settings.API_MAX_FAILED_AUTH, settings.LOGIN_FAILURE_WINDOW = 3, 600
    good = token_text(member_of(workspace, owner), ["read"])
    here, there = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.2")
    for n in range(3):
        wrong = Api(f"porch_{n:012x}_guess", here).get("/workspace")
        assert _code(wrong) == (401, "unauthenticated")
    paused = Api(good, here).get("/workspace")
    assert _code(paused) == (429, "too_many_failed_auth") and paused["Retry-After"] == "600"
    assert Api(good, there).get("/workspace").status_code == 200  # another address: fine
    clock.shift(timedelta(seconds=599))
    assert Api(good, here).get("/workspace")["Retry-After"] == "1"
    clock.shift(timedelta(seconds=1))
    assert Api(good, here).get("/workspace").status_code == 200


def test_wrong_secrets_for_one_prefix_pause_guessing_it_not_the_token(
    clock: Any, settings: Any, owner: User, workspace: Workspace
) -> None:
    settings.API_MAX_FAILED_AUTH_PER_TOKEN = 2
    good = token_text(member_of(workspace, owner), ["read"])
    prefix = good.split("_")[1]
    for n in range(2):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert Api(f"porch_{prefix}_guess{n}", client).get("/workspace").status_code == 401
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    guess = Api(f"porch_{prefix}_guess9", elsewhere).get("/workspace")
    assert _code(guess) == (429, "too_many_failed_auth")
    # The right secret is never locked out by someone who saw the prefix.
    assert Api(good, elsewhere).get("/workspace").status_code == 200


def test_a_good_token_costs_no_failure_write(clock: Any, owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner), ["read"]))
    for _ in range(3):
        assert api.get("/workspace").status_code == 200
    assert not FailedAuth.objects.exists()
