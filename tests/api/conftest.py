"""Two workspaces with the same demo data (porch/demo.py), and tokens for each role and scope set.

Workspace A and workspace B are both the demo bakery, loaded one after the other with their
own owners, so every kind of row the API names has a twin in the other workspace: a call
with A's token and B's ids must find nothing (tests/api/test_isolation.py). The demo's
accounts run on the fake network (settings.DEMO_NETWORK), so nothing the API sends leaves
the machine. Time stands still at NOW while a test runs.
"""

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import User
from django.core import serializers
from django.db import models

from porch.api.api import api
from porch.api.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from porch.api.tokens import create_token
from porch.demo import DEMO_EMAIL, DEMO_NAME, load_demo
from porch.inbox.models import Conversation, Message, Note, Reply, SavedReply
from porch.listening.models import Hit, Mute, Search, SearchHit
from porch.offers.models import Code, Offer, Redemption, StaffLink, TillImport
from porch.people.models import Identity, Merge, MergeSuggestion, PeerSuggestion, Person
from porch.publishing.models import Pillar, Post, PostingSlot, PostTarget
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)

# The scope sets the tests call with, by name.
SCOPE_SETS = {
    "all": ["read", "write", "publish"],
    "read": ["read"],
    "write": ["write"],
    "publish": ["publish"],
    "read_write": ["read", "write"],
    "write_publish": ["write", "publish"],
}


@dataclass
class Side:
    """One workspace and a token text per (role, scope set): tokens["owner", "all"]."""

    workspace: Workspace
    members: dict[str, Membership]
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, role: str = "owner", scopes: str = "all") -> str:
        return self.tokens[role, scopes]


def _side(workspace: Workspace, tag: str) -> Side:
    owner = Membership.objects.get(workspace=workspace, role=Role.OWNER)
    members = {
        "owner": owner,
        "manager": Membership.objects.get(
            workspace=workspace,
            user=add_member(workspace, f"manager-{tag}@crumb.example", Role.MANAGER),
        ),
        "helper": Membership.objects.get(
            workspace=workspace,
            user=add_member(workspace, f"helper-{tag}@crumb.example", Role.HELPER),
        ),
    }
    add_webhook(workspace, tag)
    add_hit(workspace, tag)
    side = Side(workspace, members)
    for role, member in members.items():
        for name, scopes in SCOPE_SETS.items():
            side.tokens[role, name] = create_token(member, f"{role} {name}", scopes).text
    return side


def add_webhook(workspace: Workspace, tag: str) -> None:
    """An endpoint on loopback (nothing listens: a delivery fails there) and one failed
    delivery, so the webhook operations have ids to name."""
    endpoint = WebhookEndpoint(
        workspace=workspace, url="http://127.0.0.1:9/hook", event_types=["message.received"]
    )
    endpoint.set_secret("whsec_" + "A" * 43)
    endpoint.save()
    event = Event.objects.create(
        workspace=workspace, type="message.received", data={}, occurred_at=NOW, msg_id=f"msg_{tag}"
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, status=DeliveryStatus.FAILED, attempts=1, created_at=NOW
    )


def add_hit(workspace: Workspace, tag: str) -> None:
    """A hit of the demo's first search (the demo has searches, not yet what they found)."""
    search = Search.objects.filter(workspace=workspace).order_by("pk").first()
    assert search is not None
    hit = Hit.objects.create(
        workspace=workspace,
        network="fake",
        external_id=f"hit-{tag}",
        author_handle="maya",
        text="rye on Sundays?",
        sent_at=NOW,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=NOW)


def two_demos() -> tuple[Workspace, Workspace]:
    """The demo loaded twice: A (renamed, its owner renamed) and B (as loaded)."""
    first, _ = load_demo()
    first.name = f"{DEMO_NAME} A"
    first.save(update_fields=["name"])
    User.objects.filter(username=DEMO_EMAIL).update(
        username=f"a-{DEMO_EMAIL}", email=f"a-{DEMO_EMAIL}"
    )
    second, created = load_demo()
    assert created and second.pk != first.pk
    return first, second


@dataclass
class Pair:
    a: Side
    b: Side


@pytest.fixture
def unthrottled(settings: Any) -> None:
    """Hundreds of calls a test under a frozen clock, some without a token on purpose: no
    rate limit nor failed-auth pause may answer them."""
    settings.API_RATE = 100000
    settings.API_MAX_FAILED_AUTH = 100000
    settings.API_MAX_FAILED_AUTH_PER_TOKEN = 100000


@pytest.fixture
def pair(db: None, unthrottled: None) -> Iterator[Pair]:
    """Workspaces A and B, the same demo data, a token per role and scope set in each."""
    with time_machine.travel(NOW, tick=False):
        first, second = two_demos()
        yield Pair(_side(first, "a"), _side(second, "b"))


# Operations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of the API's document: path as written there (/api/v1/...)."""

    method: str
    path: str
    operation_id: str
    path_params: tuple[str, ...]
    spec: dict[str, Any]

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


def operations() -> list[Operation]:
    """Every operation in the API's OpenAPI document, as the code stands now."""
    found = []
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, spec in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            params = tuple(p["name"] for p in spec.get("parameters", []) if p.get("in") == "path")
            found.append(Operation(method.upper(), path, spec.get("operationId", ""), params, spec))
    return found


# One of a workspace's rows for each path parameter the API uses. An operation naming a
# parameter missing here fails tests/api/test_isolation.py: add it (how to find one of a
# workspace's rows of that kind) so the new endpoint's ids are checked too.
def _first(model: type[models.Model], path: str = "workspace") -> Callable[[Workspace], Any]:
    def find(workspace: Workspace) -> Any:
        return (
            model._default_manager.filter(**{path: workspace})
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )

    return find


ID_FINDERS: dict[str, Callable[[Workspace], Any]] = {
    "account_id": _first(ConnectedAccount),
    "conversation_id": _first(Conversation),
    "message_id": _first(Message),
    "note_id": _first(Note, "conversation__workspace"),
    "reply_id": _first(Reply, "conversation__workspace"),
    "saved_reply_id": _first(SavedReply),
    "post_id": _first(Post),
    "target_id": _first(PostTarget, "post__workspace"),
    "slot_id": _first(PostingSlot, "account__workspace"),
    "pillar_id": _first(Pillar),
    "search_id": _first(Search),
    "hit_id": _first(Hit),
    "mute_id": _first(Mute),
    "person_id": _first(Person),
    "identity_id": _first(Identity, "person__workspace"),
    "suggestion_id": _first(MergeSuggestion),
    "merge_id": _first(Merge),
    "peer_id": _first(PeerSuggestion),
    "offer_id": _first(Offer),
    "code_id": _first(Code),
    "redemption_id": _first(Redemption),
    "staff_link_id": _first(StaffLink),
    "till_import_id": _first(TillImport),
    "member_id": _first(Membership),
    "membership_id": _first(Membership),
    "endpoint_id": _first(WebhookEndpoint),
    "delivery_id": _first(WebhookDelivery, "endpoint__workspace"),
    "event_id": _first(Event),
}

# Path parameters that name no row: the value to send.
NOT_IDS: dict[str, str] = {"week": "2026-W46"}


def add_finder(name: str, model_label: str, path: str = "workspace") -> None:
    """A finder for a model another app adds (webhooks' endpoints, deliveries)."""
    ID_FINDERS[name] = _first(apps.get_model(model_label), path)


def ids_of(workspace: Workspace) -> dict[str, Any]:
    return {name: find(workspace) for name, find in ID_FINDERS.items()}


# Snapshots ------------------------------------------------------------------------------------


def _path_to_workspace(model: type[models.Model], depth: int = 4) -> str | None:
    """The lookup from `model` to its workspace through foreign keys ("post__workspace")."""
    if model is Workspace:
        return "pk"
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _ in range(depth):
        following = []
        for current, prefix in frontier:
            for f in current._meta.get_fields():
                if not (f.many_to_one or f.one_to_one) or not f.concrete:
                    continue
                related = f.related_model
                lookup = f"{prefix}{f.name}"
                if related is Workspace:
                    return lookup
                if isinstance(related, type) and related is not User:
                    following.append((related, lookup + "__"))
        frontier = following
    return None


# The API's own bookkeeping of a call (a token's last use and rate, its stored answers).
BOOKKEEPING = {"api.ApiToken", "api.IdempotentRequest", "api.FailedAuth"}


def snapshot(workspace: Workspace) -> dict[str, str]:
    """Every row of `workspace` in every model, serialised: equal snapshots, nothing changed."""
    dump: dict[str, str] = {}
    for model in apps.get_models():
        path = _path_to_workspace(model)
        if path is None or model._meta.label in BOOKKEEPING:
            continue
        rows = model._default_manager.filter(**{path: workspace.pk}).order_by("pk")
        dump[model._meta.label] = serializers.serialize("json", rows)
    users = User.objects.filter(memberships__workspace=workspace).order_by("pk")
    dump["auth.User"] = serializers.serialize("json", users)
    return dump


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The models whose rows differ, with the first differing row."""
    found = []
    for label in sorted(set(before) | set(after)):
        old, new = json.loads(before.get(label, "[]")), json.loads(after.get(label, "[]"))
        if old != new:
            first = next((n for o, n in zip(old, new, strict=False) if o != n), None)
            found.append(f"{label}: {len(old)} rows -> {len(new)}; e.g. {first}")
    return found


# Calls ----------------------------------------------------------------------------------------


def fill_path(op: Operation, ids: dict[str, Any]) -> str:
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", str(ids[name] if name in ids else NOT_IDS[name]))
    return path


def minimal_body(op: Operation) -> Any:
    """A body with what the operation's schema requires, from its examples or plain values."""
    content = op.spec.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return _value(schema, api.get_openapi_schema().get("components", {}).get("schemas", {}))


def _value(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _value(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _value(schema[key][0], components)
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _value(sub, components)
            for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array":
        item = _value(schema.get("items", {}), components)
        return [item] * int(schema.get("minItems", 0))
    if kind == "string":
        formats = {
            "date-time": NOW.isoformat(),
            "date": NOW.date().isoformat(),
            "uri": "https://example.com/",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    return {"boolean": False}.get(str(kind))


# No internet -----------------------------------------------------------------------------------


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only loopback: a call the API makes to anywhere else fails instead of leaving."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            if not (host.startswith("127.") or host == "::1"):
                raise OSError(f"tests/api: no connections off this machine ({host})")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in ("localhost", "127.0.0.1", "::1", "testserver", "None"):
            raise socket.gaierror(f"tests/api: no lookups off this machine ({host})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
