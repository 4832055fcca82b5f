"""What people say, as a chart drawn on the server (porch.core.charts makes the SVG)."""

from matplotlib.figure import Figure

from porch.core.charts import COLOURS
from porch.listening.analytics import Day


def volume_chart(days: list[Day]) -> Figure:
    """Mentions a day, stacked by how people felt."""
    figure = Figure(figsize=(7, 3))
    axes = figure.subplots()
    if not any(day.total for day in days):
        axes.text(0.5, 0.5, "Nothing found in these days", ha="center", va="center")
        axes.set_axis_off()
    else:
        xs = range(len(days))
        bottom = [0] * len(days)
        for mood, colour in COLOURS.items():
            values = [getattr(day, mood) for day in days]
            axes.bar(xs, values, bottom=bottom, color=colour, label=mood.capitalize())
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, len(days) // 6)
        axes.set_xticks(xs[::step], [day.day.strftime("%d %b") for day in days[::step]])
        axes.set_ylabel("Mentions")
        axes.legend(loc="upper left", fontsize=8)
    figure.suptitle("Mentions a day, by feeling", fontsize=11)
    return figure
