"""An X archive (the zip, or its `data/tweets.js`: `window.YTD.tweets.part0 = [...]`)
read into ImportedPosts, one post at a time."""

import calendar
import html
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
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
    count,
    cut_zip,
    field_of,
    max_bytes,
    wrong_format,
)
from porch.networks.jsonstream import JsonStream
from porch.networks.x.payloads import status_url

MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
X_PART = re.compile(r"^(?:.*/)?data/tweets(?:-part\d+)?\.js$|^tweets(?:-part\d+)?\.js$")
EXPECTED = "an X archive (the .zip, or data/tweets.js from it)"


def _open_x(path: Path, head: bytes) -> HistoryFile:
    if zipfile.is_zipfile(path):
        return _open_x_zip(path)
    if head.startswith(ZIP_MAGIC):
        raise cut_zip(path)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"window.YTD."):
        raise wrong_format(path, EXPECTED, head)

    def read() -> Iterator[ImportedPost]:
        with path.open("rb") as stream:
            yield from _x_posts(path, stream)

    return HistoryFile(path.name, "x", "", read)


def _open_x_zip(path: Path) -> HistoryFile:
    with Zip(path) as archive:
        infos = sorted(
            (i for i in archive.infolist() if X_PART.match(i.filename)), key=lambda i: i.filename
        )
        if not infos:
            raise wrong_format(path, EXPECTED, "\n".join(archive.namelist()[:200]).encode())
        account = [i for i in archive.infolist() if i.filename.endswith("data/account.js")]
        check_members(path, infos + account[:1])
        owner = ""
        if account:
            with archive.open(account[0]) as stream:
                owner = _x_owner(path, stream)
    names = [info.filename for info in infos]

    def read() -> Iterator[ImportedPost]:
        with Zip(path) as archive:
            for name in names:
                with archive.open(name) as stream:
                    yield from _x_posts(path, stream)

    return HistoryFile(path.name, "x", owner, read)


def _x_owner(path: Path, stream: IO[bytes]) -> str:
    for entry in _ytd_entries(path, stream):
        account = (entry.get("account") if isinstance(entry, dict) else None) or {}
        return str(account.get("username", "")) if isinstance(account, dict) else ""
    return ""


def _x_posts(path: Path, stream: IO[bytes]) -> Iterator[ImportedPost]:
    for entry in _ytd_entries(path, stream):
        yield _x_post(field_of(entry, "tweet", dict))


def _ytd_entries(path: Path, binary: IO[bytes]) -> Iterator[Any]:
    """The entries of a `window.YTD.<name>.part0 = [...]` file, one at a time."""
    stream = JsonStream(binary, max_bytes())
    if not stream.skip_to("[").lstrip().startswith("window.YTD."):
        raise ArchiveError(path.name, "is not an X archive file (no 'window.YTD.' list)")
    if stream.peek() != "[":
        raise ArchiveError(path.name, "the archive holds no list of posts")
    yield from stream.items_of_list()
    stream.end()


def _x_post(tweet: Json) -> ImportedPost:
    tweet_id = str(field_of(tweet, "id_str", str))
    if not tweet_id.isdigit():
        raise ValueError(f"post id {tweet_id[:30]!r} is not a number")
    text = html.unescape(str(tweet.get("full_text") or tweet.get("text") or ""))
    entities = tweet.get("entities") or {}
    media = (tweet.get("extended_entities") or entities).get("media") or []
    links = tuple(
        str(u.get("expanded_url") or u.get("url") or "") for u in entities.get("urls") or []
    )
    if text.startswith("RT @"):
        kind = "repost"
    elif tweet.get("in_reply_to_status_id_str"):
        kind = "reply"
    else:
        kind = "post"
    return ImportedPost(
        external_id=tweet_id,
        kind=kind,
        published_at=_x_time(str(field_of(tweet, "created_at", str))),
        text=text,
        url=status_url("", tweet_id),
        links=tuple(link for link in links if link),
        media=len(media),
        likes=count(tweet.get("favorite_count")),
        reposts=count(tweet.get("retweet_count")),
    )


def _x_time(value: str) -> datetime:
    """X's `Wed Oct 19 19:37:25 +0000 2022` (always UTC in archives), without slow strptime."""
    _, month, day, clock, offset, year = value.split(" ")
    if offset != "+0000":
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    hour, minute, second = clock.split(":")
    return datetime(
        int(year), MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
    )


def _looks_like(head: bytes) -> bool:
    return b"window.YTD." in head or b"data/tweets" in head


READER = ArchiveReader(
    open=_open_x, expected=EXPECTED, looks="an X archive", looks_like=_looks_like
)
