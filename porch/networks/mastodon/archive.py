"""A Mastodon export (the zip, or `outbox.json` with `actor.json` beside it) read into
ImportedPosts: ActivityStreams Create (posts, replies) and Announce (reposts)."""

import html
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from porch.networks.archives import (
    ZIP_MAGIC,
    ArchiveError,
    ArchiveReader,
    HistoryFile,
    ImportedPost,
    Json,
    Zip,
    check_members,
    check_size,
    count,
    cut_zip,
    field_of,
    iso_time,
    max_bytes,
    wrong_format,
)
from porch.networks.jsonstream import MAX_ITEM, JsonStream

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
EXPECTED = "a Mastodon export (the .zip, or outbox.json)"
TAG = re.compile(r"<[^>]+>")
ANCHOR = re.compile(r"<a\s[^>]*>")
HREF = re.compile(r'href="([^"]+)"')
MENTION_OR_TAG = re.compile(r'class="[^"]*\b(?:mention|hashtag)\b')


def _open_mastodon(path: Path, head: bytes) -> HistoryFile:
    if zipfile.is_zipfile(path):
        return _open_mastodon_zip(path)
    if head.startswith(ZIP_MAGIC):
        raise cut_zip(path)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise wrong_format(path, EXPECTED, head)
    beside = path.with_name("actor.json")
    actor = None
    if beside.exists():
        check_size(path.name, beside.name, min(beside.stat().st_size, MAX_ITEM + 1))
        if beside.stat().st_size > MAX_ITEM:
            raise ArchiveError(beside.name, "is too big to be an actor.json")
        actor = _json(beside, beside.read_bytes())

    def read() -> Iterator[ImportedPost]:
        with path.open("rb") as stream:
            yield from _outbox_posts(path, stream, head)

    return HistoryFile(path.name, "mastodon", _actor_name(actor), read)


def _open_mastodon_zip(path: Path) -> HistoryFile:
    with Zip(path) as archive:
        infos = archive.infolist()
        outbox = next((i for i in infos if i.filename.endswith("outbox.json")), None)
        if outbox is None:
            raise wrong_format(path, EXPECTED, "\n".join(archive.namelist()[:200]).encode())
        actor_info = next((i for i in infos if i.filename.endswith("actor.json")), None)
        check_members(path, [outbox] + ([actor_info] if actor_info else []))
        actor = None
        if actor_info is not None:
            if actor_info.file_size > MAX_ITEM:
                raise ArchiveError(path.name, f"{actor_info.filename} is too big")
            actor = _json(path, archive.read(actor_info))
    name = outbox.filename

    def read() -> Iterator[ImportedPost]:
        with Zip(path) as archive, archive.open(name) as stream:
            yield from _outbox_posts(path, stream, name.encode())

    return HistoryFile(path.name, "mastodon", _actor_name(actor), read)


def _actor_name(actor: Any) -> str:
    return str(actor.get("preferredUsername", "")) if isinstance(actor, dict) else ""


def _outbox_posts(path: Path, binary: IO[bytes], head: bytes) -> Iterator[ImportedPost]:
    """The posts of an outbox.json (an ActivityStreams collection), one activity at a time."""
    stream = JsonStream(binary, max_bytes())
    if stream.peek() != "{":
        raise wrong_format(path, EXPECTED, head)
    for _, item in stream.items_of_keys({"orderedItems"}):
        if (post := _mastodon_post(item)) is not None:
            yield post
    stream.end()
    if "orderedItems" not in stream.keys_seen:
        raise wrong_format(path, EXPECTED, head)


def _json(path: Path, data: bytes) -> Any:
    """JSON where a repeated key's lists are joined (real exports repeat `orderedItems`)."""

    def merge(pairs: list[tuple[str, Any]]) -> Json:
        merged: Json = {}
        for key, value in pairs:
            if isinstance(merged.get(key), list) and isinstance(value, list):
                merged[key] = merged[key] + value
            else:
                merged[key] = value
        return merged

    try:
        return json.loads(data.decode("utf-8-sig"), object_pairs_hook=merge)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArchiveError(path.name, f"is not valid JSON: cut short or damaged ({exc})") from None


def _mastodon_post(item: Any) -> ImportedPost | None:
    """A Create (post or reply) or Announce (repost); None for direct messages and others."""
    kind_of = item.get("type") if isinstance(item, dict) else None
    if kind_of not in ("Create", "Announce"):
        return None
    audience = [*_strings(item.get("to")), *_strings(item.get("cc"))]
    if not any(a == PUBLIC or a.endswith("/followers") for a in audience):
        return None  # a direct message is no part of the public history
    published = iso_time(str(field_of(item, "published", str)))
    if kind_of == "Announce":
        activity_id = str(field_of(item, "id", str))
        return ImportedPost(_status_id(activity_id.removesuffix("/activity")), "repost", published)
    note = field_of(item, "object", dict)
    content = str(note.get("content") or "")
    links = tuple(
        html.unescape(href[0])
        for anchor in ANCHOR.findall(content)
        if not MENTION_OR_TAG.search(anchor) and (href := HREF.findall(anchor))
    )
    return ImportedPost(
        external_id=_status_id(str(field_of(note, "id", str))),
        kind="reply" if note.get("inReplyTo") else "post",
        published_at=iso_time(str(note.get("published") or item["published"])),
        text=_plain(content),
        url=str(note.get("url") or note["id"]),
        links=links,
        media=len(note.get("attachment") or []),
        likes=count((note.get("likes") or {}).get("totalItems")),
        reposts=count((note.get("shares") or {}).get("totalItems")),
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or [] if isinstance(v, str)]


def _status_id(url: str) -> str:
    """The status id Mastodon's API uses, from a status URL (…/statuses/109376719336938342)."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if not last:
        raise ValueError(f"no status id in {url[:80]!r}")
    return last


def _plain(content: str) -> str:
    with_breaks = content.replace("</p><p>", "\n\n").replace("<br>", "\n").replace("<br />", "\n")
    return html.unescape(TAG.sub("", with_breaks)).strip()


def _looks_like(head: bytes) -> bool:
    return b"orderedItems" in head or b"outbox.json" in head


READER = ArchiveReader(
    open=_open_mastodon, expected=EXPECTED, looks="a Mastodon export", looks_like=_looks_like
)
