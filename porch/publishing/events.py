"""What publishing tells the API's webhooks (porch.core.events), in the transaction that
records a target's outcome: published, or failed for good (no retry left). The demo's
made-up posts stay in Porch."""

from typing import Any

from porch.core.events import EventType, emit, register_event_type
from porch.publishing.models import PostTarget

POST_PUBLISHED = EventType(
    "post.published",
    "A post went out on one of its accounts.",
    {
        "post": 31,
        "target": 58,
        "account": 2,
        "network": "<the account's network>",
        "external_id": "at://did:plc:abc/app.bsky.feed.post/3kaaa",
        "url": "https://bsky.app/profile/cornerbakery.example/post/3kaaa",
        "published_at": "2026-11-16T09:00:02+00:00",
    },
)

POST_FAILED = EventType(
    "post.failed",
    "A post could not go out on one of its accounts, and Porch will not try again by itself.",
    {
        "post": 31,
        "target": 59,
        "account": 3,
        "network": "<the account's network>",
        "error": "Mastodon refused it: Text is too long. Shorten it, then press Retry.",
    },
)


def register() -> None:
    register_event_type(POST_PUBLISHED)
    register_event_type(POST_FAILED)


def _made_up(target: PostTarget) -> bool:
    """The demo's post, or one on a demo account (its made-up network)."""
    return target.post.is_demo or target.account.is_demo


def _about(target: PostTarget) -> dict[str, Any]:
    return {
        "post": target.post_id,
        "target": target.pk,
        "account": target.account_id,
        "network": target.account.network,
    }


def published(target: PostTarget) -> None:
    """Tell of a target recorded as published (its external id, address and time set)."""
    if _made_up(target) or target.published_at is None:
        return
    data = {
        **_about(target),
        "external_id": target.external_id,
        "url": target.url,
        "published_at": target.published_at.isoformat(),
    }
    emit(target.post.workspace_id, POST_PUBLISHED.name, data, at=target.published_at)


def failed(target: PostTarget, error: str) -> None:
    """Tell of a target recorded as failed for good, with the failure in plain words."""
    if _made_up(target):
        return
    emit(target.post.workspace_id, POST_FAILED.name, {**_about(target), "error": error})
