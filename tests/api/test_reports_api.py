"""The weekly report's figures through the API, for an ISO week or a day in it; a week written
otherwise is a 422 naming `week`, one that does not exist a 404, never a 500."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.insights.report import build_report
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.insights.conftest import x_account  # noqa: F401 (a fixture week_of_work uses)
from tests.insights.test_report import WEEK, week_of_work  # noqa: F401 (fixture)

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(owner: User, workspace: Workspace) -> Api:
    return Api(token_text(member_of(workspace, owner), ["read"]))


def test_the_weeks_figures_as_the_report_has_them(
    api: Api,
    week_of_work: ConnectedAccount,  # noqa: F811
) -> None:
    answer = api.get(f"/reports/{WEEK}")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    report = build_report(week_of_work.workspace, WEEK)
    assert body["week"] == WEEK == "2026-W47"
    assert [(line["label"], line["value"]) for line in body["lines"]] == report.lines()
    numbers = body["numbers"]
    assert (numbers["posts"], numbers["engagement"], numbers["follower_change"]) == (6, 87, 14)
    assert (numbers["answered"], numbers["unanswered"]) == (3, 0)
    assert numbers["median_response_minutes"] == 45
    assert numbers["impressions"] is None and numbers["reposts_per_post"] == 2
    assert body["highlights"] == report.highlights
    assert (body["listening"], body["offers"]) == (None, [])
    assert body["start"].startswith("2026-11-16T00:00:00")
    by_day = api.get("/reports/2026-11-18").json()  # a Wednesday of that week
    assert by_day == body


def test_a_week_written_otherwise_is_a_422_naming_it_one_that_is_not_a_404(api: Api) -> None:
    for week in ("2026-W60", "yesterday", "2026-13-01", "0001-01-01", "2026-W5", "9999-W01"):
        answer = api.get(f"/reports/{week}")
        assert answer.status_code == 422, week
        error = answer.json()["error"]
        assert error["code"] == "invalid_input"
        assert [f["field"] for f in error["fields"]] == ["path.week"], week
    for week in ("2025-W53", "2026-02-30"):
        answer = api.get(f"/reports/{week}")
        assert answer.status_code == 404, week
        message = answer.json()["error"]["message"]
        assert week in message and "like 2026-W49" in message, message
    assert api.get("/reports/2026-W53").status_code == 200  # 2026 has 53 weeks


def test_a_token_without_read_is_refused(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner), ["write"]))
    answer = api.get("/reports/2026-W47")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"
