"""OpenAPI links: what a made thing's id opens next (a post made → its page, submit,
approve, cancel…). They document the API's flow for people reading the docs, and let
schemathesis's stateful tests walk from a creation to the operations on what was made.

One table, added to the document by api.py, so a router's code stays about its calls.
"""

from typing import Any

# operation that makes something (answers 201 with its "id") → path parameter → operations
LINKS: dict[str, tuple[str, list[str]]] = {
    "create_post": (
        "post_id",
        ["get_post", "submit_post", "approve_post", "send_back_post", "cancel_post"],
    ),
    "create_offer": (
        "offer_id",
        ["get_offer", "update_offer", "list_codes", "list_redemptions", "send_codes"],
    ),
    "create_search": (
        "search_id",
        ["get_search", "update_search", "list_hits", "delete_search"],
    ),
    "create_webhook": (
        "endpoint_id",
        [
            "get_webhook",
            "update_webhook",
            "list_webhook_deliveries",
            "send_test_webhook",
            "delete_webhook",
        ],
    ),
    "submit_reply": (
        "reply_id",
        ["approve_reply", "send_back_reply", "retry_reply", "discard_reply"],
    ),
    "send_test_webhook": ("delivery_id", ["redeliver_webhook"]),
}


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each creation's 201 answer linking to the operations on its id."""
    operations = {
        op["operationId"]: op
        for methods in document.get("paths", {}).values()
        for op in methods.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for maker, (param, targets) in LINKS.items():
        answers = operations.get(maker, {}).get("responses", {})
        made = answers.get(201, answers.get("201"))  # ninja keys them by int
        if made is None:
            raise ValueError(f"{maker} is not an operation answering 201: update api/links.py")
        links = made.setdefault("links", {})
        for target in targets:
            if target not in operations:
                raise ValueError(f"{target} is not an operation: update api/links.py")
            links[target] = {
                "operationId": target,
                "parameters": {param: "$response.body#/id"},
            }
    return document
