"""Values from query strings and forms, parsed so that a bad one is None, never a crash.

Python's own parsers accept more than a page should: `int("١٢")` is 12 and `"²".isdigit()`
is true yet `int("²")` fails; a 23-digit id overflows the database's integer columns;
`date(9999, 12, 31)` parses but the week after it does not exist. Each helper here takes
the raw text and answers the value or None, so a view can fall back or answer 404.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest

ID_MAX = 2**63 - 1  # a BigAutoField
INT_MAX = 2**31 - 1  # an IntegerField on PostgreSQL
FIRST_DAY = date(1900, 1, 1)  # dates outside these are refused: pages add months and
LAST_DAY = date(2999, 12, 31)  # weeks to them, and Python's dates end in year 9999
FORM_SLACK = 64 * 1024  # an upload's form: its other fields and the multipart boundaries


def parse_int(raw: str | None, low: int = 0, high: int = INT_MAX) -> int | None:
    """An integer written in ASCII digits, between low and high; else None."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(raw: str | None) -> int | None:
    """A record's primary key, or None (so a lookup can answer 404, not a database error)."""
    return parse_int(raw, 1, ID_MAX)


def parse_date(raw: str | None) -> date | None:
    """A YYYY-MM-DD date between FIRST_DAY and LAST_DAY; else None."""
    text = (raw or "").strip()
    if not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_range(day) else None


def in_range(day: date) -> bool:
    """Whether a page may show `day` and the weeks and months around it."""
    return FIRST_DAY <= day <= LAST_DAY


def parse_local_time(raw: str | None, zone: ZoneInfo) -> datetime | None:
    """A date and time as typed in a datetime-local field, in `zone`; else None."""
    text = (raw or "").strip()
    if not text.isascii():
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not in_range(naive.date()):
        return None
    return naive.replace(tzinfo=zone)


def parse_choice(raw: str | None, choices: Iterable[str], default: str) -> str:
    """`raw` if it is one of `choices`, else `default`."""
    text = (raw or "").strip()
    return text if text in set(choices) else default


def upload_too_big(request: HttpRequest, max_mb: int) -> bool:
    """Whether the request says it carries more than an upload of `max_mb` MB (and its
    form), so that a view can refuse it before the body is read."""
    length = parse_int(request.META.get("CONTENT_LENGTH"), high=2**62) or 0
    return length > max_mb * 1024 * 1024 + FORM_SLACK
