"""The frozen "now" of time-sensitive tests (loaded by `-p tests.clock` in pyproject.toml).

Tests whose outcome could depend on what time it is carry the `clock` marker: they run
with the clock frozen (time-machine, tick=False) from their first fixture on, at
DEFAULT_NOW, never at the wall clock's time. Under PORCH_TEST_NOW (one or more ISO
instants with an offset, separated by spaces) each of them runs once per instant instead.
A test that travels itself still wins. `make test-clock` runs them at awkward instants:
just after midnight UTC on a Sunday, either side of the daylight-saving changes in London
and New York, the last minute of the year.

    PORCH_TEST_NOW="2027-03-28T00:59:30Z 2027-03-28T01:00:30Z" .venv/bin/pytest -m clock
"""

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

TEST_NOW = "PORCH_TEST_NOW"
DEFAULT_NOW = "2026-11-18T12:00Z"  # an ordinary Wednesday noon; London is on UTC
INSTANTS = pytest.StashKey[dict[str, datetime]]()


def instants(raw: str) -> dict[str, datetime]:
    """The instants of PORCH_TEST_NOW by how they were written; a usage error for a bad one."""
    found = {}
    for text in raw.replace(",", " ").split():
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            raise pytest.UsageError(
                f"{TEST_NOW}: {text!r} is not an instant; write it like 2026-12-06T00:05Z"
            )
        found[text] = instant
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.stash[INSTANTS] = instants(os.environ.get(TEST_NOW, "") or DEFAULT_NOW)


def pytest_report_header(config: pytest.Config) -> str:
    chosen: dict[str, datetime] = config.stash[INSTANTS]
    return f"tests marked clock run frozen at {' '.join(chosen)} ({TEST_NOW})"


def frozen(node: pytest.Item) -> bool:
    """Whether the test is marked `clock` (and does not pick its time by time-machine's mark,
    nor keep the real clock for a live server: `live_clock`)."""
    marks = ("time_machine", "live_clock")
    return bool(node.get_closest_marker("clock")) and not any(map(node.get_closest_marker, marks))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Several instants: one run of each `clock` test per instant, named after it."""
    chosen = metafunc.config.stash[INSTANTS]
    if len(chosen) > 1 and frozen(metafunc.definition):
        ids = [f"now={text}" for text in chosen]
        metafunc.parametrize("clock_now", list(chosen.values()), indirect=True, ids=ids)


@pytest.fixture(autouse=True)
def clock_now(request: pytest.FixtureRequest) -> Iterator[None]:
    """Freezes the clock of a `clock` test at its instant; leaves other tests' clock alone."""
    if not frozen(request.node):
        yield
        return
    (only, *_) = request.config.stash[INSTANTS].values()
    with time_machine.travel(getattr(request, "param", only), tick=False):
        yield
