"""A listener of porch.core.events that keeps what the features emit, for their tests:

    from tests.event_capture import Emitted, emitted
    __all__ = ["emitted"]

    def test_x(emitted: Emitted) -> None:
        ...
        (event,) = emitted.of("offer.redeemed")

Every emitted data is JSON-ready (checked as it is kept)."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

import pytest

from porch.core import events


class Event(NamedTuple):
    workspace_id: int
    type: str
    data: dict[str, Any]
    at: datetime


class Emitted(list[Event]):
    def __call__(
        self, workspace_id: int, type_name: str, data: dict[str, Any], at: datetime
    ) -> None:
        assert json.loads(json.dumps(data)) == data  # JSON-ready: ints, strings, ISO times
        assert set(data) == set(events.EVENT_TYPES[type_name].example), "keys as documented"
        self.append(Event(workspace_id, type_name, data, at))

    def of(self, type_name: str) -> list[Event]:
        return [event for event in self if event.type == type_name]


@pytest.fixture
def emitted() -> Iterator[Emitted]:
    kept = Emitted()
    events.LISTENERS.append(kept)
    yield kept
    events.LISTENERS.remove(kept)
