"""Reading the history files the networks give their users, into plain `ImportedPost`s.

    open_history(path, network) -> HistoryFile  its owner, and .posts(): read afresh on each call
    read_history(path, network) -> History      all its posts in a list (for small files and tests)
      ArchiveError                              the one error: names the file and what is wrong

Files are read as streams, never whole: memory stays the same whatever a file's size.
A file, or what a zip expands to, over PORCH_IMPORT_MAX_MB is refused before it is read,
and so is a zip member that expands far more than real exports do (a zip bomb).

Formats: an X archive (the zip, or its `data/tweets.js`: `window.YTD.tweets.part0 = [...]`),
a Mastodon export (the zip, or `outbox.json` with `actor.json` beside it; ActivityStreams
Create and Announce), a Bluesky repository export (`.car`, walked through its Merkle search
tree for `app.bsky.feed.post` and `app.bsky.feed.repost` records).
"""

import calendar
import html
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import libipld  # type: ignore[import-untyped, unused-ignore]
from django.conf import settings

from porch.insights.carfile import CarError, CarFile
from porch.insights.jsonstream import MAX_ITEM, JsonStream, StreamError, TooBig

Json = dict[str, Any]

# Everything malformed data can make a parser raise; turned into ArchiveError at the edge.
PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
    EOFError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    CarError,
)
# A zip member expanding more than this many times its packed size is a zip bomb: real
# exports' JSON packs 5 to 20 times. Small members are let through whatever their ratio.
MAX_RATIO = 200
MAX_ZIP_ENTRIES = 500_000
ZIP_MAGIC = b"PK\x03\x04"
LINK = re.compile(r"https?://[^\s<>\"']+")
HASHTAG = re.compile(r"(?:^|\s)#\w")
TAG = re.compile(r"<[^>]+>")
ANCHOR = re.compile(r"<a\s[^>]*>")
HREF = re.compile(r'href="([^"]+)"')
MENTION_OR_TAG = re.compile(r'class="[^"]*\b(?:mention|hashtag)\b')
NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


class ArchiveError(Exception):
    """A history file Porch cannot import; the message says which file and what is wrong."""

    def __init__(self, file_name: str, problem: str) -> None:
        super().__init__(f"{file_name}: {problem}")
        self.file_name = file_name
        self.problem = problem


@dataclass(frozen=True)
class ImportedPost:
    external_id: str
    kind: str  # "post", "reply" or "repost"
    published_at: datetime
    text: str = ""
    url: str = ""
    links: tuple[str, ...] = ()
    media: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None
    pillar: str = ""


@dataclass(frozen=True)
class History:
    posts: list[ImportedPost]
    owner: str = ""  # the account the file belongs to, where the file says (handle or DID)
    missing_blocks: int = 0  # parts of a Bluesky repository not in the file (a partial export)


@dataclass(frozen=True)
class HistoryFile:
    """An opened history file: whose it is, and its posts, read from disk on each call."""

    name: str
    network: str
    owner: str
    read: Callable[[], Iterator[ImportedPost]]
    missing: list[str] = field(default_factory=list)  # Bluesky: subtrees not in the file

    def posts(self) -> Iterator[ImportedPost]:
        """Every post, read as a stream; raises ArchiveError for anything unreadable."""
        del self.missing[:]
        with _as_archive_error(self.name, self.network):
            yield from self.read()


class _as_archive_error:
    """Turns what malformed data makes a parser raise into the one ArchiveError."""

    def __init__(self, name: str, network: str) -> None:
        self.name, self.network = name, network

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if exc is None or isinstance(exc, ArchiveError):
            return
        if isinstance(exc, TooBig):
            raise ArchiveError(self.name, f"is too big: {exc} (PORCH_IMPORT_MAX_MB)") from None
        if isinstance(exc, zipfile.BadZipFile | EOFError | OSError):
            problem = f"is damaged or cut short ({_short(exc)})"
            raise ArchiveError(self.name, problem) from None
        if isinstance(exc, StreamError):
            raise ArchiveError(self.name, f"the list of posts is cut short or damaged ({exc})")
        if isinstance(exc, PARSE_ERRORS):
            what = f"is not a readable {NETWORK_NAMES[self.network]} export"
            raise ArchiveError(self.name, f"{what} ({_short(exc)})") from None


def max_bytes() -> int:
    """The most history data Porch reads from one file, packed or expanded."""
    return int(settings.IMPORT_MAX_MB) * 1024 * 1024


def open_history(path: Path, network: str) -> HistoryFile:
    """Open a history file of `network`: its format and size checked, its owner read."""
    readers: dict[str, Callable[[Path, bytes], HistoryFile]] = {
        "x": _open_x,
        "mastodon": _open_mastodon,
        "bluesky": _open_bluesky,
    }
    if network not in readers:
        raise ArchiveError(path.name, f"Porch cannot import history from {network} yet")
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as exc:
        raise ArchiveError(path.name, f"cannot be read ({exc.strerror})") from None
    if not head:
        raise ArchiveError(path.name, "the file is empty")
    _check_size(path.name, path.name, size)
    with _as_archive_error(path.name, network):
        return readers[network](path, head)


def read_history(path: Path, network: str) -> History:
    """Read a whole history file of `network`; raises ArchiveError for anything unreadable."""
    opened = open_history(path, network)
    posts = list(opened.posts())
    return History(posts, opened.owner, len(opened.missing))


def _check_size(file_name: str, what: str, size: int) -> None:
    if size > max_bytes():
        limit = max_bytes() >> 20
        raise ArchiveError(
            file_name,
            f"is too big: {what} holds {size >> 20} MB, more than the {limit} MB "
            "Porch imports (PORCH_IMPORT_MAX_MB)",
        )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _wrong_format(path: Path, network: str, data: bytes) -> ArchiveError:
    """The error for a file that is not this network's export, naming what it looks like."""
    head = data[:4096]
    looks = ""
    if b"window.YTD." in head or b"data/tweets" in head:
        looks = "an X archive"
    elif b"orderedItems" in head or b"outbox.json" in head:
        looks = "a Mastodon export"
    elif head[:1] in (b"\x3a", b"\x38", b"\x39", b"\x3b") and b"roots" in head[:64]:
        looks = "a Bluesky repository (.car)"
    expected = {
        "x": "an X archive (the .zip, or data/tweets.js from it)",
        "mastodon": "a Mastodon export (the .zip, or outbox.json)",
        "bluesky": "a Bluesky repository export (.car)",
    }[network]
    seen = f"it looks like {looks}" if looks else "Porch does not recognise this file"
    return ArchiveError(path.name, f"{seen}; choose {expected}")


def _cut_zip(path: Path) -> ArchiveError:
    return ArchiveError(
        path.name,
        "the zip is cut short or damaged (its list of files at the end is missing): "
        "download it again",
    )


class _Zip:
    """A zip opened for reading, its size checked first: too many files, a bomb, damage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive: zipfile.ZipFile | None = None

    def __enter__(self) -> zipfile.ZipFile:
        try:
            with self.path.open("rb") as stream:
                end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
            if end is None:
                raise _cut_zip(self.path)
            if end[4] > MAX_ZIP_ENTRIES:  # _ECD_ENTRIES_TOTAL
                raise ArchiveError(self.path.name, f"the zip holds {end[4]} files: too many")
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ArchiveError(
                self.path.name, f"the zip is damaged or cut short ({_short(exc)})"
            ) from None
        return self.archive

    def __exit__(self, *exc: object) -> None:
        if self.archive is not None:
            self.archive.close()


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse members that expand past the cap, or far past their packed size (a bomb)."""
    _check_size(path.name, "what the zip expands to", sum(i.file_size for i in infos))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise ArchiveError(
                path.name,
                f"is too big for its size: {info.filename} expands {ratio:.0f} times, as a zip "
                "bomb does; Porch does not read it",
            )


# --- X ----------------------------------------------------------------------------------

MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
X_PART = re.compile(r"^(?:.*/)?data/tweets(?:-part\d+)?\.js$|^tweets(?:-part\d+)?\.js$")


def _open_x(path: Path, head: bytes) -> HistoryFile:
    if zipfile.is_zipfile(path):
        return _open_x_zip(path)
    if head.startswith(ZIP_MAGIC):
        raise _cut_zip(path)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"window.YTD."):
        raise _wrong_format(path, "x", head)

    def read() -> Iterator[ImportedPost]:
        with path.open("rb") as stream:
            yield from _x_posts(path, stream)

    return HistoryFile(path.name, "x", "", read)


def _open_x_zip(path: Path) -> HistoryFile:
    with _Zip(path) as archive:
        infos = sorted(
            (i for i in archive.infolist() if X_PART.match(i.filename)), key=lambda i: i.filename
        )
        if not infos:
            raise _wrong_format(path, "x", "\n".join(archive.namelist()[:200]).encode())
        account = [i for i in archive.infolist() if i.filename.endswith("data/account.js")]
        _check_members(path, infos + account[:1])
        owner = ""
        if account:
            with archive.open(account[0]) as stream:
                owner = _x_owner(path, stream)
    names = [info.filename for info in infos]

    def read() -> Iterator[ImportedPost]:
        with _Zip(path) as archive:
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
        yield _x_post(_field(entry, "tweet", dict))


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
    tweet_id = str(_field(tweet, "id_str", str))
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
        published_at=_x_time(str(_field(tweet, "created_at", str))),
        text=text,
        url=f"https://x.com/i/web/status/{tweet_id}",
        links=tuple(link for link in links if link),
        media=len(media),
        likes=_count(tweet.get("favorite_count")),
        reposts=_count(tweet.get("retweet_count")),
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


def _count(value: Any) -> int:
    """A count as the archives write it (numbers or strings of digits); 0 when absent."""
    if value is None or value == "":
        return 0
    number = int(value)
    if number < 0 or number > 2_000_000_000:
        raise ValueError(f"count {number} is out of range")
    return number


def _field(item: Any, key: str, kind: type) -> Any:
    if not isinstance(item, dict) or key not in item:
        raise KeyError(f"an entry has no {key!r}")
    value = item[key]
    if not isinstance(value, kind):
        raise TypeError(f"{key!r} is not a {kind.__name__}")
    return value


# --- Mastodon ---------------------------------------------------------------------------

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _open_mastodon(path: Path, head: bytes) -> HistoryFile:
    if zipfile.is_zipfile(path):
        return _open_mastodon_zip(path)
    if head.startswith(ZIP_MAGIC):
        raise _cut_zip(path)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise _wrong_format(path, "mastodon", head)
    beside = path.with_name("actor.json")
    actor = None
    if beside.exists():
        _check_size(path.name, beside.name, min(beside.stat().st_size, MAX_ITEM + 1))
        if beside.stat().st_size > MAX_ITEM:
            raise ArchiveError(beside.name, "is too big to be an actor.json")
        actor = _json(beside, beside.read_bytes())

    def read() -> Iterator[ImportedPost]:
        with path.open("rb") as stream:
            yield from _outbox_posts(path, stream, head)

    return HistoryFile(path.name, "mastodon", _actor_name(actor), read)


def _open_mastodon_zip(path: Path) -> HistoryFile:
    with _Zip(path) as archive:
        infos = archive.infolist()
        outbox = next((i for i in infos if i.filename.endswith("outbox.json")), None)
        if outbox is None:
            raise _wrong_format(path, "mastodon", "\n".join(archive.namelist()[:200]).encode())
        actor_info = next((i for i in infos if i.filename.endswith("actor.json")), None)
        _check_members(path, [outbox] + ([actor_info] if actor_info else []))
        actor = None
        if actor_info is not None:
            if actor_info.file_size > MAX_ITEM:
                raise ArchiveError(path.name, f"{actor_info.filename} is too big")
            actor = _json(path, archive.read(actor_info))
    name = outbox.filename

    def read() -> Iterator[ImportedPost]:
        with _Zip(path) as archive, archive.open(name) as stream:
            yield from _outbox_posts(path, stream, name.encode())

    return HistoryFile(path.name, "mastodon", _actor_name(actor), read)


def _actor_name(actor: Any) -> str:
    return str(actor.get("preferredUsername", "")) if isinstance(actor, dict) else ""


def _outbox_posts(path: Path, binary: IO[bytes], head: bytes) -> Iterator[ImportedPost]:
    """The posts of an outbox.json (an ActivityStreams collection), one activity at a time."""
    stream = JsonStream(binary, max_bytes())
    if stream.peek() != "{":
        raise _wrong_format(path, "mastodon", head)
    for _, item in stream.items_of_keys({"orderedItems"}):
        if (post := _mastodon_post(item)) is not None:
            yield post
    stream.end()
    if "orderedItems" not in stream.keys_seen:
        raise _wrong_format(path, "mastodon", head)


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
    published = _iso_time(str(_field(item, "published", str)))
    if kind_of == "Announce":
        activity_id = str(_field(item, "id", str))
        return ImportedPost(_status_id(activity_id.removesuffix("/activity")), "repost", published)
    note = _field(item, "object", dict)
    content = str(note.get("content") or "")
    links = tuple(
        html.unescape(href[0])
        for anchor in ANCHOR.findall(content)
        if not MENTION_OR_TAG.search(anchor) and (href := HREF.findall(anchor))
    )
    return ImportedPost(
        external_id=_status_id(str(_field(note, "id", str))),
        kind="reply" if note.get("inReplyTo") else "post",
        published_at=_iso_time(str(note.get("published") or item["published"])),
        text=_plain(content),
        url=str(note.get("url") or note["id"]),
        links=links,
        media=len(note.get("attachment") or []),
        likes=_count((note.get("likes") or {}).get("totalItems")),
        reposts=_count((note.get("shares") or {}).get("totalItems")),
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


def _iso_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Bluesky ----------------------------------------------------------------------------

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
MAX_MST_NODES = 2_000_000


def _open_bluesky(path: Path, head: bytes) -> HistoryFile:
    if head[:1] not in (b"\x3a", b"\x38", b"\x39", b"\x3b") and b"roots" not in head[:64]:
        raise _wrong_format(path, "bluesky", head)
    try:
        car = CarFile.open(path)
        with car:
            commit = _block(path, car, car.root)
    except CarError as exc:
        raise ArchiveError(path.name, str(exc)) from None
    if not isinstance(commit, dict) or "did" not in commit or "data" not in commit:
        raise ArchiveError(path.name, "has no repository commit at its root (a damaged block?)")
    did = str(commit["did"])
    missing: list[str] = []

    def read() -> Iterator[ImportedPost]:
        with car:
            for key, record in _mst_records(path, car, commit["data"], missing):
                collection, _, rkey = key.partition("/")
                if collection in (POST, REPOST) and isinstance(record, dict):
                    yield _bluesky_post(f"at://{did}/{collection}/{rkey}", did, rkey, record)

    return HistoryFile(path.name, "bluesky", did, read, missing)


def _mst_records(
    path: Path, car: CarFile, root: Any, missing: list[str]
) -> Iterator[tuple[str, Any]]:
    """(collection/rkey, record) for every leaf of the repository's Merkle search tree.

    Subtrees whose blocks are not in the file (a partial export) are noted in `missing`.
    """
    stack: list[tuple[str, Any]] = [("node", root)]
    seen = 0
    while stack:
        what, link = stack.pop()
        if what == "leaf":
            yield link
            continue
        seen += 1
        if seen > MAX_MST_NODES:
            raise ArchiveError(path.name, "its record tree loops back on itself")
        node = _block(path, car, link, optional=seen > 1)
        if node is None:
            missing.append(libipld.encode_cid(bytes(link)))
            continue
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            raise ArchiveError(path.name, "a record-tree block is damaged")
        found: list[tuple[str, Any]] = []
        if node.get("l"):
            found.append(("node", node["l"]))
        prefix = ""
        for entry in node["e"]:
            key = prefix[: int(entry["p"])] + bytes(entry["k"]).decode("utf-8")
            prefix = key
            found.append(("leaf", (key, _block(path, car, entry["v"], optional=True))))
            if entry.get("t"):
                found.append(("node", entry["t"]))
        stack.extend(reversed(found))


def _block(path: Path, car: CarFile, link: Any, optional: bool = False) -> Any:
    if not isinstance(link, bytes):
        raise ValueError("a link in the record tree is not an address")
    block = car.block(link)
    if block is None and not optional:
        name = libipld.encode_cid(link)
        raise ArchiveError(path.name, f"block {name} is missing: the file is cut short")
    return block


def _bluesky_post(uri: str, did: str, rkey: str, record: Json) -> ImportedPost:
    published = _iso_time(str(_field(record, "createdAt", str)))
    url = f"https://bsky.app/profile/{did}/post/{rkey}"
    if record.get("$type") == REPOST:
        return ImportedPost(uri, "repost", published)
    text = str(record.get("text") or "")
    links = [
        str(feature.get("uri"))
        for facet in record.get("facets") or []
        for feature in (facet.get("features") or [])
        if isinstance(feature, dict) and str(feature.get("$type", "")).endswith("#link")
    ]
    embed = record.get("embed") or {}
    external = (embed.get("external") or {}).get("uri") if isinstance(embed, dict) else None
    return ImportedPost(
        external_id=uri,
        kind="reply" if record.get("reply") else "post",
        published_at=published,
        text=text,
        url=url,
        links=tuple(links + ([str(external)] if external else [])),
        media=_bluesky_media(embed),
    )


def _bluesky_media(embed: Any) -> int:
    if not isinstance(embed, dict):
        return 0
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.images":
        return len(embed.get("images") or [])
    if kind == "app.bsky.embed.video":
        return 1
    if kind == "app.bsky.embed.recordWithMedia":
        return _bluesky_media(embed.get("media"))
    return 0


def has_hashtag(text: str) -> bool:
    return "#" in text and bool(HASHTAG.search(text))


def has_link(post: ImportedPost) -> bool:
    return bool(post.links) or ("http" in post.text and bool(LINK.search(post.text)))
