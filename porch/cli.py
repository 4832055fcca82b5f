"""The `porch` command: the one entry point for people and scripts.

Here live the commands that run Porch itself (serve, worker, migrate, demo); every app's
own commands live in its folder, `porch/<app>/cli.py`, listed in its `commands`, and are
collected below without loading Django, so `porch --help` and `porch triage` work before
any setting is read. Shared helpers (loading Django, one-line errors) are in porch/core/cli.py.

Each command is a few lines calling library code. Settings come from the environment
(PORCH_*, DATABASE_URL); a bad one stops the command with one line saying what to fix.
"""

import errno
import os
import pkgutil
import socket
import sys
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

import click

from porch.core.cli import SetupError, with_django
from porch.workspaces.cli import one_workspace

F = TypeVar("F", bound=Callable[..., Any])


def migrate(verbose: bool = False) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


@click.group()
@click.version_option(package_name="porch")
def main() -> None:
    """Porch: the social media desk for small businesses."""


def port_option(func: F) -> F:
    return click.option(
        "--port",
        type=click.IntRange(1, 65535),
        default=None,
        help="Port to listen on (default: PORCH_PORT, else 8000).",
    )(func)


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SetupError(
                    f"port {port} is already in use: pick another with --port or PORCH_PORT"
                ) from None
            raise SetupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@port_option
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run a background worker in this process.",
)
@click.option(
    "--migrate/--no-migrate",
    "run_migrate",
    default=True,
    show_default=True,
    help="Apply database migrations first.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Web server threads (1 to 256).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="Web server processes sharing the port; PORCH_WEB_PROCESSES, default 1 "
    "(one a CPU core: 2 on a two-core machine).",
)
@with_django
def serve(
    host: str,
    port: int | None,
    worker: bool,
    run_migrate: bool,
    threads: int,
    processes: int | None,
) -> None:
    """Run the web server (waitress) with a background worker in the same process.

    Example: porch serve --port 8080
    """
    from django.conf import settings
    from waitress import serve as waitress_serve

    from porch import demo
    from porch.core.webserver import serve_processes
    from porch.core.worker import start_in_thread
    from porch.wsgi import application

    port = port or settings.PORT
    check_port_free(host, port)
    use_port(port)
    if run_migrate:
        migrate()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    click.echo(f"Porch is running at http://{shown}:{port}/  (Ctrl+C to stop)")
    from django.contrib.auth.models import User

    if User.objects.filter(username=demo.DEMO_EMAIL).exists():
        click.echo(f"Demo login: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")
    click.echo(
        "Background worker: " + ("running in this process" if worker else "off (--no-worker)")
    )
    sys.stdout.flush()
    count = processes or settings.WEB_PROCESSES
    if count == 1:
        if worker:
            start_in_thread()
        waitress_serve(application, host=host, port=port, threads=threads, _quiet=True)
        return

    def before() -> None:
        if worker:
            start_in_thread()

    serve_processes(application, host, port, threads=threads, processes=count, before=before)


def use_port(port: int) -> None:
    """Links in emails and tracked links name this port unless PORCH_PUBLIC_URL (or
    PORCH_LINK_HOST) says where Porch is reached."""
    from django.conf import settings

    if not settings.PUBLIC_URL:
        settings.BASE_URL = f"http://localhost:{port}"
        if not os.environ.get("PORCH_LINK_HOST"):
            settings.LINK_HOST = settings.BASE_URL


@main.command()
@with_django
def worker() -> None:
    """Run a background worker until stopped. Start as many as you like, on any machine.

    Example: porch worker
    """
    from porch.core.worker import run_foreground

    click.echo("Porch worker started (Ctrl+C to stop)")
    run_foreground()


@main.command(name="migrate")
@with_django
def migrate_command() -> None:
    """Create or update the database tables.

    Example: DATABASE_URL=postgres://porch@localhost/porch porch migrate
    """
    migrate(verbose=True)


@main.command()
@click.option(
    "--serve/--no-serve",
    "then_serve",
    default=True,
    show_default=True,
    help="Start the server after loading.",
)
@port_option
@click.pass_context
@with_django
def demo(ctx: click.Context, then_serve: bool, port: int | None) -> None:
    """Load the demo workspace (a made-up bakery) and start Porch.

    Example: porch demo --port 8001
    """
    from porch.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    migrate()
    workspace, created = load_demo()
    click.echo(
        f"Demo workspace {workspace.name!r} " + ("loaded." if created else "was already there.")
    )
    if not then_serve:  # serve prints the address and this login together, once
        click.echo(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    if then_serve:
        from porch.networks.apps import register_network_jobs

        register_network_jobs(demo=True)  # the made-up customer writes while it runs
        ctx.invoke(serve, port=port)


@main.command(name="generate-inbox")
@click.option("--workspace", "slug", required=True, help="The workspace's slug (in its address).")
@click.option(
    "--messages",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="How many messages to add.",
)
@with_django
def generate_inbox(slug: str, messages: int) -> None:
    """Fill a workspace with a realistic inbox history, to try Porch at scale.

    Example: porch generate-inbox --workspace corner-bakery --messages 1000000
    """
    from porch.bench.generate_inbox import fill

    workspace = one_workspace(slug)
    done = fill(workspace, messages)
    click.echo(
        f"Added {done.messages} messages in {done.conversations} conversations "
        f"to {workspace.name} in {done.seconds:.0f} s"
    )


def app_cli_modules() -> Iterator[str]:
    """Every `porch/<app>/cli.py`: an app's commands live in its own folder."""
    root = Path(__file__).parent
    for package in pkgutil.iter_modules([str(root)]):
        if package.ispkg and (root / package.name / "cli.py").is_file():
            yield f"porch.{package.name}.cli"


def add_app_commands(group: click.Group) -> None:
    """Add each app's `commands` to `group`; two commands of one name are a mistake."""
    for module in app_cli_modules():
        for command in getattr(import_module(module), "commands", []):
            if command.name in group.commands:
                raise RuntimeError(f"two `porch {command.name}` commands (one in {module})")
            group.add_command(command)


add_app_commands(main)


def run() -> None:
    main()


if __name__ == "__main__":
    run()
