"""The `porch` command: the one entry point for people and scripts.

Each command is a few lines calling library code. Settings come from the environment
(PORCH_*, DATABASE_URL); a bad one stops the command with one line saying what to fix.
"""

import errno
import os
import socket
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class SetupError(click.ClickException):
    """Printed as one line, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"porch: {self.message}", err=True)


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
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setup_django()
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
@with_django
def serve(host: str, port: int | None, worker: bool, run_migrate: bool, threads: int) -> None:
    """Run the web server (waitress) with a background worker in the same process.

    Example: porch serve --port 8080
    """
    from django.conf import settings
    from waitress import serve as waitress_serve

    from porch.core import demo
    from porch.core.worker import start_in_thread
    from porch.wsgi import application

    port = port or settings.PORT
    check_port_free(host, port)
    use_port(port)
    if run_migrate:
        migrate()
    if worker:
        start_in_thread()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    click.echo(f"Porch is running at http://{shown}:{port}/  (Ctrl+C to stop)")
    from django.contrib.auth.models import User

    if User.objects.filter(username=demo.DEMO_EMAIL).exists():
        click.echo(f"Demo login: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")
    click.echo(
        "Background worker: " + ("running in this process" if worker else "off (--no-worker)")
    )
    sys.stdout.flush()
    waitress_serve(application, host=host, port=port, threads=threads, _quiet=True)


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
    from porch.core.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    migrate()
    workspace, created = load_demo()
    click.echo(
        f"Demo workspace {workspace.name!r} " + ("loaded." if created else "was already there.")
    )
    click.echo(f"Sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD}")
    if then_serve:
        ctx.invoke(serve, port=port)


def new_password(given: str | None) -> str:
    """--password, or asked for twice without echo."""
    if given is not None:
        return given
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@main.command()
@click.argument("email")
@click.option("--password", default=None, help="The password (asked for when left out).")
@click.option(
    "--workspace", "business", default=None, help="Also create a workspace owned by them."
)
@click.option("--admin", is_flag=True, help="Give access to Django's admin.")
@with_django
def createuser(email: str, password: str | None, business: str | None, admin: bool) -> None:
    """Create a user (and optionally their workspace). The first user also runs Porch (admin).

    Example: porch createuser owner@shop.example --workspace "Corner Café"
    """
    from porch.workspaces import services

    try:
        email = services.check_new_email(email)
        user = services.new_account(email, new_password(password), admin=admin)
    except services.MemberError as exc:
        raise click.ClickException(str(exc)) from None
    if business:
        workspace = services.create_workspace(user, business)
        click.echo(f"Created {email}, owner of {workspace.name!r}")
    else:
        click.echo(f"Created {email}" + (" (admin)" if user.is_superuser else ""))


@main.command()
@click.argument("email")
@click.option("--password", default=None, help="The new password (asked for when left out).")
@with_django
def resetpassword(email: str, password: str | None) -> None:
    """Set a user's password where Porch cannot send mail; also lifts any sign-in pause.

    Example: porch resetpassword owner@shop.example
    """
    from django.contrib.auth.models import User

    from porch.workspaces import services

    if not User.objects.filter(username=email.strip().lower()).exists():
        raise click.ClickException(f"There is no account for {email}.")
    try:
        services.reset_password(email, new_password(password))
    except services.MemberError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New password set for {email.strip().lower()}")


@main.command()
@click.option("--account", "account_id", type=int, default=None, help="Only this account (its id).")
@with_django
def sync(account_id: int | None) -> None:
    """Sync connected accounts now and print what was fetched.

    Example: porch sync --account 3
    """
    from porch.inbox.models import Message
    from porch.networks.sync import sync_account
    from porch.workspaces.models import AccountStatus, ConnectedAccount

    accounts = ConnectedAccount.objects.filter(is_demo=False).select_related("workspace")
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
        if not accounts.exists():
            raise click.ClickException(f"no connected account with id {account_id}")
    else:
        accounts = accounts.exclude(status=AccountStatus.NEEDS_RECONNECT)
    for account in accounts:
        before = set(Message.objects.filter(account=account).values_list("pk", flat=True))
        report = sync_account(account)
        click.echo(report.line())
        for message in Message.objects.filter(account=account).exclude(pk__in=before):
            click.echo(
                f"  {message.get_kind_display()} from {message.author_handle}: {message.text}"
            )


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
    from porch.inbox.generate import fill
    from porch.workspaces.models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise click.ClickException(f"no workspace {slug!r}: use the slug in its web address")
    done = fill(workspace, messages)
    click.echo(
        f"Added {done.messages} messages in {done.conversations} conversations "
        f"to {workspace.name} in {done.seconds:.0f} s"
    )


from porch.triage.cli import triage  # noqa: E402

main.add_command(triage)

from porch.insights.cli import import_history, report  # noqa: E402

main.add_command(import_history)
main.add_command(report)

from porch.plans.cli import plan  # noqa: E402

main.add_command(plan)


def run() -> None:
    main()


if __name__ == "__main__":
    run()
