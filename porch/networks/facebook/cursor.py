"""The Facebook fetch cursor: per stream, a time watermark and the ids seen near it.

Graph has no ids that grow with time, its created_time has one-second resolution, and an
item can show up in the API a little after later ones. So each stream (comments, tags,
messages) keeps

    newest   the newest created_time seen, in unix seconds
    seen     {id: created_time} of the items seen within OVERLAP of `newest`

and an item is new when it is no older than `newest - OVERLAP` and its id is not in
`seen`: ties in the same second and late arrivals come through once, nothing twice. An
empty cursor starts LOOK_BACK ago, and the watermark never lags more than that (comments
that surface later than that are taken as seen). The cursor is this as compact JSON:

    {"v": 1, "comments": {"newest": 1763629200, "seen": {"123_456": 1763629200}}, ...}
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

OVERLAP = 600.0  # seconds
LOOK_BACK = 3 * 24 * 3600.0
STREAMS = ("comments", "tags", "messages")


@dataclass(frozen=True)
class Watermark:
    newest: float
    seen: dict[str, float] = field(default_factory=dict)

    @property
    def floor(self) -> float:
        """Items older than this are taken as seen."""
        return self.newest - OVERLAP

    def is_new(self, item_id: str, created: float) -> bool:
        return created >= self.floor and item_id not in self.seen

    def advanced(self, found: Iterable[tuple[str, float]]) -> "Watermark":
        seen = {**self.seen, **dict(found)}
        newest = max([self.newest, *seen.values()])
        return Watermark(newest, {i: t for i, t in seen.items() if t >= newest - OVERLAP})


def parse_cursor(cursor: str, now: float) -> dict[str, Watermark]:
    """The watermarks in `cursor`; an empty or unreadable one starts LOOK_BACK ago."""
    start = now - LOOK_BACK
    try:
        saved = json.loads(cursor) if cursor else {}
        marks = {name: _watermark(saved.get(name), start) for name in STREAMS}
    except (ValueError, TypeError, AttributeError, KeyError):
        logger.warning("Unreadable Facebook cursor: starting from %d hours ago", LOOK_BACK // 3600)
        marks = {name: Watermark(start) for name in STREAMS}
    return marks


def _watermark(saved: Any, start: float) -> Watermark:
    """One stream's watermark from the parsed JSON (raises on a malformed one)."""
    if not saved:
        return Watermark(start)
    seen = {str(key): float(value) for key, value in saved["seen"].items()}
    return Watermark(max(float(saved["newest"]), start), seen)


def dump_cursor(marks: dict[str, Watermark]) -> str:
    payload: dict[str, object] = {"v": 1}
    for name, mark in marks.items():
        payload[name] = {
            "newest": int(mark.newest),
            "seen": {k: int(v) for k, v in mark.seen.items()},
        }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
