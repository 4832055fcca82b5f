"""How the firehoses are read (porch/networks/firehose.py): the health page's figures
(registered in NetworksConfig.ready) and `porch stream --status`'s lines, from the
FirehoseState rows, whichever worker reads them."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from porch.networks.firehose import firehose_networks
from porch.networks.models import FirehoseState


@dataclass(frozen=True)
class StreamFigures:
    """One network's firehose as its row says now."""

    network: str
    label: str
    holder: str  # the worker reading it; "" when none is (no lease held)
    connected_at: datetime | None
    last_event_at: datetime | None
    lag_seconds: float | None
    rate: float  # events a second over the reader's last minute
    events: int
    posts: int
    kept: int
    skipped: dict[str, int] = field(default_factory=dict)
    gap: str = ""
    last_error: str = ""

    @property
    def reading(self) -> bool:
        return bool(self.holder)

    @property
    def lag(self) -> str:
        if not self.reading:
            return "not read now"
        if self.lag_seconds is None:
            return "no event yet"
        behind = self.lag_seconds > BEHIND
        return f"{self.lag_seconds:.1f} s" + (f" ({BEHIND_WORDS})" if behind else "")

    @property
    def skipped_text(self) -> str:
        counts = sorted(self.skipped.items())
        return ", ".join(f"{kind} {count:,}" for kind, count in counts) or "none"

    def lines(self) -> list[str]:
        """For `porch stream --status`."""
        when = self.connected_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.connected_at else ""
        reader = f"{self.holder}, connected since {when}" if self.reading else "nobody"
        last = self.last_event_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.last_event_at else ""
        return [
            f"{self.label} stream",
            f"  read by     {reader}",
            f"  lag         {self.lag}" + (f" (newest event {last})" if last else ""),
            f"  rate        {self.rate:,.1f} events/s"
            + ("" if self.reading else " (when last read)"),
            f"  read        {self.events:,} events, {self.posts:,} posts, {self.kept:,} kept",
            f"  skipped     {self.skipped_text}",
            f"  gap         {self.gap or 'none'}",
            f"  last error  {self.last_error or 'none'}",
        ]


BEHIND = 60.0  # seconds of lag past which the reader says it is not keeping up
BEHIND_WORDS = (
    "behind: it reads slower than the network writes, or it is catching up after a stop; "
    "if this lasts, one core is not enough for this install's searches"
)


def _lag(state: FirehoseState, now: datetime) -> float | None:
    """The lag as last stored, or the time since the newest event stored where that is
    longer (a reader stuck retrying stores nothing, and its stored lag would stand still)."""
    if state.last_event_at is None:
        return state.lag_seconds
    since = (now - state.last_event_at).total_seconds()
    return max(state.lag_seconds or 0.0, since)


def stream_figures(now: datetime) -> list[StreamFigures]:
    """Each installed firehose's figures (a network never read yet shows zeros)."""
    rows = {state.network: state for state in FirehoseState.objects.all()}
    found = []
    for network in firehose_networks():
        state = rows.get(network.name) or FirehoseState(network=network.name)
        held = state.leased_until is not None and state.leased_until > now
        found.append(
            StreamFigures(
                network=network.name,
                label=network.label,
                holder=state.holder if held else "",
                connected_at=state.connected_at if held else None,
                last_event_at=state.last_event_at,
                lag_seconds=_lag(state, now),
                rate=state.rate,
                events=state.events,
                posts=state.posts,
                kept=state.kept,
                skipped=dict(state.skipped),
                gap=state.gap,
                last_error=state.last_error,
            )
        )
    return found


def install_figures(now: datetime) -> dict[str, object]:
    """For install admins: each firehose's reader, lag, rate, gap and last error (where
    PORCH_FIREHOSE is on, or it was ever read: `porch stream`)."""
    ever_read = set(FirehoseState.objects.values_list("network", flat=True))
    figures = [f for f in stream_figures(now) if settings.FIREHOSE or f.network in ever_read]
    return {"streams": figures} if figures else {}
