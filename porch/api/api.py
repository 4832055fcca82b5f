"""The API: one NinjaAPI at /api/v1/, its OpenAPI 3 document and its docs page (served
from Porch's own static files: "ninja" is an installed app, so no CDN)."""

from importlib import import_module

from ninja import NinjaAPI, Swagger

from porch.api import errors
from porch.api.auth import TokenAuth
from porch.api.routers import ROUTERS

DESCRIPTION = """Everything the web UI does, for the people who automate.

Authenticate with a personal token made on the workspace's API page (or `porch token create`):
`Authorization: Bearer porch_…`. A token has scopes (read, write, publish) and never does more
than its member's role allows. Write calls take an `Idempotency-Key` header: a repeat with the
same key answers as the first did and does nothing twice. Lists are paged with `cursor` and
`limit`; follow `next_cursor` until it is null. Errors are JSON: `{"error": {"code", "message"}}`.
"""

api = NinjaAPI(
    title="Porch API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs=Swagger(),
)
errors.install(api)

for name in ROUTERS:
    module = import_module(f"porch.api.routers.{name}")
    api.add_router("", module.router)
