"""Events: what happened in a workspace, for the API's webhooks to tell the owner's machines.

The features decide when something happened (a message arrived, a post went out, a code was
redeemed) and say so here, inside the transaction that made it happen; core names no feature
and no receiver. The API registers a listener from its AppConfig.ready() that keeps each
event in an outbox table in that same transaction, so an event whose write was rolled back
is never sent, and one that was written always is:

    register_event_type(EventType("offer.redeemed", "A code was redeemed", {...example...}))
    emit(workspace.pk, "offer.redeemed", {"offer": 3, ...})      # in the feature's transaction

Without a listener (the API not installed, a unit test) `emit` does nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class EventType:
    """A kind of event: its dotted name, a sentence for the webhooks page, example data."""

    name: str
    description: str
    example: dict[str, Any] = field(default_factory=dict)


# (workspace id, event type, data, when it happened) -> None; called in the emitter's transaction.
Listener = Callable[[int, str, dict[str, Any], datetime], None]

EVENT_TYPES: dict[str, EventType] = {}
LISTENERS: list[Listener] = []


def register_event_type(event_type: EventType) -> None:
    """Add a kind of event; registering the same name again replaces it."""
    EVENT_TYPES[event_type.name] = event_type


def event_types() -> list[EventType]:
    """Every registered kind of event, by name."""
    return sorted(EVENT_TYPES.values(), key=lambda t: t.name)


def register_listener(listener: Listener) -> None:
    """Add a listener; registering the same function again changes nothing."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def emit(
    workspace_id: int, type_name: str, data: dict[str, Any], at: datetime | None = None
) -> None:
    """Say that `type_name` happened in the workspace, with JSON-ready `data`, at `at` (now).
    Call it inside the transaction of the write it reports."""
    if type_name not in EVENT_TYPES:
        raise ValueError(f"{type_name!r} is not a registered event type")
    when = at or timezone.now()
    for listener in LISTENERS:
        listener(workspace_id, type_name, data, when)
