"""The API: one NinjaAPI at /api/v1/, its OpenAPI 3 document and its docs page (served
from Porch's own static files: "ninja" is an installed app, so no CDN)."""

from importlib import import_module
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from porch.api import errors
from porch.api.auth import TokenAuth
from porch.api.links import add_links
from porch.api.routers import ROUTERS

DESCRIPTION = """Everything the web UI does, for the people who automate.

Authenticate with a personal token made on the workspace's API page (or `porch token create`):
`Authorization: Bearer porch_…`. A token has scopes (read, write, publish) and never does more
than its member's role allows. Write calls take an `Idempotency-Key` header: a repeat with the
same key answers as the first did and does nothing twice. Lists are paged with `cursor` and
`limit`; follow `next_cursor` until it is null. Errors are JSON: `{"error": {"code", "message"}}`.
"""

NUL = "A text holds a NUL character, which Porch cannot store: remove it."


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class JsonParser(Parser):
    """JSON bodies, refusing NUL in any text (PostgreSQL cannot store it: a 500 otherwise)
    (422) and a body that is not JSON (400). ninja wraps what a parser raises in a 400
    HttpError; errors.py answers with the ApiError inside it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = super().parse_body(request)
        except ValueError:
            raise errors.ApiError(400, "invalid_input", "The body is not JSON.") from None
        if not isinstance(data, dict):
            raise errors.ApiError(422, "invalid_input", "The body must be a JSON object.")
        if _holds_nul(data):
            raise errors.ApiError(422, "invalid_input", NUL)
        return data


class PorchAPI(NinjaAPI):
    """ninja's API, whose document also has the links of api/links.py."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        add_links(document)
        return document


api = PorchAPI(
    title="Porch API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs=Swagger(),
    parser=JsonParser(),
)
errors.install(api)

for name in ROUTERS:
    module = import_module(f"porch.api.routers.{name}")
    api.add_router("", module.router)
