"""The committed OpenAPI document is the one the code makes, and it is valid OpenAPI 3.1.

When the API changes, regenerate it: `porch api schema --write`, and commit the diff (it
shows reviewers, and integrators, every change to the contract)."""

import json
import re
from typing import Any

from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from porch.api.api import api
from porch.api.cli import SCHEMA_FILE
from porch.api.schemas import ERRORS

METHODS = {"get", "put", "post", "patch", "delete"}


def live() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema()))
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_committed_document_is_the_codes(db: None) -> None:
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == live(), "porch/api/openapi.json is stale: run `porch api schema --write`"


def test_the_document_is_valid_openapi_3_1(db: None) -> None:
    document = live()
    assert document["openapi"].startswith("3.1.")
    problems = [
        f"{e.instance_path}: {e.message}" for e in OPENAPI_31_VALIDATOR.iter_errors(document)
    ]
    assert problems == []


def test_every_operation_is_named_described_and_states_its_errors(db: None) -> None:
    found = operations(live())
    assert found
    names = [op["operationId"] for _, _, op in found]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    for method, path, op in found:
        where = f"{method.upper()} {path}"
        # explicit snake_case verb_noun, not ninja's default (module path + function name)
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", op["operationId"]), where
        assert not op["operationId"].startswith("porch_"), where
        assert op.get("description", "").strip(), f"{where} has no docstring"
        assert {str(s) for s in ERRORS} <= op["responses"].keys(), where
        assert op["responses"].keys() & {"200", "201", "202", "204"}, where


def test_each_link_opens_an_operation_that_takes_the_made_id() -> None:
    from porch.api.links import LINKS

    document = api.get_openapi_schema()
    by_id = {
        op["operationId"]: (path, op)
        for path, ops in document["paths"].items()
        for op in ops.values()
    }
    for maker, (param, targets) in LINKS.items():
        links = by_id[maker][1]["responses"][201]["links"]
        assert sorted(links) == sorted(targets)
        for target in targets:
            path, _ = by_id[target]
            assert "{" + param + "}" in path, f"{target} ({path}) takes no {param}"
