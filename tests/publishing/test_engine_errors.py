"""The engine explains a refusal by the kind of error the network mapped it to (ErrorCode),
never by the words of the network's message."""

import pytest

from porch.networks.base import ErrorCode, NetworkError
from porch.publishing.engine import explain, publish_due
from porch.publishing.models import PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.networks.mastodon.conftest import Mock

from .conftest import schedule


def unsaved_target(workspace: Workspace) -> PostTarget:
    account = ConnectedAccount(
        workspace=workspace, network="mastodon", handle="bakery@example.social"
    )
    return PostTarget(account=account, text="Sourdough at 8")


def test_a_too_long_refusal_asks_to_shorten_whatever_its_words(workspace: Workspace) -> None:
    refused = NetworkError("Validation failed", permanent=True, code=ErrorCode.TOO_LONG)
    assert explain(unsaved_target(workspace), refused, None) == (
        "Mastodon refused it: Validation failed. Shorten it, then press Retry."
    )


def test_a_message_that_says_long_is_not_a_too_long_refusal(workspace: Workspace) -> None:
    gone = "The post being replied to was deleted or is no longer visible."
    refused = NetworkError(gone, permanent=True, code=ErrorCode.NOT_FOUND)
    assert explain(unsaved_target(workspace), refused, None) == (
        f"Mastodon refused it: {gone}. Edit it, then press Retry."
    )


def test_the_servers_character_limit_refusal_asks_to_shorten(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, "Sourdough class on Saturday")
    body = {"error": "Validation failed: Text character limit of 500 exceeded"}
    mock.fault("/api/v1/statuses", {"type": "status", "status": 422, "body": body}, ["POST"])
    publish_due("w1")
    target.refresh_from_db()
    assert target.state == TargetState.FAILED
    assert target.error == (
        "Mastodon refused it: Validation failed: Text character limit of 500 exceeded. "
        "Shorten it, then press Retry."
    )


@pytest.mark.parametrize(("network", "retried"), [("mastodon", False), ("bluesky", True)])
def test_a_threads_part_whose_parent_is_gone_fails_at_once_unless_posts_show_late(
    workspace: Workspace, network: str, retried: bool
) -> None:
    """Bluesky shows a new post late, so "not found" may mean "not yet"; elsewhere the part
    before was deleted, and retrying cannot help. (The demo's accounts run on the fake
    network, whose "not found" is an ErrorCode.NOT_FOUND like each network's.)"""
    account = ConnectedAccount.objects.create(
        workspace=workspace, network=network, handle="corner", is_demo=True
    )
    target = schedule(account, "Part one.", parts=["Part two."])
    PostTarget.objects.filter(pk=target.pk).update(part_ids=["fake-999"])  # sent, then deleted
    publish_due("w1")
    target.refresh_from_db()
    assert target.state == (TargetState.SCHEDULED if retried else TargetState.FAILED)
    assert (target.retry_at is not None) == retried
