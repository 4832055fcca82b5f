"""The API keeps its own document: schemathesis calls every operation with generated input
(valid and invalid) and checks each answer — never a 5xx, only the statuses the document
states, bodies of the stated shapes, bad input refused, no answer without a token.

Not checked here: schemathesis' positive_data_acceptance (valid input must answer 2xx) —
the API answers a shop's rules with 422 (no free posting slot, a post not awaiting
approval), which the document's types cannot state; /work/notes/st23.sh runs every check.

The schema is loaded from the WSGI app (porch.wsgi.application) at /api/v1/openapi.json, so
what is checked is what a client downloads. Calls carry the owner's token with every scope,
on workspace A of tests/api/conftest.py (the demo bakery, on the fake network); about half
of the generated ids are swapped for real ones of A's so the calls reach past the 404. Each
call runs in a transaction rolled back afterwards: no example sees another's writes.
"""

import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case as AnyCase
from schemathesis.schemas import APIOperation as AnyOperation
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from porch.wsgi import application
from tests.api.conftest import Pair, ids_of

APIOperation = AnyOperation[Any, Any, Any, Any]
Case = AnyCase[Any]

EXAMPLES = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture
def wsgi_keeps_the_connection() -> Iterator[None]:
    """Calls through the WSGI app would close the test's database connection when each
    request ends (Django's own test Client disconnects the same handler)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def load_schema() -> OpenApiSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def strategy(operation: APIOperation, auth: dict[str, str]) -> st.SearchStrategy[Case]:
    """Valid and invalid input for one operation (only valid where nothing can be negated);
    the token's header is given, never generated nor negated."""
    modes = [operation.as_strategy(GenerationMode.POSITIVE, headers=auth)]
    if operation.path_parameters or operation.query or operation.body:
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE, headers=auth))
    return st.one_of(modes)


def prepare(case: Case, ids: dict[str, Any]) -> None:
    """Swap about half the valid generated path ids for rows of the workspace (which half is
    a function of the generated value, so a run repeats)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.query and "cursor" in case.query:
        del case.query["cursor"]  # a made-up cursor is never one Porch gave: 400 bad_cursor
    for name, value in (case.path_parameters or {}).items():
        known = ids.get(name)
        if known is not None and zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = known


def check_operation(operation: APIOperation, pair: Pair, tried: Counter[str]) -> str | None:
    """Run the operation's examples; the first failure's report, or None."""
    auth = {"Authorization": f"Bearer {pair.a.token('owner', 'all')}"}
    ids = ids_of(pair.a.workspace)

    @EXAMPLES
    @given(case=strategy(operation, auth))
    def examples(case: Case) -> None:
        prepare(case, ids)
        tried[operation.label] += 1
        with transaction.atomic():
            case.call_and_validate(excluded_checks=[positive_data_acceptance])
            transaction.set_rollback(True)

    try:
        examples()
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup too
        return f"{operation.label}:\n{failure}"
    return None


def test_every_operation_keeps_to_the_document(
    pair: Pair, no_internet: None, wsgi_keeps_the_connection: None
) -> None:
    """One test for all operations (the two demos load once); every failing operation is
    reported, not only the first."""
    loaded = load_schema()
    tried: Counter[str] = Counter()
    failures, errors = [], []
    for result in loaded.get_all_operations():
        if not isinstance(result, Ok):
            errors.append(str(result.err()))
            continue
        found = check_operation(result.ok(), pair, tried)
        if found:
            failures.append(found)
    cases = sum(tried.values())
    print(f"SCHEMATHESIS {len(tried)} operations, {cases} cases, {len(failures)} failing")
    assert not errors, "the document does not load:\n" + "\n".join(errors)
    assert tried, "the document has no operations"
    assert not failures, "\n\n".join(failures)


def test_the_links_walk_from_what_is_made_to_what_it_opens(
    pair: Pair, no_internet: None, wsgi_keeps_the_connection: None
) -> None:
    """schemathesis' stateful test: it follows the document's links (porch/api/links.py)
    from a creation (a post, an offer, a search, a webhook, a reply) to the operations on
    what was made, with the same checks as above. The whole walk is rolled back."""
    auth = {"Authorization": f"Bearer {pair.a.token('owner', 'all')}"}
    machine: Any = load_schema().as_state_machine()
    answered: Counter[tuple[str, int]] = Counter()

    class Walk(machine):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            headers = case.headers if case.headers is not None else CaseInsensitiveDict()
            headers.update(auth)  # never a generated token (case-insensitive: replaces it)
            case.headers = headers

        def after_call(self, response: Any, case: Case) -> None:
            answered[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response: Any, case: Case, **kwargs: Any) -> None:
            kwargs.pop("additional_checks", None)
            # ignored_auth: a step's own "invalid" auth is replaced by the owner's token
            skip = [positive_data_acceptance, ignored_auth]
            case.validate_response(response, excluded_checks=skip, transport_kwargs=kwargs)

    walks = settings(EXAMPLES, max_examples=20, stateful_step_count=6)
    with transaction.atomic():
        Walk.run(settings=walks)
        transaction.set_rollback(True)
    print("STATEFUL", sorted(answered.items()))
