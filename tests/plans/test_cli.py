"""`porch plan` in the terminal: the same plan as the web wizard for the same answers."""

from datetime import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from django.test import Client

from porch.cli import main
from porch.inbox.models import InboxSettings
from porch.plans.models import Plan, Workshop
from porch.workspaces.models import Workspace
from tests.plans.sample import BAKERY
from tests.plans.test_wizard import walk

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["plan", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_answers_file_gives_the_same_plan_as_the_wizard(
    signed_in: Client, workspace: Workspace, tmp_path: Path
) -> None:
    walk(signed_in, workspace.slug)
    answers = tmp_path / "bakery.yaml"
    answers.write_text(yaml.safe_dump(BAKERY))
    code, out, err = run("--answers", str(answers), "--workspace", workspace.slug)
    assert code == 0, err
    web, cli = Plan.objects.filter(workspace=workspace).order_by("version")
    assert cli.version == 2
    assert cli.content == web.content
    assert cli.answers == web.answers
    assert out.startswith("# Plan for Corner Bakery (version 2)")
    assert "Hello from Corner Bakery!" in out


def test_interactive_prompts_ask_every_question(workspace: Workspace) -> None:
    typed = [
        "Corner Bakery",
        "sourdough bread",
        "Leeds",
        "tue-sat",
        "Tue-Sat 7:00-16:00",
        "not a site",
        "cornerbakery.example",
        "",
        "",
        "busy parents",
        "stale bread, cakes at short notice",
        "sourdough loaf",
        "Big Bread Co",
        "Hilltop Coffee",
        "friendly",
        "care, offers",
        "x, bluesky",
        "lots",
        "3",
    ]
    code, out, err = run("--workspace", workspace.slug, input="\n".join(typed) + "\n")
    assert code == 0, out + err
    assert "is not a web address" in out  # asked again
    assert "is not a number of hours" in out
    plan = Plan.objects.get(workspace=workspace)
    assert plan.answers["website"] == "cornerbakery.example"
    assert plan.answers["problems"] == ["stale bread", "cakes at short notice"]
    assert plan.content["networks"] == ["bluesky", "x"]  # in settings.NETWORKS' order
    assert Workshop.objects.get(workspace=workspace).answers["hours"] == 3
    assert "is not opening hours" in out  # asked again
    opening = {"days": [1, 2, 3, 4, 5], "opens": "07:00", "closes": "16:00"}
    assert plan.answers["opening"] == opening
    inbox = InboxSettings.of(workspace)
    assert (inbox.day_numbers(), inbox.opens, inbox.closes) == ([1, 2, 3, 4, 5], time(7), time(16))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name: [unclosed", "is not valid YAML at line 1"),
        ("- just\n- a list\n", "must be a YAML mapping"),
    ],
)
def test_a_bad_answers_file_gets_one_clear_line(
    workspace: Workspace, tmp_path: Path, content: str, message: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)
    code, _out, err = run("--answers", str(answers), "--workspace", workspace.slug)
    assert code == 1
    assert err.count("\n") == 1 and message in err
    assert not Plan.objects.exists()


def test_nonsense_in_the_file_is_named_and_left_out(workspace: Workspace, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({**BAKERY, "website": "no", "hours": 500}))
    code, _out, err = run("--answers", str(answers), "--workspace", workspace.slug)
    assert code == 0
    assert "note: website left out" in err and "note: hours left out" in err
    plan = Plan.objects.get(workspace=workspace)
    assert "website" not in plan.answers
    assert plan.content["routine"]["hours"] == 2  # the default, named in the readiness score


def test_unknown_workspace_is_one_line(workspace: Workspace) -> None:
    code, _out, err = run("--workspace", "nope")
    assert code == 1
    assert err == "porch plan: no workspace 'nope': use the slug in its web address\n"
