from collections import Counter

from schemathesis.core.result import Ok

from tests.api.conftest import Pair
from tests.api.test_schemathesis import check_operation, load_schema, wsgi_keeps_the_connection  # noqa: F401

MINE = ("/accounts", "/conversations", "/replies/", "/triage", "/reports")


def test_mine(pair: Pair, no_internet: None, wsgi_keeps_the_connection: None) -> None:  # noqa: F811
    tried: Counter[str] = Counter()
    failures = []
    for result in load_schema().get_all_operations():
        assert isinstance(result, Ok)
        op = result.ok()
        if not op.path.startswith(MINE):
            continue
        found = check_operation(op, pair, tried)
        if found:
            failures.append(found)
    print(dict(tried))
    assert not failures, "\n\n".join(failures)
