"""Running one parsed search as one or several requests, under one cursor.

A network that can say the whole query in its own syntax sends it once (`split=False`);
one that cannot say OR sends each of the query's clauses (`Query.clauses()`) as its own
request. Each request keeps its own cursor inside the one the poller stores
(`query.Parts`), so splitting never loses a position; every hit is checked locally with
`Query.matches` (the whole query: a network's search for one clause may miss a post that
another clause's request brings), and a post two requests bring comes once in the page.
A later poll may bring it again from another request: the sinks store a post once.
"""

from collections.abc import Callable

from porch.networks.base import Incoming, Page
from porch.networks.query import Parts, Query


def search_each(
    query: Query, cursor: str, fetch: Callable[[Query, str], Page], *, split: bool
) -> Page:
    """`fetch(part, part_cursor)` runs one request; the pages are merged, oldest first."""
    parts = query.clauses() if split and len(query.literals) > 1 else [query]
    state = Parts.load(cursor, [part.to_text() for part in parts])
    items: dict[str, Incoming] = {}
    after: dict[str, str] = {}
    more = False
    for part in parts:
        key = part.to_text()
        page = fetch(part, state.cursors[key])
        after[key], more = page.cursor, more or page.more
        for item in page.items:
            if query.matches(item.text, item.lang or None):
                items.setdefault(item.external_id, item)
    merged = sorted(items.values(), key=lambda item: item.sent_at)
    return Page(merged, Parts(after).dump(), more)
