"""Schemas shared by several routers (each router keeps its own resource schemas)."""

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _within_years(value: datetime) -> datetime:
    # Compared before any conversion: a year-9999 time moved to UTC overflows (a 500).
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"give a time between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


# A time a client sends: with its offset (2026-03-01T09:00:00+00:00), in a sane range.
When = Annotated[AwareDatetime, AfterValidator(_within_years)]


class ErrorField(Schema):
    field: str
    message: str
    # A post's problem on one account (compose_error): which account, on which network.
    account: int | None = None
    network: str | None = None


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[ErrorField] | None = None


class ErrorOut(Schema):
    error: ErrorBody


# The answers every authenticated operation may give besides its own; routers spread these
# into `response=` so the document states them (schemathesis checks every answer).
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    502: ErrorOut,
    503: ErrorOut,
}
