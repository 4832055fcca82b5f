"""Running one parsed search as one or several requests, under one cursor.

A network that can say the whole query in its own syntax sends it once (`split=False`);
one that cannot say OR sends each of the query's clauses (`Query.clauses()`) as its own
request. Each request keeps its own cursor inside the one the poller stores
(`query.Parts`), so splitting never loses a position; every hit is checked locally with
`Query.matches`, and a hit that matches two clauses is kept only from the first clause's
request, so it comes once.
"""

from collections.abc import Callable

from porch.networks.base import Incoming, Page
from porch.networks.query import Parts, Query, first_match


def search_each(
    query: Query, cursor: str, fetch: Callable[[Query, str], Page], *, split: bool
) -> Page:
    """`fetch(part, part_cursor)` runs one request; the pages are merged, oldest first."""
    parts = query.clauses() if split and len(query.literals) > 1 else [query]
    state = Parts.load(cursor, [part.to_text() for part in parts])
    items: dict[str, Incoming] = {}
    after: dict[str, str] = {}
    more = False
    for index, part in enumerate(parts):
        key = part.to_text()
        page = fetch(part, state.cursors[key])
        after[key], more = page.cursor, more or page.more
        for item in page.items:
            if _kept(parts, index, item) and item.external_id not in items:
                items[item.external_id] = item
    merged = sorted(items.values(), key=lambda item: item.sent_at)
    return Page(merged, Parts(after).dump(), more)


def _kept(parts: list[Query], index: int, item: Incoming) -> bool:
    lang = item.lang or None
    if len(parts) == 1:
        return parts[0].matches(item.text, lang)
    return first_match(parts, item.text, lang) == index
