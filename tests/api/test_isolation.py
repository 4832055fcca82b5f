"""A token never reaches another workspace: every operation of the API's document that names
a row in its path, called with workspace A's token and workspace B's ids (and the other way
round), answers 404 `not_found` and leaves every row of the other workspace as it was.

The operations are read from api.get_openapi_schema() when the test runs, so a new endpoint
is checked the day it is added; a path parameter this file cannot find a row for fails the
test until tests/api/conftest.py ID_FINDERS learns it.
"""

import json
from typing import Any

from django.db import transaction
from django.test import Client

from tests.api.conftest import (
    ID_FINDERS,
    NOT_IDS,
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


def with_ids() -> list[Operation]:
    """The operations naming at least one row in their path."""
    return [op for op in operations() if any(p not in NOT_IDS for p in op.path_params)]


def test_every_path_parameter_has_a_finder() -> None:
    unknown = {
        f"{name} (in {op})"
        for op in operations()
        for name in op.path_params
        if name not in ID_FINDERS and name not in NOT_IDS
    }
    assert not unknown, (
        "Path parameters tests/api/conftest.py cannot find a row for — add each to ID_FINDERS "
        "(how to find one of a workspace's rows) or NOT_IDS (a value, when it names no row): "
        + ", ".join(sorted(unknown))
    )


def mixes(op: Operation, mine: dict[str, Any], theirs: dict[str, Any]) -> list[dict[str, Any]]:
    """Their ids for every parameter, then (with two or more) theirs for one, mine for the
    rest: a child row of theirs under a parent of mine is not found either."""
    named = [p for p in op.path_params if p not in NOT_IDS]
    found = [{p: theirs[p] for p in named}]
    if len(named) > 1:
        found += [{**{p: mine[p] for p in named}, one: theirs[one]} for one in named]
    return found


def probe(caller: Side, other: Side, failures: list[str]) -> int:
    """Call every operation with `caller`'s token and `other`'s ids; returns the calls made."""
    mine, theirs = ids_of(caller.workspace), ids_of(other.workspace)
    client = Client(raise_request_exception=False)
    token = caller.token("owner", "all")
    made = 0
    before = snapshot(other.workspace)  # every call is rolled back: the same before each
    for op in with_ids():
        missing = [p for p in op.path_params if p not in NOT_IDS and theirs.get(p) is None]
        if missing:
            failures.append(f"{op}: the demo has no row for {missing}: add one in conftest")
            continue
        body = minimal_body(op)
        for ids in mixes(op, mine, theirs):
            path = fill_path(op, ids)
            with transaction.atomic():
                answer = client.generic(
                    op.method,
                    path,
                    "" if body is None else json.dumps(body),
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"i-{made}"},
                )
                after = snapshot(other.workspace)
                transaction.set_rollback(True)
            made += 1
            code = (answer.json().get("error") or {}).get("code") if _is_json(answer) else None
            if answer.status_code != 404 or code != "not_found":
                failures.append(
                    f"{op.method} {path} body={body!r}: {answer.status_code} "
                    f"{answer.content[:300]!r}, expected 404 not_found"
                )
            for difference in changed(before, after):
                failures.append(f"{op.method} {path} changed the other workspace: {difference}")
    return made


def _is_json(answer: Any) -> bool:
    return "json" in answer.get("Content-Type", "")


def test_a_token_finds_nothing_of_another_workspace(pair: Pair) -> None:
    failures: list[str] = []
    made = probe(pair.a, pair.b, failures) + probe(pair.b, pair.a, failures)
    print(f"ISOLATION {len(with_ids())} operations, {made} calls, {len(failures)} failures")
    assert with_ids(), "the document has no operation with an id in its path"
    assert not failures, "\n".join(failures)
