"""Reading a till's CSV: the formats Porch knows, money and dates as tills write them.

Presets are recognised from the header (research22 §3):
- Shopify orders export: one row per line item, the order's own columns on its first row;
  rows are grouped by `Name` (#1001), the code is `Discount Code`, the amount `Total`, the
  time `Paid at` (else `Created at`); refunded or voided orders and cancelled ones are skipped.
- Square transactions: no code column, so the code is the `Discount Name` (the owner names the
  Square discount after it) or a code written in a tender note, the description or details;
  the key is `Transaction ID`, the amount `Total Collected`; refund events are skipped.
- Square items: one row per item of a transaction; the item amounts are added up.
- anything else: the owner says which columns hold the order, the code (or a note with it),
  the amount and the date ("mapped").

Nothing here touches the database: `read_orders` turns bytes into orders with the code
texts found, and a row-named error for each row it cannot use. Rows are numbered as a
spreadsheet numbers them (the header is row 1).
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter
from zoneinfo import ZoneInfo

SHOPIFY, SQUARE, SQUARE_ITEMS, MAPPED = "shopify", "square-transactions", "square-items", "mapped"
LABELS = {
    SHOPIFY: "Shopify orders export",
    SQUARE: "Square transactions export",
    SQUARE_ITEMS: "Square items export",
    MAPPED: "Your own columns",
}
# What the owner picks for a file Porch does not know (mapping keys).
MAP_FIELDS = [
    ("order", "Order or receipt number"),
    ("code", "Discount code, or a note that contains it"),
    ("amount", "Amount paid"),
    ("date", "Date (and time)"),
]
MAX_ERRORS = 20  # error lines kept; the rest are counted
_NOTES = ("Other Tender Note", "Tender Note", "Description", "Details", "Notes")


@dataclass(frozen=True)
class Spec:
    """Which columns a format keeps each thing in (the first one present is used)."""

    key: tuple[str, ...]
    codes: tuple[str, ...] = ()  # cells holding a code as typed
    notes: tuple[str, ...] = ()  # cells whose text may contain a code
    amount: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # several: the first non-empty one wins
    time: str = ""
    zone: str = ""
    add_up: bool = False  # one row per item: the order's amount is their sum


SPECS = {
    SHOPIFY: Spec(
        key=("Name",),
        codes=("Discount Code",),
        amount=("Total",),
        dates=("Paid at", "Created at"),
    ),
    SQUARE: Spec(
        key=("Transaction ID", "Payment ID"),
        codes=("Discount Name",),
        notes=_NOTES,
        amount=("Total Collected", "Net Sales"),
        dates=("Date",),
        time="Time",
        zone="Time Zone",
    ),
    SQUARE_ITEMS: Spec(
        key=("Transaction ID", "Payment ID"),
        codes=("Discount Name",),
        notes=_NOTES,
        amount=("Net Sales", "Gross Sales"),
        dates=("Date",),
        time="Time",
        zone="Time Zone",
        add_up=True,
    ),
}


def detect(header: list[str]) -> str:
    """The preset a header belongs to, or "" when the owner must say which column is which."""
    have = set(header)
    if {"Name", "Discount Code", "Total"} <= have and have & {"Paid at", "Created at"}:
        return SHOPIFY
    if "Transaction ID" in have and "Date" in have:
        if "Total Collected" in have:
            return SQUARE
        if "Item" in have and have & {"Net Sales", "Gross Sales"}:
            return SQUARE_ITEMS
    return ""


def mapped_spec(mapping: dict[str, str]) -> Spec:
    column = mapping.get("code", "")
    return Spec(
        key=(mapping.get("order", ""),),
        codes=(column,),
        notes=(column,),
        amount=(mapping.get("amount", ""),),
        dates=(mapping.get("date", ""),),
    )


# ---- money and dates -----------------------------------------------------------------

# Each run of spaces follows the part it belongs to, so no two runs sit side by side when the
# optional parts are missing (they would backtrack quadratically over a long run of spaces).
_MONEY = re.compile(
    r"(?P<open>\()?\s*(?:(?P<minus>[-\u2212])\s*)?(?:(?P<pre>[^\d\s().,'-]{1,3})\s*)?"
    r"(?:(?P<minus2>[-\u2212])\s*)?(?P<num>\d(?:[\d,.' \u00a0]*\d)?)"
    r"(?:\s*(?P<post>[^\d\s().,'-]{1,3}))?\s*(?P<close>\))?"
)
CENT = Decimal("0.01")
MONEY_MAX = Decimal("9999999999.99")  # what Redemption.amount holds


def parse_money(text: str) -> Decimal | None:
    """An amount as tills write it ("$1,240.00", "-$3.00", "(3.00)", "12,50 €"), or None."""
    found = _MONEY.fullmatch((text or "").strip())
    if found is None or bool(found["open"]) != bool(found["close"]):
        return None
    number = _plain_number(found["num"])
    if number is None:
        return None
    negative = bool(found["open"] or found["minus"] or found["minus2"])
    amount = (-number if negative else number).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount if abs(amount) <= MONEY_MAX else None


def _plain_number(text: str) -> Decimal | None:
    """Digits with thousands separators and one decimal mark, whichever way round."""
    digits = re.sub(r"[ '\u00a0]", "", text)
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        mark = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif commas == 1 and len(digits) - digits.rfind(",") - 1 in (1, 2):
        mark = ","
    elif dots == 1:
        mark = "."
    else:
        mark = ""
    group = "," if mark != "," else "."
    whole, _, cents = digits.replace(group, "").partition(mark) if mark else (digits, "", "")
    if not whole.replace(group, "").isdigit() or (cents and not cents.isdigit()):
        return None
    try:
        return Decimal(f"{whole.replace(group, '')}.{cents or '0'}")
    except InvalidOperation:
        return None


_DATE = re.compile(
    r"(?:(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"|(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y2>\d{4}|\d{2}))"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
# The names Square writes in "Time Zone" (Rails' names), beside the IANA ones.
ZONES = {
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Mountain Time (US & Canada)": "America/Denver",
    "Central Time (US & Canada)": "America/Chicago",
    "Eastern Time (US & Canada)": "America/New_York",
    "Arizona": "America/Phoenix",
    "Alaska": "America/Anchorage",
    "Hawaii": "Pacific/Honolulu",
    "London": "Europe/London",
    "Dublin": "Europe/Dublin",
    "Paris": "Europe/Paris",
    "Madrid": "Europe/Madrid",
    "Berlin": "Europe/Berlin",
    "Amsterdam": "Europe/Amsterdam",
    "Sydney": "Australia/Sydney",
    "Melbourne": "Australia/Melbourne",
    "Brisbane": "Australia/Brisbane",
    "Perth": "Australia/Perth",
    "Auckland": "Pacific/Auckland",
    "Tokyo": "Asia/Tokyo",
    "UTC": "UTC",
}


@lru_cache(maxsize=256)
def zone_of(text: str, default: tzinfo) -> tzinfo:
    """The zone a "Time Zone" cell names ("Pacific Time (US & Canada)", "Europe/Paris")."""
    name = ZONES.get(text.strip(), text.strip())
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return default


def parse_when(text: str, zone: tzinfo) -> datetime | None:
    """A date with an optional time and offset ("2026-03-12 09:14:02 +0000", "10/05/2026
    2:30:00 PM"), aware (in `zone` when it has no offset), or None. 05/10/2026 reads as May
    10th (as US tills write it) unless the first number cannot be a month."""
    found = _DATE.fullmatch((text or "").strip())
    if found is None:
        return None
    if found["y"]:
        year, month, day = int(found["y"]), int(found["m"]), int(found["d"])
    else:
        month, day, year = int(found["a"]), int(found["b"]), int(found["y2"])
        year += 2000 if year < 100 else 0
        if month > 12:
            month, day = day, month
    hour, minute, second = int(found["H"] or 0), int(found["M"] or 0), int(found["S"] or 0)
    if found["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found["ampm"][0] in "Pp" else 0)
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return naive.replace(tzinfo=_offset(found["tz"]) or zone)


@lru_cache(maxsize=256)
def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return timezone(sign * timedelta(minutes=minutes)) if minutes < 24 * 60 else None


# ---- reading the file ------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM), else Windows-1252 as Excel saves it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\x00", "")


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]], list[str]]:
    """(header, numbered data rows, errors): a row the csv module cannot read ends the
    reading with an error line naming it instead of an exception."""
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = [cell.strip() for cell in next(reader, [])]
    except csv.Error as exc:
        return [], iter(()), [f"Row 1: cannot be read as CSV ({exc})."]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1  # as a spreadsheet numbers rows: the header is row 1
        try:
            for row in reader:
                number += 1
                if "".join(row).strip():
                    yield number, row
        except csv.Error as exc:
            problems.append(
                f"Row {number + 1}: cannot be read as CSV ({exc}); the rows after it "
                "were not read. Save the file again from the till or spreadsheet as CSV."
            )

    return header, rows(), problems


@dataclass(slots=True)
class Order:
    """One order (or transaction) of the file, as found; `codes` are the texts to try."""

    key: str
    row: int
    codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    amount: str = ""
    amounts: dict[tuple[str, ...], str] = field(default_factory=dict)  # add_up: per row
    dates: list[str] = field(default_factory=list)
    time: str = ""
    zone: str = ""
    skip: str = ""


@dataclass
class Read:
    rows: int = 0
    orders: dict[str, Order] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def error(self, line: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(line)


class _Columns:
    """A spec's columns as indexes into a row of this header; a column the file lacks
    points at the blank cell every row is padded with (`width`)."""

    def __init__(self, header: list[str], spec: Spec) -> None:
        where = {name: i for i, name in reversed(list(enumerate(header)))}
        self.width = blank = len(header)
        self.key_name = next((name for name in spec.key if name in where), spec.key[0])
        self.key = where.get(self.key_name, blank)
        self.codes = [where[name] for name in spec.codes if name in where]
        self.notes = [where[name] for name in spec.notes if name in where]
        self.amount = next((where[name] for name in spec.amount if name in where), blank)
        self.dates = [where[name] for name in spec.dates if name in where]
        self.time, self.zone = where.get(spec.time, blank), where.get(spec.zone, blank)
        self.status = where.get("Financial Status", blank)
        self.cancelled = where.get("Cancelled at", blank)
        self.event = where.get("Event Type", blank)
        self.add_up = spec.add_up
        # A row with none of these filled in (a line item's row) adds nothing to its order.
        self.useful = [
            *self.codes,
            *self.notes,
            *self.dates,
            *(self.amount, self.time, self.zone, self.status, self.cancelled, self.event),
        ]


def read_orders(text: str, preset: str, mapping: dict[str, str]) -> Read:
    """The file's orders grouped by their key, in any row order; duplicated rows are one."""
    header, rows, problems = read_rows(text)
    spec = mapped_spec(mapping) if preset == MAPPED else SPECS[preset]
    columns = _Columns(header, spec)
    read = Read()
    orders, width, dates = read.orders, columns.width, len(columns.dates)
    useful = itemgetter(*columns.useful)  # a tuple of cells (or one cell: its characters)
    for number, row in rows:
        read.rows += 1
        if len(row) <= width:
            row.extend([""] * (width + 1 - len(row)))
        key = row[columns.key].strip()
        if not key:
            read.error(
                f"Row {number}: no order number in the {columns.key_name!r} column; "
                "fill it in or delete the row."
            )
            continue
        order = orders.get(key)
        if order is None:
            order = orders[key] = Order(key, number, dates=[""] * dates)
        if any(useful(row)):
            _merge(order, row, columns)
    for line in problems:
        read.error(line)
    return read


def _merge(order: Order, row: list[str], columns: _Columns) -> None:
    """Add one (padded) row's cells to its order: the first non-empty value of each wins."""
    for index in columns.codes:
        value = row[index].strip()
        if value and value not in order.codes:
            order.codes.append(value)
    for index in columns.notes:
        value = row[index].strip()
        if value and value not in order.notes:
            order.notes.append(value)
    amount = row[columns.amount].strip()
    if amount and columns.add_up:
        order.amounts.setdefault(tuple(row), amount)  # the same row twice counts once
    elif amount and not order.amount:
        order.amount = amount
    for position, index in enumerate(columns.dates):
        if not order.dates[position]:
            order.dates[position] = row[index].strip()
    if not order.time:
        order.time = row[columns.time].strip()
    if not order.zone:
        order.zone = row[columns.zone].strip()
    if not order.skip:
        order.skip = _skip(row, columns)


def _skip(row: list[str], columns: _Columns) -> str:
    status = row[columns.status].strip().lower()
    if status in ("refunded", "voided"):
        return status
    if row[columns.cancelled].strip():
        return "cancelled"
    if row[columns.event].strip().lower() == "refund":
        return "refunded"
    return ""


# ---- an order's code, amount and time ------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def candidates(order: Order, fold: Callable[[str], str]) -> Iterator[str]:
    """The folded texts that may be one of the shop's codes, most likely first: each code
    cell whole and split at commas, then the words of the notes (alone and in pairs, for
    "ABCD EFGH")."""
    for text in order.codes:
        yield fold(text)
        if "," in text:
            yield from (fold(part) for part in text.split(","))
    for text in order.notes:
        words = _TOKEN.findall(text)
        for i, word in enumerate(words):
            yield fold(word)
            if i + 1 < len(words):
                yield fold(word + words[i + 1])


def amount_of(order: Order) -> tuple[Decimal | None, str]:
    """(the order's amount or None when it has none, the error when it cannot be read)."""
    texts = list(order.amounts.values()) if order.amounts else [order.amount]
    total = Decimal(0)
    for text in texts:
        if not text:
            continue
        value = parse_money(text)
        if value is None:
            return None, (
                f"the amount {_quoted(text)} is not an amount of money; write it like 12.50"
            )
        total += value
    if not any(texts):
        return None, ""
    if abs(total) > MONEY_MAX:
        return None, f"the amount {total} is too large"
    return total, ""


def when_of(order: Order, zone: tzinfo) -> tuple[datetime | None, str]:
    """(the order's time, the error when it has none that can be read)."""
    dates = [text for text in order.dates if text]
    if not dates:
        return None, "it has no date; fill the date in"
    local = zone_of(order.zone, zone)
    for text in dates:
        found = parse_when(f"{text} {order.time}".strip(), local) or parse_when(text, local)
        if found is not None:
            return found, ""
    return None, (
        f"the date {_quoted(dates[0])} cannot be read; write it like 2026-10-05 14:30 "
        "or 10/05/2026 2:30 PM"
    )


def _quoted(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


# ---- keeping no personal data ---------------------------------------------------------

_PERSONAL_HEADER = re.compile(
    r"e-?mail|phone|address|billing|shipping name|customer|first name|last name|^name$|"
    r"full name|buyer|recipient|street|zip|postcode|postal",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+")


def without_personal(text: str) -> str:
    """The file as CSV without the columns that name or reach a person, and with any
    e-mail address blanked elsewhere: kept only until the owner says which column is which.
    Every record stays (blank or not), so row numbers do not move."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out = io.StringIO()
    writer = csv.writer(out)
    keep: list[int] = []
    try:
        for number, row in enumerate(reader):
            if number == 0:
                keep = [i for i, name in enumerate(row) if not _PERSONAL_HEADER.search(name)]
            writer.writerow([_EMAIL.sub("", row[i]) if i < len(row) else "" for i in keep])
    except csv.Error:
        pass  # the rows after an unreadable one are not read anyway (read_rows says so)
    return out.getvalue()
