"""Charts drawn on the server with matplotlib, as inline SVG for pages (no JS, no CDN)."""

import io
import re

import matplotlib

matplotlib.use("Agg")
from matplotlib import rc_context
from matplotlib.figure import Figure

# How people felt, the same colours on every chart (stacked in this order, bottom up).
COLOURS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#27ae60"}


def svg(figure: Figure) -> str:
    """The chart as an inline <svg> element (text kept as text, no external references)."""
    out = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "porch"}):
        figure.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    # Its <style> element would break the page's Content-Security-Policy: porch.css has it.
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.DOTALL)
    return text[text.index("<svg") :]
