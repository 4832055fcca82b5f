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
    try:
        body = answer.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def declared_read(op: Operation) -> bool:
    """A POST that changes nothing (triage) says so: openapi_extra={"x-scope": "read"}."""
    return op.spec.get("x-scope") == "read"


def check(pair: Pair, op: Operation, failures: list[str]) -> str:
    """The three checks for one write operation; returns its row of the scope table."""
    answer, effects = attempt(pair.a, "owner", "read", op)
    refused = answer.status_code == 403 and code_of(answer) == "scope_missing"
    if declared_read(op):
        if refused:
            failures.append(f"{op} says x-scope read but refuses a read token")
    elif not refused:
        failures.append(
            f"{op} with a read token: {answer.status_code} {answer.content[:200]!r}, expected "
            '403 scope_missing (a POST that only reads: openapi_extra={"x-scope": "read"})'
        )
    if not declared_read(op) and (effects["rows"] or effects["network"] or effects["new_due"]):
        failures.append(f"{op} with a read token changed things: {effects}")
    accepted = []
    for scopes in ("write", "publish"):
        answer, effects = attempt(pair.a, "owner", scopes, op)
        if code_of(answer) != "scope_missing":
            accepted.append(f"{scopes}:{answer.status_code}")
        if scopes == "write" and (effects["network"] or effects["new_due"]):
            failures.append(f"{op} with a write-only token reached the network: {effects}")
        if answer.status_code >= 500:
            failures.append(f"{op} with a {scopes} token: {answer.status_code}")
    if not accepted and not declared_read(op):  # some need both (a target's edit, at a time)
        answer, _ = attempt(pair.a, "owner", "write_publish", op)
        if code_of(answer) == "scope_missing":
            failures.append(f"{op}: refused a write, a publish and a write+publish token")
        accepted.append(f"write+publish:{answer.status_code}")
    answer, effects = attempt(pair.a, "helper", "all", op)
    if effects["new_due"]:
        failures.append(f"{op} by a helper made due targets {effects['new_due']}")
    if answer.status_code >= 500:
        failures.append(f"{op} by a helper: {answer.status_code}")
    return f"  {op.operation_id:28} {' '.join(accepted) or 'neither'}"


def test_every_write_keeps_to_its_scope(pair: Pair) -> None:
    """One test (the two demos load once) for every write operation: read-only refused and
    harmless, write-only never sends, a helper with every scope never makes a due target."""
    failures: list[str] = []
    table = [check(pair, op, failures) for op in writes()]
    print("SCOPES accepted (scope:status) per write operation\n" + "\n".join(table))
    assert writes(), "the document has no write operation"
    assert not failures, "\n".join(failures)
