"""The notification/search cursor over fake newest-first pages: no gaps, no repeats."""

from datetime import UTC, datetime, timedelta

from porch.networks.bluesky import cursor
from porch.networks.bluesky.cursor import Entry, walk

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class FakeList:
    """A newest-first list served in pages, like listNotifications."""

    def __init__(self, page_size: int = 3) -> None:
        self.entries: list[Entry[str]] = []
        self.page_size = page_size
        self.requests = 0

    def add(self, name: str, minutes: float) -> None:
        """An item sorted at T0 + minutes (Bluesky's indexedAt: min(createdAt, indexed))."""
        at = T0 + timedelta(minutes=minutes)
        self.entries.append(Entry(at, f"at://did:plc:pat/app.bsky.feed.post/{name}", name))

    def page(self, api_cursor: str | None) -> tuple[list[Entry[str]], str | None]:
        self.requests += 1
        ordered = sorted(self.entries, key=lambda e: (e.at, e.uri), reverse=True)
        start = int(api_cursor or 0)
        end = start + self.page_size
        return ordered[start:end], str(end) if end < len(ordered) else None


def fetch(fake: FakeList, position: str) -> tuple[list[str], str]:
    items, next_position, more = walk(position, fake.page)
    assert not more
    return items, next_position


def test_the_first_fetch_reads_one_page_oldest_first() -> None:
    fake = FakeList()
    for n in range(5):
        fake.add(f"m{n}", n)
    items, position = fetch(fake, "")
    assert items == ["m2", "m3", "m4"]
    assert fake.requests == 1
    # The next fetch also brings the rest of the last day, then nothing again.
    items, position = fetch(fake, position)
    assert items == ["m0", "m1"]
    assert fetch(fake, position)[0] == []


def test_each_item_comes_once_across_fetches() -> None:
    fake = FakeList()
    fake.add("m0", 0)
    items, position = fetch(fake, "")
    assert items == ["m0"]
    for n in range(1, 8):
        fake.add(f"m{n}", n)
    items, position = fetch(fake, position)
    assert items == [f"m{n}" for n in range(1, 8)]  # over three pages, no gap
    assert fetch(fake, position)[0] == []


def test_an_empty_account_returns_everything_that_arrives_later() -> None:
    fake = FakeList()
    items, position = fetch(fake, "")
    assert items == []
    fake.add("old-but-new", -500)
    assert fetch(fake, position)[0] == ["old-but-new"]


def test_a_post_indexed_late_below_the_newest_is_not_lost() -> None:
    fake = FakeList()
    fake.add("a", 10)
    _, position = fetch(fake, "")
    fake.add("b", 12)
    fake.add("late", 5)  # written before "a", indexed after it was fetched
    items, position = fetch(fake, position)
    assert items == ["late", "b"]
    assert fetch(fake, position)[0] == []


def test_a_post_backdated_beyond_the_lookback_is_missed() -> None:
    fake = FakeList()
    fake.add("a", 0)
    _, position = fetch(fake, "")
    fake.add("imported", -(cursor.LOOKBACK.total_seconds() / 60) - 1)
    assert fetch(fake, position)[0] == []


def test_the_walk_stops_at_the_floor() -> None:
    fake = FakeList(page_size=2)
    for n in range(40):
        fake.add(f"old{n}", -3000 - n)
    fake.add("a", 0)
    _, position = fetch(fake, "")
    fake.add("b", 1)
    fake.requests = 0
    assert fetch(fake, position)[0] == ["b"]
    assert fake.requests == 2  # not the 21 pages of old items


def test_items_at_the_same_time_are_told_apart() -> None:
    fake = FakeList()
    fake.add("a", 0)
    _, position = fetch(fake, "")
    fake.add("b", 0)
    assert fetch(fake, position)[0] == ["b"]


def test_a_long_backlog_comes_in_chunks() -> None:
    fake = FakeList(page_size=100)
    fake.add("first", 0)
    _, position = fetch(fake, "")
    for n in range(250):
        fake.add(f"m{n:03}", 1 + n / 100)
    chunks = []
    more = True
    while more:
        items, position, more = walk(position, fake.page)
        chunks.append(items)
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]
    assert [item for chunk in chunks for item in chunk] == [f"m{n:03}" for n in range(250)]


def test_the_cursor_stays_small() -> None:
    fake = FakeList(page_size=100)
    fake.add("first", 0)
    _, position = fetch(fake, "")
    for n in range(cursor.MAX_SEEN + 50):
        fake.add(f"m{n}", n / 1000)
    more = True
    while more:
        _, position, more = walk(position, fake.page)
    window = cursor.load(position)
    assert window is not None and len(window.seen) == cursor.MAX_SEEN
    fake.add("next", 5)
    assert fetch(fake, position)[0] == ["next"]


def test_the_cursor_is_json_that_round_trips() -> None:
    fake = FakeList()
    fake.add("a", 0)
    _, position = fetch(fake, "")
    window = cursor.load(position)
    assert window is not None
    assert cursor.dump(window) == position
    assert window.floor == T0 - cursor.LOOKBACK


def test_a_cursor_it_did_not_write_starts_afresh() -> None:
    fake = FakeList()
    fake.add("a", 0)
    assert fetch(fake, "not json")[0] == ["a"]
    assert fetch(fake, '{"v": 1}')[0] == ["a"]
