"""The API's routers, one module a resource; api.py mounts each under /api/v1/.

Each module defines `router = Router(tags=[...])`; operations set `operation_id` (the
committed OpenAPI document must not change when code moves), ask for their scope with
porch.api.auth.needs, resolve every id inside the caller's workspace (another workspace's
id is a 404 `not_found`) and call the service the page calls.
"""

ROUTERS = [
    "workspace",
    "accounts",
    "inbox",
    "triage",
    "reports",
    "posts",
    "listening",
    "people",
    "offers",
    "webhooks",
]
