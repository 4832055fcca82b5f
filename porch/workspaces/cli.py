"""`porch createuser` and `porch resetpassword`, and finding the workspace a command is for."""

from typing import TYPE_CHECKING

import click

from porch.core.cli import with_django

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from porch.workspaces.models import Workspace


def one_workspace(
    slug: str | None,
    candidates: "QuerySet[Workspace] | None" = None,
    error: type[click.ClickException] = click.ClickException,
) -> "Workspace":
    """The workspace `slug` names, else the only one of `candidates` (default: all of them);
    otherwise `error` says in one line how to name it."""
    from porch.workspaces.models import Workspace

    if slug:
        candidates = Workspace.objects.filter(slug=slug)
    found = list((Workspace.objects.all() if candidates is None else candidates)[:2])
    if len(found) == 1:
        return found[0]
    raise error(
        f"no workspace {slug!r}: use the slug in its web address"
        if slug
        else "say which workspace with --workspace SLUG"
    )


def new_password(given: str | None) -> str:
    """--password, or asked for twice without echo."""
    if given is not None:
        return given
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@click.command()
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


@click.command()
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


commands: list[click.Command] = [createuser, resetpassword]
