"""The report's charts, drawn on the server with matplotlib: SVG for pages, PNG for email/PDF.

A chart with nothing to show is not drawn: each returns None and the page says what is
missing instead (porch.insights.report)."""

import io
from collections.abc import Callable
from datetime import date

import matplotlib

matplotlib.use("Agg")
import itertools
import math

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from porch.core.charts import COLOURS
from porch.core.charts import svg as svg  # the pages' SVG, shared with listening

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def _figure(title: str, draw: Callable[[Figure], None]) -> Figure:
    figure = Figure(figsize=(7, 3))
    draw(figure)
    figure.suptitle(title, fontsize=11)
    return figure


def engagement_over_time(days: list[tuple[date, int, int]]) -> Figure | None:
    """Engagement per day; None without any (the page says why instead of an empty chart)."""
    if not any(e for _, _, e in days):
        return None

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        labels = [d.strftime("%a %d") for d, _, _ in days]
        axes.bar(range(len(days)), [e for _, _, e in days], color="#2e86c1")
        axes.set_xticks(range(len(days)), labels)
        axes.set_ylabel("Engagement")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    return _figure("Engagement over time", draw)


def best_hours(cells: list[list[float | None]]) -> Figure | None:
    """Engagement per post by day and hour (blank where no post); None without any."""
    if not any(value for row in cells for value in row):
        return None

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        grid = [[value if value is not None else math.nan for value in row] for row in cells]
        image = axes.imshow(grid, aspect="auto", cmap="YlGn", vmin=0)
        axes.set_yticks(range(7), DAYS)
        axes.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
        axes.set_xlabel("Hour of posting")
        figure.colorbar(image, ax=axes, label="Engagement per post")

    return _figure("Best hours to post", draw)


def response_times(minutes: list[float]) -> Figure | None:
    """How long first answers took; None without an answered conversation."""
    if not minutes:
        return None

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        edges = [0, 15, 30, 60, 120, 240, 480, 1440, max(1441.0, max(minutes) + 1)]
        labels = ["<15m", "15-30m", "30-60m", "1-2h", "2-4h", "4-8h", "8-24h", ">1 day"]
        counts = [sum(1 for m in minutes if lo <= m < hi) for lo, hi in itertools.pairwise(edges)]
        axes.bar(range(len(labels)), counts, color="#8e44ad")
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylabel("Conversations")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    return _figure("Time to first answer", draw)


def sentiment_trend(days: dict[date, dict[str, int]]) -> Figure | None:
    """Messages per day by mood; None when no message came in."""
    if not any(n for counts in days.values() for n in counts.values()):
        return None

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        labels = [d.strftime("%a %d") for d in days]
        for mood, colour in COLOURS.items():
            values = [counts[mood] for counts in days.values()]
            axes.plot(range(len(labels)), values, marker="o", color=colour, label=mood.capitalize())
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylabel("Messages")
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="upper left", fontsize=8)

    return _figure("How people felt", draw)
