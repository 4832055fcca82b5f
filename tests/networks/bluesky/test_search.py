"""Bluesky search with replies in searchPosts' real shape (the dev-env AppView has no
search service: it matches one case-sensitive substring, so OR, NOT, phrases and
languages are tested here, with each clause its own request)."""

import json
from typing import Any
from urllib.parse import parse_qs

import httpx

from porch.networks.query import parse

from .fakes import jwt
from .test_client import ScriptedPds, client_on, ok

AUTHOR = {"did": "did:plc:maya", "handle": "maya.bsky.social", "displayName": "Maya"}


def post(rkey: str, text: str, at: str, langs: list[str], embed: Any = None) -> dict[str, Any]:
    """A postView as the AppView sends it (recorded from the peer, then edited)."""
    uri = f"at://did:plc:maya/app.bsky.feed.post/{rkey}"
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": at, "langs": langs}
    view: dict[str, Any] = {"uri": uri, "cid": f"bafy{rkey}", "author": AUTHOR, "record": record}
    view |= {"replyCount": 0, "repostCount": 0, "likeCount": 1, "quoteCount": 0}
    view |= {"indexedAt": at, "labels": [], "viewer": {}}
    return view | ({"embed": embed} if embed else {})


QUOTED = "at://did:plc:corner/app.bsky.feed.post/3kq"
QUOTE_EMBED = {
    "$type": "app.bsky.embed.record#view",
    "record": {
        "$type": "app.bsky.embed.record#viewRecord",
        "uri": QUOTED,
        "cid": "bafyquoted",
        "author": {"did": "did:plc:corner", "handle": "corner.bsky.social"},
        "value": {
            "$type": "app.bsky.feed.post",
            "text": "New loaves",
            "createdAt": "2026-05-01T09:00:00Z",
        },
        "indexedAt": "2026-05-01T09:00:00Z",
    },
}
A = post("a", "Where is the best sourdough?", "2026-05-02T10:00:00.000Z", ["en"])
B = post("b", "Du sourdough au marché", "2026-05-02T10:01:00.000Z", ["fr"])
C = post("c", "The corner bakery sourdough, yes", "2026-05-02T10:02:00.000Z", ["en"], QUOTE_EMBED)
D = post("d", "Lunch at the Corner Bakery", "2026-05-02T10:03:00.000Z", ["en"])
E = post("e", "corner bakery has vegan buns", "2026-05-02T10:04:00.000Z", ["en"])
ANSWERS = {"sourdough lang:en": [C, B, A], '"corner bakery" -vegan lang:en': [E, D, C]}


class SearchingPds(ScriptedPds):
    """searchPosts answers by `q` (newest first, one page); other calls as scripted."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("app.bsky.feed.searchPosts"):
            return super().__call__(request)
        q = parse_qs(request.url.query.decode())["q"][0]
        self.queries.append(q)
        return ok({"posts": ANSWERS.get(q, [])})


def test_or_is_one_request_per_clause_and_every_hit_is_checked_here() -> None:
    pds = SearchingPds()
    client, _ = client_on(pds, jwt(3600))
    query = parse('sourdough OR "corner bakery" -vegan lang:en')
    page = client.search(query, "")
    assert pds.queries == list(ANSWERS)
    # B is in French, E says vegan: the server's answers are not trusted
    assert [item.external_id for item in page.items] == [A["uri"], C["uri"], D["uri"]]
    quote = page.items[1]
    assert (quote.quote_of, quote.lang, quote.kind) == (QUOTED, "en", "mention")
    assert set(json.loads(page.cursor)["parts"]) == set(ANSWERS)
    again = client.search(query, page.cursor)  # the same answers: nothing new
    assert again.items == [] and not again.more


def test_a_query_without_or_keeps_the_plain_window_cursor() -> None:
    pds = SearchingPds()
    client, _ = client_on(pds, jwt(3600))
    page = client.search(parse("sourdough lang:en"), "")
    assert [item.external_id for item in page.items] == [A["uri"], C["uri"]]
    assert json.loads(page.cursor)["v"] == 1  # cursor.py's own window
