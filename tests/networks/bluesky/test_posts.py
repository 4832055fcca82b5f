"""Record keys from idempotency keys, facets over UTF-8 bytes, post addresses."""

import re
from typing import Any

from porch.networks.bluesky.posts import facets, post_url, record_key

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")  # atproto spec
DIDS = {"pat.bsky.social": "did:plc:pat", "corner.bsky.social": "did:plc:bakery"}


def test_the_record_key_is_a_tid_fixed_by_the_idempotency_key() -> None:
    keys = [record_key(f"post-{n}") for n in range(500)]
    assert all(TID.match(key) for key in keys)
    assert len(set(keys)) == 500
    assert record_key("post-7") == record_key("post-7") == keys[7]


def test_the_record_key_of_a_known_key_does_not_change() -> None:
    # Changing the derivation would let a retry after an upgrade post twice.
    assert record_key("x") == "3juxuj4blz6k7"


def spans(text: str) -> list[tuple[str, str]]:
    """(the text a facet covers, what it points to) for each facet."""
    data = text.encode()
    found = []
    for facet in facets(text, DIDS.get):
        covered = data[facet.index.byte_start : facet.index.byte_end].decode()
        feature: Any = facet.features[0]
        target = getattr(feature, "uri", None) or getattr(feature, "did", None) or feature.tag
        found.append((covered, str(target)))
    return found


def test_links_are_clickable_after_emoji_and_accents() -> None:
    text = (
        "🥐 Crème brûlée today: https://cornerbakery.com/menu?day=fri. Or cornerbakery.com/hours!"
    )
    assert spans(text) == [
        ("https://cornerbakery.com/menu?day=fri", "https://cornerbakery.com/menu?day=fri"),
        ("cornerbakery.com/hours", "https://cornerbakery.com/hours"),
    ]


def test_mentions_point_at_dids_after_cjk_text() -> None:
    text = "東京から @pat.bsky.social さん、ありがとう! cc @corner.bsky.social"
    assert spans(text) == [
        ("@pat.bsky.social", "did:plc:pat"),
        ("@corner.bsky.social", "did:plc:bakery"),
    ]
    first = facets(text, DIDS.get)[0].index
    assert (first.byte_start, first.byte_end) == (13, 29)  # 東京から is 12 bytes, then a space


def test_a_mention_that_does_not_resolve_stays_plain_text() -> None:
    assert spans("thanks @nobody.bsky.social and @pat.bsky.social") == [
        ("@pat.bsky.social", "did:plc:pat")
    ]


def test_tags_are_facets_too() -> None:
    assert spans("Friday #croissant day") == [("#croissant", "croissant")]


def test_no_facets_in_plain_text() -> None:
    assert facets("Open 8 to 4 today.", DIDS.get) == []


def test_post_url() -> None:
    uri = "at://did:plc:bakery/app.bsky.feed.post/3jzwkzoh7pi6b"
    assert (
        post_url("corner.bakery", uri)
        == "https://bsky.app/profile/corner.bakery/post/3jzwkzoh7pi6b"
    )
