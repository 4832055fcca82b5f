"""Bluesky's views (notifications, posts) as Porch's Incoming and PostMetrics."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import Incoming, Kind, PostMetrics
from porch.networks.bluesky.cursor import Entry, parse_time
from porch.networks.bluesky.posts import post_url

# Notification reasons Porch reads, and the kind of message each is. A quote post is a
# mention of the account's post; likes, reposts and follows are not messages.
REASONS: dict[str, Kind] = {"mention": "mention", "reply": "reply", "quote": "mention"}


def is_post(record: Any) -> bool:
    return isinstance(record, models.AppBskyFeedPost.Record)


def sent_at(record: Any, indexed_at: datetime) -> datetime:
    """When the post was written: its createdAt, but never after Bluesky first saw it."""
    try:
        created = parse_time(record.created_at)
    except ValueError:
        return indexed_at
    return min(created, indexed_at)


def incoming(uri: str, kind: Kind, author: Any, record: Any, indexed_at: str) -> Entry[Incoming]:
    """A post as an Incoming message, with the time Bluesky sorts it by."""
    at = parse_time(indexed_at)
    reply = record.reply
    name = author.handle if author.handle != "handle.invalid" else author.did
    item = Incoming(
        external_id=uri,
        kind=kind,
        author_handle=author.handle,
        author_name=author.display_name or "",
        author_id=author.did,
        text=record.text,
        sent_at=sent_at(record, at),
        url=post_url(name, uri),
        in_reply_to=reply.parent.uri if reply else "",
        root_id=reply.root.uri if reply else "",
    )
    return Entry(at, uri, item)


def from_notification(note: Any) -> Entry[Incoming] | None:
    """A mention, reply or quote notification as an Incoming; None for any other."""
    if note.reason not in REASONS or not is_post(note.record):
        return None
    return incoming(note.uri, REASONS[note.reason], note.author, note.record, note.indexed_at)


def from_post_view(post: Any) -> Entry[Incoming] | None:
    """A search hit as an Incoming of kind "mention" (Incoming has no kind for other posts)."""
    if not is_post(post.record):
        return None
    entry = incoming(post.uri, "mention", post.author, post.record, post.indexed_at)
    langs = post.record.langs or []
    item = replace(entry.item, lang=langs[0] if langs else "", quote_of=quoted(post.embed))
    return Entry(entry.at, entry.uri, item)


def quoted(embed: Any) -> str:
    """The URI of the post a post view quotes (record#view, or recordWithMedia#view)."""
    record = getattr(embed, "record", None)
    if isinstance(embed, models.AppBskyEmbedRecordWithMedia.View):
        record = getattr(record, "record", None)
    if not isinstance(
        embed, models.AppBskyEmbedRecord.View | models.AppBskyEmbedRecordWithMedia.View
    ):
        return ""
    return str(getattr(record, "uri", "") or "")


def metrics(post: Any) -> PostMetrics:
    return PostMetrics(
        external_id=post.uri,
        likes=post.like_count or 0,
        reposts=post.repost_count or 0,
        replies=post.reply_count or 0,
        quotes=post.quote_count or 0,
    )
