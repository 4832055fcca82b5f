"""`porch listening ...`: listening's commands."""

from pathlib import Path

import click

from porch.core.cli import with_django


@click.group()
def listening() -> None:
    """Listening: what people say about you and your competitors."""


@listening.command(name="eval")
@click.option(
    "--data",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="The airline tweets: their CSV or its folder (default: ../shared/data/...).",
)
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@with_django
def evaluate(data: Path | None, top: int) -> None:
    """Print the topics and recurring questions Porch finds in a public set of tweets.

    Example: porch listening eval --data ../shared/data/twitter_airline_sentiment
    """
    from porch.bench.listening import DATA, evaluate

    for line in evaluate(data or DATA, top):
        click.echo(line)


commands: list[click.Command] = [listening]
