"""Schemas shared by several routers (each router keeps its own resource schemas)."""

from ninja import Schema


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
