"""One shape for every error the API answers, from porch.errors' tree:

    {"error": {"code": "not_found", "message": "No such conversation in this workspace.",
               "fields": [{"field": "text", "message": "..."}]}}       # fields: input errors only

The code is stable (automation branches on it); the message is the sentence a page shows.
A PorchError maps by class, most specific first; bad input never answers 5xx (a body over
DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 `too_large`).
"""

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from porch.errors import Conflict, InputError, NotAllowed, NotFound, PorchError, Unavailable
from porch.networks.base import NetworkError

log = logging.getLogger(__name__)


class ApiError(PorchError):
    """An API call refused with an HTTP status and a stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        fields: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.fields = fields


def code_for(cls: type[PorchError]) -> str:
    """A PorchError subclass's stable code: its name in snake case (ComposeError:
    compose_error)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def status_and_code(exc: PorchError) -> tuple[int, str]:
    """The HTTP status and code an error answers with."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code
    for cls, status in (
        (NotAllowed, 403),
        (NotFound, 404),
        (Conflict, 409),
        (NetworkError, 502),
        (Unavailable, 503),
    ):
        if isinstance(exc, cls):
            return status, code_for(cls)
    if isinstance(exc, InputError):
        return 422, code_for(type(exc))
    return 400, "refused"


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    *,
    fields: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    response = api.create_response(request, {"error": body}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api`."""

    @api.exception_handler(PorchError)
    def porch_error(request: HttpRequest, exc: PorchError) -> HttpResponse:
        status, code = status_and_code(exc)
        fields = exc.fields if isinstance(exc, ApiError) else None
        headers = dict(exc.headers) if isinstance(exc, ApiError) else {}
        if isinstance(exc, NetworkError) and exc.retry_after:
            headers["Retry-After"] = str(int(exc.retry_after))
        return error_response(
            api, request, status, code, exc.message, fields=fields, headers=headers
        )

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [
            {
                "field": ".".join(str(part) for part in e.get("loc", ())),
                "message": str(e.get("msg", "")),
            }
            for e in exc.errors
        ]
        said = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:3])
        message = (
            f"Some of what was sent is wrong: {said}."
            if said
            else "Some of what was sent is wrong."
        )
        return error_response(api, request, 422, "invalid_input", message, fields=fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "Send a token: `Authorization: Bearer porch_…` (make one on the API page)."
        return error_response(api, request, 401, "unauthenticated", message)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"What was sent is too large: at most {limit // 1024} KB."
        return error_response(api, request, 413, "too_large", message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, PorchError):  # raised by the body's parser
            return porch_error(request, exc.__cause__)
        return error_response(api, request, exc.status_code, "refused", str(exc))

    @api.exception_handler(Exception)
    def internal(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API call failed: %s %s", request.method, request.path)
        message = "Something went wrong in Porch; it has been logged."
        return error_response(api, request, 500, "internal_error", message)
