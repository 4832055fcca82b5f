"""Numbers as a shop owner reads them: money with the workspace's currency and thousands
separators, time as "6 min" or "1 h 30 min", counts per hour only over enough time."""

from decimal import ROUND_HALF_UP, Decimal

from porch.inbox.clock import duration_text
from porch.workspaces.models import Workspace

MIN_HOURS = 1.0  # below an hour, a figure per hour says more about the clock than the work

# The workspace has no currency of its own yet: its time zone names the likely one.
_POUND_ZONES = {
    "Europe/London",
    "Europe/Belfast",
    "Europe/Guernsey",
    "Europe/Isle_of_Man",
    "Europe/Jersey",
}
_EURO_CITIES = [
    "Amsterdam",
    "Athens",
    "Berlin",
    "Bratislava",
    "Brussels",
    "Dublin",
    "Helsinki",
    "Lisbon",
    "Ljubljana",
    "Luxembourg",
    "Madrid",
    "Malta",
    "Monaco",
    "Paris",
    "Riga",
    "Rome",
    "Tallinn",
    "Vienna",
    "Vilnius",
    "Zagreb",
    "Andorra",
    "Nicosia",
]
_DOLLAR_PREFIXES = ("America/", "US/", "Canada/", "Australia/", "Pacific/Auckland")


def currency_symbol(workspace: Workspace) -> str:
    """£, € or $ from the workspace's time zone; "" where Porch cannot tell."""
    zone = workspace.timezone
    if zone in _POUND_ZONES:
        return "£"
    if zone.startswith("Europe/") and zone.split("/", 1)[1] in _EURO_CITIES:
        return "€"
    return "$" if zone.startswith(_DOLLAR_PREFIXES) else ""


def money(amount: Decimal | float | int, symbol: str = "") -> str:
    """£1,234.50: two decimals, thousands separated, the sign before the symbol."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def hours_text(hours: float) -> str:
    """Time spent: "none", "under a minute", "6 min", "1 h 30 min"."""
    if hours <= 0:
        return "none"
    return duration_text(round(hours * 3600))


def count(value: float) -> str:
    """A count or a rate: whole numbers with separators, else one decimal (0.5, 12.3)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"
