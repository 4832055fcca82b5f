"""Scopes on every write: each POST, PATCH and DELETE of the API's document (read from
api.get_openapi_schema() when the test runs) is called with a token of each single scope,
on the workspace's own rows, each call rolled back:

- a read-only token is refused with 403 `scope_missing` and changes nothing at all;
- a write-only token never sends anything: the fake network the demo runs on is unchanged,
  and no post target appears that the publishing engine would pick;
- a helper's token with every scope never makes a target the engine would pick either (a
  helper's posts wait for approval).

Which scope each operation accepts is observed, not declared, and printed as a table.
"""

import json
import sqlite3
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import Client

from porch.publishing.engine import due_targets
from tests.api.conftest import (
    NOW,
    Operation,
    Pair,
    Side,
    changed,
    fill_path,
    ids_of,
    minimal_body,
    operations,
    snapshot,
)

FAR = NOW + timedelta(days=800)


def network_rows() -> dict[str, int]:
    """Rows per table of the fake network (what the demo's accounts 'sent')."""
    with sqlite3.connect(settings.FAKE_NETWORK_DB) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        # the names come from sqlite_master itself
        return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def due() -> set[int]:
    return {target.pk for target in due_targets(FAR, limit=100000)}


def writes() -> list[Operation]:
    return [op for op in operations() if op.writes]


def attempt(side: Side, role: str, scopes: str, op: Operation) -> tuple[Any, dict[str, Any]]:
    """Call `op` on the side's own rows; (answer, what it changed), all rolled back."""
    path = fill_path(op, ids_of(side.workspace))
    body = minimal_body(op)
    before, sent, targets = snapshot(side.workspace), network_rows(), due()
    with transaction.atomic():
        answer = Client(raise_request_exception=False).generic(
            op.method,
            path,
            "" if body is None else json.dumps(body),
            content_type="application/json",
            headers={
                "Authorization": f"Bearer {side.token(role, scopes)}",
                "Idempotency-Key": f"{role}-{scopes}-{op.operation_id}",
            },
        )
        effects = {
            "rows": changed(before, snapshot(side.workspace)),
            "network": network_rows() != sent,
            "new_due": due() - targets,
        }
        transaction.set_rollback(True)
    return answer, effects


def code_of(answer: Any) -> str | None:
    if "json" not in answer.get("Content-Type", ""):
        return None
    error = answer.json().get("error") if isinstance(answer.json(), dict) else None
    return error.get("code") if error else None


def test_a_read_only_token_changes_nothing(pair: Pair) -> None:
    failures = []
    for op in writes():
        answer, effects = attempt(pair.a, "owner", "read", op)
        if answer.status_code != 403 or code_of(answer) != "scope_missing":
            failures.append(
                f"{op} with a read token: {answer.status_code} {answer.content[:200]!r}, "
                "expected 403 scope_missing"
            )
        if effects["rows"] or effects["network"] or effects["new_due"]:
            failures.append(f"{op} with a read token changed things: {effects}")
    assert writes(), "the document has no write operation"
    assert not failures, "\n".join(failures)


def test_each_write_needs_write_or_publish_and_only_publish_sends(pair: Pair) -> None:
    failures, table = [], []
    for op in writes():
        accepted = []
        for scopes in ("write", "publish"):
            answer, effects = attempt(pair.a, "owner", scopes, op)
            if code_of(answer) != "scope_missing":
                accepted.append(f"{scopes}:{answer.status_code}")
            if scopes == "write" and (effects["network"] or effects["new_due"]):
                failures.append(f"{op} with a write-only token reached the network: {effects}")
            if answer.status_code >= 500:
                failures.append(f"{op} with a {scopes} token: {answer.status_code}")
        table.append(f"  {op.operation_id:28} {' '.join(accepted) or 'neither'}")
        if not accepted:
            failures.append(f"{op}: refused both a write token and a publish token")
    print("SCOPES accepted (scope:status) per write operation\n" + "\n".join(table))
    assert not failures, "\n".join(failures)


def test_a_helper_with_every_scope_never_makes_a_due_target(pair: Pair) -> None:
    failures = []
    for op in writes():
        answer, effects = attempt(pair.a, "helper", "all", op)
        if effects["new_due"]:
            failures.append(f"{op} by a helper made due targets {effects['new_due']}")
        if answer.status_code >= 500:
            failures.append(f"{op} by a helper: {answer.status_code}")
    assert not failures, "\n".join(failures)
