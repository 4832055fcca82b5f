"""`porch plan`: the readiness workshop in the terminal, or from an answers file."""

from pathlib import Path
from typing import Any

import click

from porch.core.cli import OneLineError, with_django
from porch.plans.questions import STEPS, Answers, Question, Step, opening_text, problems
from porch.workspaces.cli import one_workspace


class PlanCliError(OneLineError):
    """Printed as one line."""

    prefix = "porch plan"


def read_answers(path: Path) -> Answers:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanCliError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlanCliError(f"{path} is not a text file: save it as UTF-8 YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PlanCliError(f"{path} is not valid YAML{where}: check the indentation") from None
    if not isinstance(loaded, dict):
        raise PlanCliError(f"{path} must be a YAML mapping like 'name: Corner Bakery'")
    return {str(key): value for key, value in loaded.items()}


def _ask(question: Question, current: Any) -> Any:
    hint = question.purpose
    if question.kind in ("choice", "choices"):
        hint += " Choose from: " + ", ".join(question.choices) + "."
    if question.kind in ("lines", "choices"):
        hint += " Separate several with commas."
    click.echo(click.style(question.label, bold=True) + f"\n  {hint}")
    if question.kind == "opening":
        hint += " Days and hours, like “Tue-Sat 7:00-16:00”; leave empty to skip."
        current = opening_text(current) if isinstance(current, dict) else current
    default = ", ".join(current) if isinstance(current, list) else current
    while True:
        value: Any = click.prompt(" ", default=default or "", show_default=bool(default))
        if question.kind in ("lines", "choices"):
            value = [part.strip() for part in str(value).split(",")]
        problem = problems(_step_of(question), {question.key: value}).get(question.key)
        if not problem:
            return value
        click.echo(f"  {problem}")


def _step_of(question: Question) -> Step:
    return next(step for step in STEPS if question in step.questions)


def ask_all(answers: Answers) -> Answers:
    for step in STEPS:
        click.echo(click.style(f"\n{step.title}", fg="green", bold=True))
        for question in step.questions:
            answers[question.key] = _ask(question, answers.get(question.key))
    return answers


@click.command()
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A YAML file with the answers (no questions asked).",
)
@click.option("--workspace", "slug", default=None, help="The workspace's slug (if several).")
@with_django
def plan(answers_file: Path | None, slug: str | None) -> None:
    """Run the readiness workshop, print the plan and store it for the workspace.

    Example: porch plan --answers bakery.yaml --workspace corner-bakery
    """
    from porch.plans.export import markdown
    from porch.plans.services import store_plan, use_opening, workshop_of

    workspace = one_workspace(slug, error=PlanCliError)
    workshop = workshop_of(workspace)
    if answers_file is None:
        answers = ask_all(dict(workshop.answers))
    else:
        answers = read_answers(answers_file)
        for step in STEPS:
            for key, problem in problems(step, answers).items():
                click.echo(f"note: {key} left out: {problem}", err=True)
                answers.pop(key, None)
    stored = store_plan(workspace, answers)
    workshop.answers = stored.answers
    workshop.save(update_fields=["answers", "updated_at"])
    use_opening(workspace, stored.answers)
    click.echo(markdown(workspace.name, stored.version, stored.content))


commands: list[click.Command] = [plan]
