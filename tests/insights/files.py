"""Small history files in the networks' own export formats, written by the tests themselves."""

import hashlib
import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

# --- X ----------------------------------------------------------------------------------


def tweet(
    n: int,
    text: str,
    when: str = "Wed Oct 19 19:37:25 +0000 2022",
    likes: int = 0,
    retweets: int = 0,
    reply_to: str = "",
    urls: tuple[str, ...] = (),
    photos: int = 0,
) -> dict[str, Any]:
    """One entry of data/tweets.js as the X archive writes it (counts as strings)."""
    entities: dict[str, Any] = {
        "hashtags": [],
        "symbols": [],
        "user_mentions": [],
        "urls": [{"url": "https://t.co/x", "expanded_url": u, "display_url": u} for u in urls],
    }
    body: dict[str, Any] = {
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": entities,
        "display_text_range": ["0", str(len(text))],
        "favorite_count": str(likes),
        "id_str": str(n),
        "truncated": False,
        "retweet_count": str(retweets),
        "id": str(n),
        "created_at": when,
        "favorited": False,
        "full_text": text,
        "lang": "en",
    }
    if reply_to:
        body["in_reply_to_status_id_str"] = reply_to
        body["in_reply_to_status_id"] = reply_to
    if photos:
        body["extended_entities"] = {"media": [{"type": "photo"} for _ in range(photos)]}
    return {"tweet": body}


def tweets_js(tweets: list[dict[str, Any]]) -> bytes:
    return ("window.YTD.tweets.part0 = " + json.dumps(tweets, indent=2)).encode()


def write_x_zip(path: Path, tweets: list[dict[str, Any]], username: str = "cornerbakery") -> Path:
    account = [{"account": {"username": username, "accountId": "1"}}]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/tweets.js", tweets_js(tweets))
        archive.writestr("data/account.js", "window.YTD.account.part0 = " + json.dumps(account))
        archive.writestr("Your archive.html", "<html></html>")
    return path


# --- Mastodon ---------------------------------------------------------------------------

ACTOR = "https://bakery.social/users/corner"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(
    status: int,
    content: str,
    published: str,
    reply_to: str = "",
    images: int = 0,
    public: bool = True,
) -> dict[str, Any]:
    url = f"{ACTOR}/statuses/{status}"
    to = [PUBLIC] if public else ["https://other.social/users/friend"]
    return {
        "id": f"{url}/activity",
        "type": "Create",
        "actor": ACTOR,
        "published": published,
        "to": to,
        "cc": [f"{ACTOR}/followers"] if public else [],
        "object": {
            "id": url,
            "type": "Note",
            "inReplyTo": reply_to or None,
            "published": published,
            "url": f"https://bakery.social/@corner/{status}",
            "content": content,
            "attachment": [
                {"type": "Document", "mediaType": "image/jpeg", "url": f"/media/{i}.jpg"}
                for i in range(images)
            ],
            "tag": [],
        },
    }


def boost(status: int, of: str, published: str) -> dict[str, Any]:
    return {
        "id": f"{ACTOR}/statuses/{status}/activity",
        "type": "Announce",
        "actor": ACTOR,
        "published": published,
        "to": [PUBLIC],
        "cc": [f"{ACTOR}/followers"],
        "object": of,
    }


def outbox_json(items: list[dict[str, Any]], split: int = 0) -> bytes:
    """An outbox; with `split`, `orderedItems` is written twice (as real exports do)."""
    head = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": len(items),
    }
    text = json.dumps(head)[:-1]
    if split:
        text += ', "orderedItems": ' + json.dumps(items[:split])
        text += ', "orderedItems": ' + json.dumps(items[split:]) + "}"
    else:
        text += ', "orderedItems": ' + json.dumps(items) + "}"
    return text.encode()


def actor_json(username: str = "corner") -> bytes:
    return json.dumps({"id": ACTOR, "type": "Person", "preferredUsername": username}).encode()


def write_mastodon_zip(path: Path, items: list[dict[str, Any]], split: int = 0) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("outbox.json", outbox_json(items, split))
        archive.writestr("actor.json", actor_json())
        archive.writestr("likes.json", "{}")
    return path


# --- Bluesky (a CAR file: DAG-CBOR blocks addressed by CIDv1/sha-256) ---------------------

DID = "did:plc:cornerbakery0000000000"


class Link:
    def __init__(self, cid: bytes) -> None:
        self.cid = cid


def cid_of(block: bytes) -> bytes:
    return bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(block).digest()


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def cbor(value: Any) -> bytes:
    """Enough DAG-CBOR for repository blocks: maps (canonical key order), links, scalars."""
    if value is None:
        return b"\xf6"
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, Link):
        raw = b"\x00" + value.cid
        return b"\xd8\x2a" + _head(2, len(raw)) + raw
    keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
    return _head(5, len(keys)) + b"".join(cbor(k) + cbor(value[k]) for k in keys)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def bsky_post(
    text: str, created: str, reply: bool = False, images: int = 0, link: str = ""
) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created}
    if reply:
        parent = {"uri": f"at://{DID}/app.bsky.feed.post/3parent", "cid": "bafyreiparent"}
        record["reply"] = {"root": parent, "parent": parent}
    if images:
        record["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [{"alt": "bread", "image": {"mimeType": "image/jpeg"}}] * images,
        }
    if link:
        record["facets"] = [
            {
                "index": {"byteStart": 0, "byteEnd": 5},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
            }
        ]
    return record


def bsky_repost(created: str) -> dict[str, Any]:
    subject = {"uri": "at://did:plc:someone/app.bsky.feed.post/3abc", "cid": "bafyreisubject"}
    return {"$type": "app.bsky.feed.repost", "subject": subject, "createdAt": created}


def car_bytes(records: dict[str, dict[str, Any]], did: str = DID) -> bytes:
    """A repository export: commit -> one search-tree node -> the records (keys sorted)."""
    blocks: list[tuple[bytes, bytes]] = []

    def add(value: Any) -> bytes:
        data = cbor(value)
        cid = cid_of(data)
        blocks.append((cid, data))
        return cid

    entries = [
        {"p": 0, "k": key.encode(), "v": Link(add(record)), "t": None}
        for key, record in sorted(records.items())
    ]
    tree = add({"l": None, "e": entries})
    commit = add(
        {
            "did": did,
            "version": 3,
            "data": Link(tree),
            "rev": "3k",
            "prev": None,
            "sig": b"\x00" * 64,
        }
    )
    header = cbor({"version": 1, "roots": [Link(commit)]})
    out = io.BytesIO()
    out.write(_varint(len(header)) + header)
    for cid, data in reversed(blocks):
        out.write(_varint(len(cid) + len(data)) + cid + data)
    return out.getvalue()
