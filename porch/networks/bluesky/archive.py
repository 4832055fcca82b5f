"""A Bluesky repository export (`.car`) read into ImportedPosts: its Merkle search tree
walked for `app.bsky.feed.post` and `app.bsky.feed.repost` records."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libipld  # type: ignore[import-untyped, unused-ignore]

from porch.networks.archives import (
    ArchiveError,
    ArchiveReader,
    HistoryFile,
    ImportedPost,
    Json,
    field_of,
    iso_time,
    wrong_format,
)
from porch.networks.bluesky.carfile import CarError, CarFile

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
MAX_MST_NODES = 2_000_000
EXPECTED = "a Bluesky repository export (.car)"
CAR_STARTS = (b"\x3a", b"\x38", b"\x39", b"\x3b")  # the header's length, as CAR files begin


def _open_bluesky(path: Path, head: bytes) -> HistoryFile:
    if head[:1] not in CAR_STARTS and b"roots" not in head[:64]:
        raise wrong_format(path, EXPECTED, head)
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
    published = iso_time(str(field_of(record, "createdAt", str)))
    url = f"https://bsky.app/profile/{did}/post/{rkey}"  # as posts.post_url, unparsed
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


def _looks_like(head: bytes) -> bool:
    return head[:1] in CAR_STARTS and b"roots" in head[:64]


def _own_did(handle: str, external_id: str) -> str:
    return external_id


READER = ArchiveReader(
    open=_open_bluesky,
    expected=EXPECTED,
    looks="a Bluesky repository (.car)",
    looks_like=_looks_like,
    owner=_own_did,
    owner_unknown="Porch does not know the Bluesky id (DID) of {account}, so cannot tell the "
    "repository is its own: reconnect the account, then import",
)
