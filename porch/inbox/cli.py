"""`porch sync`: fetch what the connected accounts received, and show it."""

import click

from porch.core.cli import with_django


@click.command()
@click.option("--account", "account_id", type=int, default=None, help="Only this account (its id).")
@with_django
def sync(account_id: int | None) -> None:
    """Sync connected accounts now and print what was fetched.

    Example: porch sync --account 3
    """
    from porch.inbox.models import Message
    from porch.networks.poller import sync_account
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


commands: list[click.Command] = [sync]
