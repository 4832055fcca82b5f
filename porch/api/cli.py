"""`porch token create|list|revoke` (personal API tokens) and `porch api schema` (the
OpenAPI document committed as porch/api/openapi.json)."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from porch.core.cli import OneLineError, with_django
from porch.workspaces.cli import one_workspace

if TYPE_CHECKING:
    from porch.api.models import ApiToken

SCHEMA_FILE = Path(__file__).parent / "openapi.json"


class TokenCliError(OneLineError):
    prefix = "porch token"


WORKSPACE = click.option(
    "--workspace", "slug", default=None, help="The workspace's slug (from its web address)."
)


@click.group()
def token() -> None:
    """Personal API tokens: make one, list them, revoke one."""


@token.command("create")
@WORKSPACE
@click.option("--email", required=True, help="The member the token acts as.")
@click.option("--name", required=True, help="What the token is for, like “Zapier”.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["read", "write", "publish"]),
    help="read, write or publish; repeat for more.",
)
@click.option(
    "--days",
    type=click.Choice(["30", "90", "365"]),
    default="90",
    show_default=True,
    help="How long it lasts.",
)
@with_django
def create(slug: str | None, email: str, name: str, scopes: tuple[str, ...], days: str) -> None:
    """Make a token and print it once (on stdout; the rest goes to stderr).

    Example: porch token create --workspace corner-bakery --email me@shop.example
      --name Zapier --scope read --scope write
    """
    from porch.api.tokens import create_token
    from porch.errors import PorchError
    from porch.workspaces.models import Membership

    workspace = one_workspace(slug, error=TokenCliError)
    member = Membership.objects.filter(
        workspace=workspace, user__username=email.strip().lower()
    ).first()
    if member is None:
        raise TokenCliError(f"{email} is not a member of {workspace.slug}")
    try:
        made = create_token(member, name, list(scopes), days=int(days))
    except PorchError as exc:
        raise TokenCliError(exc.message) from None
    click.echo(
        f"Made token {made.token.name!r} (porch_{made.token.prefix}_…) for {member.user.email} "
        f"in {workspace.slug}: {', '.join(made.token.scopes)}; expires "
        f"{made.token.expires_at:%Y-%m-%d}. Copy it now: it is shown only once.",
        err=True,
    )
    click.echo(made.text)


def _state(found: "ApiToken", now: Any) -> str:
    if found.revoked_at is not None:
        return "revoked"
    return "expired" if found.expires_at <= now else "active"


@token.command("list")
@WORKSPACE
@with_django
def list_tokens(slug: str | None) -> None:
    """List a workspace's tokens (prefixes only: the secrets are not kept).

    Example: porch token list --workspace corner-bakery
    """
    from django.utils import timezone

    from porch.api.models import ApiToken

    workspace = one_workspace(slug, error=TokenCliError)
    now = timezone.now()
    found = ApiToken.objects.filter(membership__workspace=workspace).select_related(
        "membership__user"
    )
    for row in found.order_by("-created_at", "-pk"):
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(
            f"{row.prefix}  {_state(row, now):7}  {row.name}  {row.membership.user.email}  "
            f"{','.join(row.scopes)}  expires {row.expires_at:%Y-%m-%d}  {used}"
        )
    if not found.exists():
        click.echo(f"No tokens in {workspace.slug}.", err=True)


@token.command("revoke")
@click.argument("prefix")
@WORKSPACE
@with_django
def revoke_token(prefix: str, slug: str | None) -> None:
    """Revoke a token by its prefix (the 12 characters after `porch_`); it stops at once.

    Example: porch token revoke 3f2a9c0d1b7e --workspace corner-bakery
    """
    from porch.api.models import ApiToken
    from porch.api.tokens import PREFIX, revoke

    workspace = one_workspace(slug, error=TokenCliError)
    bare = prefix.strip().removeprefix(PREFIX).split("_")[0]
    found = ApiToken.objects.filter(membership__workspace=workspace, prefix=bare).first()
    if found is None:
        raise TokenCliError(f"no token {bare!r} in {workspace.slug}: see `porch token list`")
    revoke(found, found.membership)
    click.echo(f"Revoked {found.name!r} ({found.prefix})")


@click.group("api")
def api_group() -> None:
    """The HTTP API at /api/v1/."""


def schema_text() -> str:
    """The OpenAPI document as committed: sorted keys, indent 2, a trailing newline."""
    from porch.api.api import api

    return json.dumps(api.get_openapi_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@api_group.command("schema")
@click.option("--write", is_flag=True, help=f"Write it to porch/api/{SCHEMA_FILE.name}.")
@with_django
def schema(write: bool) -> None:
    """Print the API's OpenAPI 3.1 document (or write the committed copy).

    Example: porch api schema --write
    """
    text = schema_text()
    if not write:
        click.echo(text, nl=False)
        return
    try:
        SCHEMA_FILE.write_text(text)
    except OSError as exc:
        raise OneLineError(f"cannot write {SCHEMA_FILE}: {exc.strerror}") from None
    click.echo(f"Wrote {SCHEMA_FILE}")


commands: list[click.Command] = [token, api_group]
