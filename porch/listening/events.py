"""What listening tells the API's webhooks (porch.core.events): a search's spike, once per
spike (then it cools down), in quiet hours too: machines do not sleep."""

from datetime import datetime

from django.conf import settings

from porch.core.events import EventType, emit, register_event_type
from porch.listening.models import Search

LISTENING_SPIKE = EventType(
    "listening.spike",
    "A search found well more posts, or more negative posts, than on its usual day.",
    {
        "search": 4,
        "name": "Bakery",
        "reason": "volume",
        "count": 15,
        "negative": 2,
        "usual": 3.0,
        "hour": "2026-11-18T12:00:00+00:00",
        "hits": [812, 811, 809],
        "urgent": True,
        "url": "https://porch.example/w/corner-bakery/listening/4/",
    },
)


def register() -> None:
    register_event_type(LISTENING_SPIKE)


def spiked(
    search: Search, *, reason: str, window: tuple[int, int, float], hits: list[int], now: datetime
) -> None:
    """Tell of the search's spike at `now`: its window's (count, negative, usual), the posts
    that caused it. A spike is urgent (endpoints that want only urgent alerts hear it)."""
    count, negative, usual = window
    data = {
        "search": search.pk,
        "name": search.name,
        "reason": reason,
        "count": count,
        "negative": negative,
        "usual": usual,
        "hour": now.replace(minute=0, second=0, microsecond=0).isoformat(),
        "hits": hits,
        "urgent": True,
        "url": search_link(search),
    }
    emit(search.workspace_id, LISTENING_SPIKE.name, data, at=now)


def search_link(search: Search) -> str:
    """The search's page in Porch, as an absolute address (for e-mails and events)."""
    return f"{settings.BASE_URL}/w/{search.workspace.slug}/listening/{search.pk}/"
