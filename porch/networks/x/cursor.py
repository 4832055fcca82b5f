"""The cursors XClient hands out: small JSON objects, so one string can carry two feeds.

fetch_incoming's cursor: {"dm": "<id>", "mentions": "<id>", "since": "<UTC time>"}

- "mentions": the newest mention id seen; the next fetch asks X for since_id=it and
  pages through every newer mention (X pages newest first; the client returns them
  oldest first).
- "dm": the newest direct-message event id seen; GET /2/dm_events has no since_id, so
  the next fetch pages back (newest first) until it reaches an event at or below it
  (20 pages at most: a backlog of over 2,000 messages between two fetches is cut).
- "since": when this account's first fetch ran. While a feed has no id yet (nothing had
  arrived), the next fetch reads everything after this time instead of "the latest
  page", so a quiet start leaves no gap.

The empty string is the very first fetch: one page of the latest mentions and messages,
not the account's whole history (X bills every post read).

search's cursor: {"newest": "<id>", "since": "<UTC time>", "top": "<id>", "until": "<id>"}.
A busy search stops after a few pages (X bills each post): the cursor then keeps
"newest" where it was, "until" the oldest post returned and "top" the newest, and the
next call reads since_id=newest, until_id=until, so the stretch in between is read
next, without gaps or repeats; once it is read, "top" becomes "newest". Recent search
reaches back seven days, so an older "newest" gives way to the start of that window.

Ids are X's snowflake ids (decimal strings); they grow with time, so they compare as
integers, and their high bits carry the time they were made (see `snowflake_time`).
"""

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Self

TWITTER_EPOCH_MS = 1288834974657
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def utc_text(epoch: float) -> str:
    """X's time format for start_time (whole seconds, UTC)."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """X's created_at (2026-11-20T09:15:02.000Z) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def snowflake_time(external_id: str) -> float:
    """When X made the post or event with this id, in epoch seconds."""
    return ((int(external_id) >> 22) + TWITTER_EPOCH_MS) / 1000


def _fields(text: str, names: tuple[str, ...]) -> dict[str, str]:
    if not text:
        return {}
    try:
        loaded: Any = json.loads(text)
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict) or not all(_valid(k, v) for k, v in loaded.items()):
        raise ValueError(f"not an X cursor: {text[:80]!r}")
    return {name: loaded.get(name, "") for name in names}


def _valid(name: str, value: Any) -> bool:
    """Ids are decimal strings, "since" an X time; either may be empty."""
    if not isinstance(value, str) or not value:
        return isinstance(value, str)
    return bool(_TIME.fullmatch(value)) if name == "since" else value.isdigit()


def _dump(fields: dict[str, str]) -> str:
    return json.dumps(fields, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class IncomingCursor:
    mentions: str = ""
    dm: str = ""
    since: str = ""

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(**_fields(text, ("mentions", "dm", "since")))

    def dump(self) -> str:
        return _dump(asdict(self))


@dataclass(frozen=True)
class SearchCursor:
    newest: str = ""
    since: str = ""
    until: str = ""
    top: str = ""

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(**_fields(text, ("newest", "since", "until", "top")))

    def dump(self) -> str:
        return _dump(asdict(self))
