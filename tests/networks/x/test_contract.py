"""Every recorded X reply checked against X's own OpenAPI document (X API v2, 2.167).

For each file in recorded/: the request's path is matched to the document's path
template (path parameters checked against their schemas), the JSON body we send is
checked against the operation's request body schema, and the reply body against the
schema of the response for its status code (an error status against the `default`
response: X's Error or Problem).

Where the document and what X sends disagree, the document is adjusted here, in the
open, and nowhere else:

- Field names. The document renamed tweet fields to "post" ones; X's replies, X's
  documentation (docs.x.com: "edit_history_tweet_ids", "public_metrics.retweet_count")
  and tweepy use the tweet names. RENAMED lists each one; a test checks the document
  still has them, so a fixed document shows up here.
- Problem types. The document's Problem is a oneOf of nine problem schemas, each fixed
  to one `type` URI under https://api.x.com/2/problems/. X also sends RFC 7807
  "about:blank" problems for plain HTTP errors (401, 403 duplicate, 429, 503), and
  https://api.twitter.com/2/problems/ URIs (usage-capped, client-forbidden,
  resource-not-found). The `type` is left unchecked (and oneOf becomes anyOf, as
  several members then fit); the URIs seen that the document lacks are pinned by a test.
- Content type. X labels problem bodies application/json, which the document gives the
  Error schema; an error body may match either of the default response's schemas.

The document lives outside the repository (../shared/peers/x/openapi.json): without it
the tests skip, except in CI (env CI set), where they fail.
"""

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .replay import RECORDED, recorded
from .schema import Schema, Validator

DOCUMENT = Path(__file__).resolve().parents[3].parent / "shared" / "peers" / "x" / "openapi.json"
RENAMED = {
    ("Post", "referenced_posts"): "referenced_tweets",
    ("Post", "edit_history_post_ids"): "edit_history_tweet_ids",
    ("CreatePostsResponseData", "edit_history_post_ids"): "edit_history_tweet_ids",
    ("PostPublicMetrics", "repost_count"): "retweet_count",
    ("UserPublicMetrics", "post_count"): "tweet_count",
    ("Expansions", "posts"): "tweets",
}
PROBLEM_TYPES_NOT_IN_DOCUMENT = {
    "about:blank",
    "https://api.twitter.com/2/problems/client-forbidden",
    "https://api.twitter.com/2/problems/resource-not-found",
    "https://api.twitter.com/2/problems/usage-capped",
}
# Endpoints X documents apart from the API's OpenAPI document.
OUTSIDE_DOCUMENT = {"/2/oauth2/token": "OAuth 2.0 token endpoint (docs.x.com, authentication)"}
RECORDINGS = sorted(path.stem for path in RECORDED.glob("*.json"))


@cache
def _load() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return loaded


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    if not DOCUMENT.exists():
        message = f"X's OpenAPI document is not at {DOCUMENT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return _load()


def _rename(schemas: dict[str, Schema]) -> None:
    for (name, old), new in RENAMED.items():
        schema = schemas[name]
        schema["properties"][new] = schema["properties"].pop(old)
        schema["required"] = [new if item == old else item for item in schema.get("required", [])]


def _relax_problems(schemas: dict[str, Schema]) -> None:
    problem = schemas["Problem"]
    members = problem.pop("oneOf")
    problem["anyOf"] = members
    for member in members:
        schemas[member["$ref"].rsplit("/", 1)[1]]["properties"]["type"].pop("enum")


@cache
def _wire_document() -> dict[str, Any]:
    """The document as X's replies spell it: see the module's docstring."""
    adjusted = copy.deepcopy(_load())
    _rename(adjusted["components"]["schemas"])
    _relax_problems(adjusted["components"]["schemas"])
    return adjusted


def _template(paths: dict[str, Any], path: str) -> str:
    """The document's path template for a concrete path, literal segments first."""
    for template in sorted(paths, key=lambda t: (t.count("{"), t)):
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return template
    raise AssertionError(f"{path} is not in X's OpenAPI document")


def _parameters(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    validator = Validator(document)
    found = operation.get("parameters", [])
    return [validator.resolve(p["$ref"]) if "$ref" in p else p for p in found]


def _path_errors(document: dict[str, Any], template: str, path: str, operation: Any) -> list[str]:
    values = dict(zip(template.split("/"), path.split("/"), strict=True))
    validator = Validator(document)
    errors = []
    for parameter in _parameters(document, operation):
        if parameter["in"] == "path":
            value = values["{" + parameter["name"] + "}"]
            errors += validator.errors(value, parameter["schema"], f"path {parameter['name']}")
    return errors


def _reply_schemas(operation: dict[str, Any], status: int, content_type: str) -> list[Schema]:
    responses = operation["responses"]
    if status < 400:
        assert str(status) in responses, f"the document has no {status} reply here"
        media = content_type.split(";")[0].strip()
        return [responses[str(status)]["content"][media]["schema"]]
    return [content["schema"] for content in responses["default"]["content"].values()]


def _operation(document: dict[str, Any], request: dict[str, Any]) -> tuple[str, Any]:
    template = _template(document["paths"], request["path"])
    operation = document["paths"][template].get(request["method"].lower())
    assert operation is not None, f"no {request['method']} {template} in the document"
    return template, operation


@pytest.mark.parametrize("name", RECORDINGS)
def test_recorded_reply_matches_xs_schema(document: dict[str, Any], name: str) -> None:
    exchange = recorded(name)
    request, response = exchange["request"], exchange["response"]
    if request["path"] in OUTSIDE_DOCUMENT:
        assert request["path"] not in document["paths"]  # once it is there, check it
        return
    wire = _wire_document()
    validator = Validator(wire)
    template, operation = _operation(wire, request)
    assert _path_errors(wire, template, request["path"], operation) == []
    if "json" in request:
        body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert validator.errors(request["json"], body_schema, "request") == []
    schemas = _reply_schemas(operation, response["status"], response["headers"]["content-type"])
    failures = [validator.errors(response["body"], schema) for schema in schemas]
    assert [] in failures, f"{name} does not match {template}: {failures}"


def test_every_error_status_is_recorded() -> None:
    statuses = {recorded(name)["response"]["status"] for name in RECORDINGS}
    assert {401, 403, 429, 503} <= statuses


def test_renamed_fields_are_still_spelled_the_documents_way(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for (name, old), new in RENAMED.items():
        assert old in schemas[name]["properties"], f"{name}.{old} is gone: drop it from RENAMED"
        assert new not in schemas[name]["properties"], f"{name} has {new} now"


def test_problem_types_x_sends_that_the_document_lacks(document: dict[str, Any]) -> None:
    known = set(document["components"]["schemas"]["Problem"]["discriminator"]["mapping"])
    sent = set()
    for name in RECORDINGS:
        body = recorded(name)["response"]["body"]
        problems = [body, *body.get("errors", [])]
        sent |= {problem["type"] for problem in problems if "type" in problem}
    assert sent - known == PROBLEM_TYPES_NOT_IN_DOCUMENT


def test_the_validator_catches_what_x_would_not_send(document: dict[str, Any]) -> None:
    validator = Validator(_wire_document())
    tweet = recorded("create_tweet")["response"]["body"]
    schema: Schema = {"$ref": "#/components/schemas/CreatePostsResponse"}
    assert validator.errors(tweet, schema) == []
    numeric_id = {"data": {**tweet["data"], "id": int(tweet["data"]["id"])}}
    assert validator.errors(numeric_id, schema) == ["$.data.id: int is not string"]
    post: Schema = {"$ref": "#/components/schemas/Post"}
    no_millis = {"id": "1", "created_at": "20 Nov 2026 09:15"}
    assert validator.errors(no_millis, post) == [
        "$.created_at: '20 Nov 2026 09:15' is not an RFC 3339 date-time"
    ]
    metrics: Schema = {"$ref": "#/components/schemas/PostPublicMetrics"}
    assert "$: 'retweet_count' is required" in validator.errors({"like_count": 1}, metrics)
