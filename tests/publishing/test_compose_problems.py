"""compose.problems: every version's problems at once (the API lists them all, each with its
account, network and field); compose.check still raises the first, as the composer shows."""

from datetime import UTC, datetime

import pytest

from porch.publishing.compose import ComposeError, Draft, Image, Problem, Version, check, problems
from porch.publishing.models import Visibility
from porch.workspaces.models import ConnectedAccount, Workspace

NOW = datetime(2026, 11, 15, 0, 5, tzinfo=UTC)  # a Sunday, five past midnight


def fake_account(workspace: Workspace, handle: str, max_length: int = 0) -> ConnectedAccount:
    """An account on the fake network; `max_length` sets its length limit (500 otherwise)."""
    account = ConnectedAccount(
        workspace=workspace, network="fake", handle=handle, timezone="Europe/London"
    )
    account.set_credentials({"max_length": max_length} if max_length else {})
    account.save()
    return account


def x_account(workspace: Workspace, handle: str) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle=handle, timezone="Europe/London"
    )


def test_every_versions_problems_are_listed_with_account_network_and_field(
    workspace: Workspace,
) -> None:
    short = fake_account(workspace, "short", max_length=20)
    roomy = fake_account(workspace, "roomy")
    x = x_account(workspace, "bakery")
    draft = Draft(
        "Cinnamon buns, two for one, all day today",
        [
            Version(short, "Cinnamon buns, two for one, all day today"),
            Version(roomy, "   "),
            Version(x, "b" * 290),
        ],
    )
    found = problems(draft)
    assert [(p.version, p.account_id, p.network, p.field) for p in found] == [
        (0, short.pk, "fake", "text"),
        (1, roomy.pk, "fake", "text"),
        (2, x.pk, "x", "text"),
    ]
    assert found[0].message.startswith("Too long for ") and " by 21:" in found[0].message
    assert "is empty" in found[1].message
    assert " by 10:" in found[2].message  # X's own count: 290 of 280
    with pytest.raises(ComposeError) as raised:
        check(draft, NOW)
    assert raised.value.message == found[0].message  # the composer's message, unchanged


def test_a_thread_fits_and_a_good_draft_has_no_problems(workspace: Workspace) -> None:
    short = fake_account(workspace, "short", max_length=20)
    draft = Draft("x", [Version(short, "One two three four five six seven", thread=True)])
    assert problems(draft) == []
    assert check(draft, NOW) == []


def test_draft_wide_and_image_problems(workspace: Workspace) -> None:
    assert problems(Draft("Hello", [])) == [
        Problem("Pick at least one account to post to.", "versions")
    ]
    roomy = fake_account(workspace, "roomy")
    images = [Image(b"gif", "image/gif", "a bun"), Image(b"gif", "image/gif", " ")]
    found = problems(Draft("Hello", [Version(roomy, "Hello")], images=images))
    assert [(p.field, p.account_id) for p in found] == [("images[1].alt_text", roomy.pk)]
    odd = problems(Draft("Hello", [Version(roomy, "Hello")], visibility="friends"))
    assert [(p.field, p.version) for p in odd] == [("visibility", None)]


def test_x_refuses_one_text_on_two_accounts_and_followers_only_needs_a_choice(
    workspace: Workspace,
) -> None:
    first, second = x_account(workspace, "one"), x_account(workspace, "two")
    same = Draft("Same", [Version(first, "Fresh bread"), Version(second, "fresh  BREAD")])
    found = problems(same)
    assert [(p.field, p.version, p.account_id, p.network) for p in found] == [
        ("text", 1, second.pk, "x")
    ]
    assert "does not allow the same text on several accounts" in found[0].message
    followers = Draft(
        "Members' offer",
        [Version(first, "Members' offer"), Version(fake_account(workspace, "f"), "Members")],
        visibility=Visibility.FOLLOWERS,
    )
    found = problems(followers)
    assert [(p.field, p.version, p.account_id) for p in found] == [("public_there", 0, first.pk)]
    chosen = Draft(
        "Members' offer",
        [Version(first, "Members' offer", public_there=True)],
        visibility=Visibility.FOLLOWERS,
    )
    assert problems(chosen) == []
