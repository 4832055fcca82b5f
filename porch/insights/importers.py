"""Reading the history files the networks give their users, into plain `ImportedPost`s.

    read_history(path, network) -> History      the whole file, checked before anything is stored
      ArchiveError                              the one error: names the file and what is wrong

Formats: an X archive (the zip, or its `data/tweets.js`: `window.YTD.tweets.part0 = [...]`),
a Mastodon export (the zip, or `outbox.json` with `actor.json` beside it; ActivityStreams
Create and Announce), a Bluesky repository export (`.car`, walked through its Merkle search
tree for `app.bsky.feed.post` and `app.bsky.feed.repost` records).
"""

import calendar
import hashlib
import html
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atproto import CAR  # type: ignore[import-untyped, unused-ignore]
from atproto_core.cid import CID  # type: ignore[import-untyped, unused-ignore]

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
)
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


def read_history(path: Path, network: str) -> History:
    """Read a whole history file of `network`; raises ArchiveError for anything unreadable."""
    readers: dict[str, Callable[[Path], History]] = {
        "x": _read_x,
        "mastodon": _read_mastodon,
        "bluesky": _read_bluesky,
    }
    if network not in readers:
        raise ArchiveError(path.name, f"Porch cannot import history from {network} yet")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(path.name, f"cannot be read ({exc.strerror})") from None
    if not data:
        raise ArchiveError(path.name, "the file is empty")
    try:
        return readers[network](path)
    except ArchiveError:
        raise
    except PARSE_ERRORS as exc:
        what = f"is not a readable {NETWORK_NAMES[network]} export"
        raise ArchiveError(path.name, f"{what} ({_short(exc)})") from None


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


# --- X ----------------------------------------------------------------------------------

MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
X_PART = re.compile(r"^(?:.*/)?data/tweets(?:-part\d+)?\.js$|^tweets(?:-part\d+)?\.js$")


def _read_x(path: Path) -> History:
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        parts, owner = _x_zip_parts(path)
    elif data.lstrip().startswith(b"window.YTD."):
        parts, owner = [data], ""
    else:
        raise _wrong_format(path, "x", data)
    posts = [
        _x_post(_field(entry, "tweet", dict)) for part in parts for entry in _ytd_array(path, part)
    ]
    return History(posts, owner)


def _x_zip_parts(path: Path) -> tuple[list[bytes], str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if X_PART.match(n)]
            if not names:
                raise _wrong_format(path, "x", "\n".join(archive.namelist()).encode())
            parts = [archive.read(name) for name in sorted(names)]
            account = [n for n in archive.namelist() if n.endswith("data/account.js")]
            owner = _x_owner(path, archive.read(account[0])) if account else ""
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ArchiveError(path.name, f"the zip is damaged or cut short ({_short(exc)})") from None
    return parts, owner


def _x_owner(path: Path, data: bytes) -> str:
    entries = _ytd_array(path, data)
    if entries and isinstance(entries[0], dict):
        account = entries[0].get("account") or {}
        return str(account.get("username", ""))
    return ""


def _ytd_array(path: Path, data: bytes) -> list[Any]:
    text = data.decode("utf-8-sig")
    start = text.find("[")
    if not text.lstrip().startswith("window.YTD.") or start < 0:
        raise ArchiveError(path.name, "is not an X archive file (no 'window.YTD.' list)")
    try:
        value = json.loads(text[start:])
    except json.JSONDecodeError as exc:
        raise ArchiveError(
            path.name, f"the list of posts is cut short or damaged ({exc})"
        ) from None
    if not isinstance(value, list):
        raise ArchiveError(path.name, "the archive holds no list of posts")
    return value


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


def _read_mastodon(path: Path) -> History:
    data = path.read_bytes()
    actor: Any = None
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                outbox_name = next((n for n in names if n.endswith("outbox.json")), "")
                if not outbox_name:
                    raise _wrong_format(path, "mastodon", "\n".join(names).encode())
                outbox = _json(path, archive.read(outbox_name))
                actor_name = next((n for n in names if n.endswith("actor.json")), "")
                actor = _json(path, archive.read(actor_name)) if actor_name else None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ArchiveError(
                path.name, f"the zip is damaged or cut short ({_short(exc)})"
            ) from None
    elif data.lstrip().startswith(b"{"):
        outbox = _json(path, data)
        beside = path.with_name("actor.json")
        actor = _json(beside, beside.read_bytes()) if beside.exists() else None
    else:
        raise _wrong_format(path, "mastodon", data)
    if not isinstance(outbox, dict) or "orderedItems" not in outbox:
        raise _wrong_format(path, "mastodon", data)
    items = outbox["orderedItems"]
    if not isinstance(items, list):
        raise ArchiveError(path.name, "'orderedItems' is not a list of activities")
    posts = [post for item in items if (post := _mastodon_post(item)) is not None]
    owner = str(actor.get("preferredUsername", "")) if isinstance(actor, dict) else ""
    return History(posts, owner)


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


def _read_bluesky(path: Path) -> History:
    data = path.read_bytes()
    if data[:1] not in (b"\x3a", b"\x38", b"\x39", b"\x3b") and b"roots" not in data[:64]:
        raise _wrong_format(path, "bluesky", data)
    _check_blocks(path, data)
    try:
        car = CAR.from_bytes(data)
    except Exception as exc:  # the CAR decoder raises many kinds for malformed bytes
        raise ArchiveError(
            path.name, f"is not a readable Bluesky repository: a damaged block ({_short(exc)})"
        ) from None
    commit = car.blocks.get(car.root)
    if not isinstance(commit, dict) or "did" not in commit or "data" not in commit:
        raise ArchiveError(path.name, "has no repository commit at its root (a damaged block?)")
    did = str(commit["did"])
    posts = []
    missing: list[str] = []
    for key, record in _mst_records(path, car.blocks, commit["data"], missing):
        collection, _, rkey = key.partition("/")
        if collection in (POST, REPOST) and isinstance(record, dict):
            posts.append(_bluesky_post(f"at://{did}/{collection}/{rkey}", did, rkey, record))
    return History(posts, did, len(missing))


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """(value, position after it) of the unsigned varint at `at`."""
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("a length runs past the end of the file")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def _check_blocks(path: Path, data: bytes) -> None:
    """Walk the CAR's sections and check each block's SHA-256 against its CID."""
    size, at = _varint(data, 0)
    at += size
    if at > len(data):
        raise ArchiveError(path.name, "the file is cut short inside its header")
    number = 0
    while at < len(data):
        number += 1
        size, start = _varint(data, at)
        end = start + size
        if end > len(data):
            raise ArchiveError(path.name, f"the file is cut short inside block {number}")
        version, pos = _varint(data, start)
        if version != 1:
            raise ArchiveError(path.name, f"block {number} has an unreadable address")
        _, pos = _varint(data, pos)  # codec
        hash_code, pos = _varint(data, pos)
        length, pos = _varint(data, pos)
        digest, block = data[pos : pos + length], data[pos + length : end]
        if hash_code == 0x12 and hashlib.sha256(block).digest() != digest:
            raise ArchiveError(path.name, f"block {number} is damaged (its checksum is wrong)")
        at = end


def _mst_records(
    path: Path, blocks: dict[Any, Any], root: Any, missing: list[str]
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
        node = _block(path, blocks, link, optional=seen > 1)
        if node is None:
            missing.append(str(link))
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
            found.append(("leaf", (key, _block(path, blocks, entry["v"], optional=True))))
            if entry.get("t"):
                found.append(("node", entry["t"]))
        stack.extend(reversed(found))


def _block(path: Path, blocks: dict[Any, Any], link: Any, optional: bool = False) -> Any:
    cid = link if isinstance(link, CID) else CID.decode(bytes(link))
    if cid not in blocks:
        if optional:
            return None
        raise ArchiveError(path.name, f"block {cid} is missing: the file is cut short")
    return blocks[cid]


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
