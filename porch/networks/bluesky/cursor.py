"""Cursors over Bluesky's newest-first lists (notifications, search) with no gaps and no repeats.

Bluesky lists notifications and search results newest first, by `indexedAt`, which the
AppView sets to the post's sortAt = min(createdAt, time indexed) (a backdated post shows
its old date; checked on the dev-env AppView). A post indexed a little late (a slow
relay, an author whose clock is behind) can therefore land *below* posts already
fetched, and a plain "newest seen" mark would skip it. So the cursor keeps a window:

    {"v": 1, "floor": "<ISO time>" | null, "seen": [["<ISO time>", "<at:// uri>"], ...]}

- `seen` holds every item returned whose time is at or after `floor`;
- a fetch pages back from the newest item until one older than `floor` (or the end of
  the list) and returns, oldest first, the items at or after `floor` not in `seen`;
- then `floor` rises to LOOKBACK before the newest item seen, and `seen` drops what is
  below it. If more than MAX_SEEN remain, `floor` rises to the MAX_SEEN-th newest.

The first fetch (cursor "") reads one page only ("now-ish"); the next one may also
return items of that last day that did not fit on it. `floor` is null while nothing was
ever seen, so every item that arrives later is returned. What can still be missed: an
item whose time is more than LOOKBACK older than the newest item seen when it is indexed
(a post backdated by over a day), and items beyond MAX_PAGES pages of new ones in one
fetch (thousands).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

LOOKBACK = timedelta(days=1)
MAX_SEEN = 500
MAX_PAGES = 30
MAX_ITEMS = 100  # per fetch; `more` says when there are others


@dataclass(frozen=True)
class Entry(Generic[T]):
    """An item of a newest-first list, with its sort time and unique URI."""

    at: datetime
    uri: str
    item: T


@dataclass(frozen=True)
class Window:
    floor: datetime | None
    seen: dict[str, datetime]


FetchPage = Callable[[str | None], tuple[list[Entry[T]], str | None]]


def parse_time(value: str) -> datetime:
    """An AT Protocol datetime as an aware datetime (UTC when the string has no zone)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load(cursor: str) -> Window | None:
    """The window a cursor describes; None for "" (or a cursor this code did not write)."""
    try:
        data = json.loads(cursor)
        floor = parse_time(data["floor"]) if data["floor"] else None
        seen = {uri: parse_time(at) for at, uri in data["seen"]}
    except (ValueError, TypeError, KeyError):
        return None
    return Window(floor, seen)


def dump(window: Window) -> str:
    seen = sorted(((at.isoformat(), uri) for uri, at in window.seen.items()), reverse=True)
    floor = window.floor.isoformat() if window.floor else None
    return json.dumps({"v": 1, "floor": floor, "seen": seen}, separators=(",", ":"))


def collect(window: Window | None, fetch: FetchPage[T], max_pages: int) -> list[Entry[T]]:
    """New entries: pages back until past the floor (one page only for a new cursor)."""
    floor = window.floor if window else None
    known = set(window.seen) if window else set()
    found: list[Entry[T]] = []
    api_cursor: str | None = None
    for _ in range(max_pages if window else 1):
        entries, api_cursor = fetch(api_cursor)
        for entry in entries:
            if floor and entry.at < floor:
                return found
            if entry.uri not in known:
                known.add(entry.uri)
                found.append(entry)
        if not api_cursor:
            break
    return found


def advance(window: Window | None, returned: list[Entry[T]]) -> Window:
    """The window after returning `returned`: floor raised, seen trimmed to fit."""
    seen = dict(window.seen) if window else {}
    seen.update((entry.uri, entry.at) for entry in returned)
    if not seen:
        return Window(window.floor if window else None, {})
    floor = max(seen.values()) - LOOKBACK
    if window and window.floor:
        floor = max(floor, window.floor)
    if len(seen) > MAX_SEEN:
        floor = max(floor, sorted(seen.values(), reverse=True)[MAX_SEEN - 1])
    return Window(floor, {uri: at for uri, at in seen.items() if at >= floor})


def walk(
    cursor: str, fetch: FetchPage[T], max_pages: int = MAX_PAGES, max_items: int = MAX_ITEMS
) -> tuple[list[T], str, bool]:
    """(items oldest first, the next cursor, whether more are waiting) for a newest-first list."""
    window = load(cursor)
    found = sorted(collect(window, fetch, max_pages), key=lambda e: (e.at, e.uri))
    returned = found[:max_items]
    return [e.item for e in returned], dump(advance(window, returned)), len(found) > max_items
