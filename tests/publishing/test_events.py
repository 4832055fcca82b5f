"""Publishing tells each target's outcome (porch.core.events) where it records it: a target
published, once; a target failed for good (a refusal, a signed-out account), never one that
Porch will try again; never the demo's."""

from porch.core.events import EVENT_TYPES
from porch.publishing.engine import MAX_ATTEMPTS, publish_due
from porch.publishing.models import Post, PostTarget, TargetState
from porch.workspaces.models import AccountStatus, ConnectedAccount, Workspace
from tests.event_capture import Emitted, emitted
from tests.networks.mastodon.conftest import Mock

from .conftest import schedule

__all__ = ["emitted"]


def test_the_types_are_registered_with_their_examples() -> None:
    for name in ("post.published", "post.failed"):
        assert EVENT_TYPES[name].description and EVENT_TYPES[name].example


def test_a_published_target_is_told_once(
    mastodon_account: ConnectedAccount, mock: Mock, emitted: Emitted
) -> None:
    target = schedule(mastodon_account, "Fresh sourdough at 8")
    assert publish_due("w1") == 1
    assert publish_due("w2") == 0
    target.refresh_from_db()
    (event,) = emitted
    assert target.published_at is not None
    assert (event.type, event.workspace_id, event.at) == (
        "post.published",
        mastodon_account.workspace_id,
        target.published_at,
    )
    assert event.data == {
        "post": target.post_id,
        "target": target.pk,
        "account": mastodon_account.pk,
        "network": "mastodon",
        "external_id": target.external_id,
        "url": target.url,
        "published_at": target.published_at.isoformat(),
    }


def test_a_repeating_post_tells_each_time_it_goes_out(
    mastodon_account: ConnectedAccount, mock: Mock, emitted: Emitted
) -> None:
    target = schedule(mastodon_account, "Pie Friday")
    Post.objects.filter(pk=target.post_id).update(repeat_every_days=7)
    assert publish_due("w1") == 1
    (event,) = emitted
    assert event.data["target"] == target.pk
    assert PostTarget.objects.filter(state=TargetState.SCHEDULED).count() == 1  # the repeat


def test_a_retry_is_not_a_failure_and_a_refusal_is(
    mastodon_account: ConnectedAccount, mock: Mock, emitted: Emitted
) -> None:
    target = schedule(mastodon_account, "Sourdough class on Saturday")
    mock.fault("/api/v1/statuses", {"type": "status", "status": 502}, ["POST"])
    assert publish_due("w1") == 0
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED and emitted == []  # Porch tries again

    body = {"error": "Validation failed: Text character limit of 500 exceeded"}
    mock.fault("/api/v1/statuses", {"type": "status", "status": 422, "body": body}, ["POST"])
    PostTarget.objects.filter(pk=target.pk).update(retry_at=None, check_first=False)  # due
    assert publish_due("w1") == 0
    target.refresh_from_db()
    assert target.state == TargetState.FAILED
    (event,) = emitted
    assert event.type == "post.failed"
    assert event.data == {
        "post": target.post_id,
        "target": target.pk,
        "account": mastodon_account.pk,
        "network": "mastodon",
        "error": target.error,
    }
    assert "Shorten it" in event.data["error"]


def test_the_last_transient_failure_is_told(
    mastodon_account: ConnectedAccount, mock: Mock, emitted: Emitted
) -> None:
    target = schedule(mastodon_account, "Scones at 3")
    PostTarget.objects.filter(pk=target.pk).update(attempts=MAX_ATTEMPTS)
    mock.fault("/api/v1/statuses", {"type": "status", "status": 429}, ["POST"])
    publish_due("w1")
    target.refresh_from_db()
    assert target.state == TargetState.FAILED and "kept failing" in target.error
    assert [(e.type, e.data["error"]) for e in emitted] == [("post.failed", target.error)]


def test_a_signed_out_account_fails_its_target_for_good_and_says_so(
    mastodon_account: ConnectedAccount, emitted: Emitted
) -> None:
    ConnectedAccount.objects.filter(pk=mastodon_account.pk).update(
        status=AccountStatus.NEEDS_RECONNECT, status_detail="token revoked"
    )
    target = schedule(mastodon_account, "Rye is back")
    publish_due("w1")
    target.refresh_from_db()
    assert target.state == TargetState.FAILED
    (event,) = emitted
    assert event.type == "post.failed" and "Reconnect the account" in event.data["error"]


def test_the_demos_posts_are_never_told(workspace: Workspace, emitted: Emitted) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="mastodon", handle="corner", is_demo=True
    )
    schedule(account, "Part one.")
    assert publish_due("w1") == 1
    assert emitted == []
