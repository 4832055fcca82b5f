"""Pieces of a Bluesky post record: its record key, rich-text facets and web address.

Record keys. Bluesky has no idempotency key, but every record has a key (rkey) unique in
its repository and collection, and com.atproto.repo.createRecord takes an explicit one.
The lexicon of app.bsky.feed.post says `"key": "tid"`, and the PDS enforces it ("Invalid
record key for app.bsky.feed.post: Invalid TID string"), so the key derived from Porch's
idempotency key is TID-shaped: 13 characters of base32-sortable over a 64-bit number
whose top bit is 0, 53 bits of microseconds and 10 bits of clock id
(https://atproto.com/specs/tid). Here the microseconds are a point in 2023-2024 and the
clock id the rest, both taken from SHA-256 of the idempotency key: the same key always
gives the same rkey, so a retried publish cannot make a second post (the PDS refuses to
create a record whose key is taken), and `find_published` looks it up by that key.
"""

import hashlib
from collections.abc import Callable

from atproto_client import models  # type: ignore[import-untyped, unused-ignore]
from atproto_client.utils import facet_detection  # type: ignore[import-untyped, unused-ignore]
from atproto_core.uri import AtUri  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import AccountRef

POST_COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID_BASE_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z in microseconds
_TID_SPAN_BITS = 45  # about 1.1 years of microseconds

Resolve = Callable[[str], str | None]  # handle -> DID, or None when it does not resolve


def record_key(idempotency_key: str) -> str:
    """The TID-shaped record key for a post with this idempotency key."""
    digest = hashlib.sha256(f"porch/bluesky/{idempotency_key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    micros = _TID_BASE_US + (number & ((1 << _TID_SPAN_BITS) - 1))
    clock_id = (number >> _TID_SPAN_BITS) & 0x3FF
    value = (micros << 10) | clock_id
    return "".join(TID_ALPHABET[(value >> (5 * shift)) & 31] for shift in range(12, -1, -1))


def facets(text: str, resolve: Resolve) -> list["models.AppBskyRichtextFacet.Main"]:
    """Links, #tags, $cashtags and @mentions of `text`, as facets over its UTF-8 bytes.

    Links without a scheme (`example.com/menu`) become https links, as in the Bluesky
    app; a mention whose handle does not resolve stays plain text.
    """
    found: list[models.AppBskyRichtextFacet.Main] = facet_detection.detect_facets(text)
    for mention in facet_detection.detect_mentions(text):
        did = resolve(mention.handle.lower())
        if did:
            found.append(_mention(did, mention.byte_start, mention.byte_end))
    return sorted(found, key=lambda facet: facet.index.byte_start)


def _mention(did: str, start: int, end: int) -> "models.AppBskyRichtextFacet.Main":
    return models.AppBskyRichtextFacet.Main(
        features=[models.AppBskyRichtextFacet.Mention(did=did)],
        index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
    )


def rkey_of(uri: str) -> str:
    key: str = AtUri.from_str(uri).rkey
    return key


def repo_of(uri: str) -> str:
    repo: str = AtUri.from_str(uri).host
    return repo


def post_url(handle_or_did: str, uri: str) -> str:
    """The post's page on bsky.app."""
    return post_url_of(handle_or_did, rkey_of(uri))


def post_url_of(handle_or_did: str, rkey: str) -> str:
    """The page on bsky.app of the post with record key `rkey` (no URI to parse)."""
    return f"https://bsky.app/profile/{handle_or_did}/post/{rkey}"


def profile_url(account: AccountRef) -> str:
    """The account's page on bsky.app."""
    return f"https://bsky.app/profile/{account.handle}"
