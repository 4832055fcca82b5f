"""What every app's `porch` commands share: loading Django, and errors printed as one line.

The top-level command (porch/cli.py) collects the apps' commands; an app's cli.py imports
from here, never from porch/cli.py.
"""

import os
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class OneLineError(click.ClickException):
    """Printed as one line, `prefix: message`, with no usage and no traceback."""

    prefix = "porch"

    def show(self, file: Any = None) -> None:
        click.echo(f"{self.prefix}: {self.message}", err=True)


class SetupError(OneLineError):
    """Porch cannot start: a bad setting or an unreachable database. Exit status 2."""

    exit_code = 2


def setup_django() -> None:
    """Load settings and connect to the database, turning failures into one clear line."""
    from porch.config import ConfigError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "porch.settings")
    try:
        import django

        django.setup()
    except ConfigError as exc:
        raise SetupError(str(exc)) from None
    check_database()


def check_database() -> None:
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = (
            "DATABASE_URL" if os.environ.get("DATABASE_URL") else "the SQLite file under PORCH_DATA"
        )
        raise SetupError(f"cannot open the database ({where}): {first}") from None


def with_django(func: F) -> F:
    """Run the command after `setup_django()`."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setup_django()
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
