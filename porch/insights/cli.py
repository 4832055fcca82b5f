"""`porch import` and `porch report`: history imports and the weekly report from the shell."""

from pathlib import Path

import click

from porch.core.cli import with_django
from porch.workspaces.cli import one_workspace


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--account", "account_id", type=int, required=True, help="The account's id.")
@with_django
def import_history(file: Path, account_id: int) -> None:
    """Import an account's history from the file its network gave you.

    X archive (.zip or data/tweets.js), Mastodon export (.zip or outbox.json), Bluesky
    repository (.car). Running it again imports nothing twice and finishes a stopped import.

    Example: porch import ~/Downloads/twitter-2026-11-20.zip --account 3
    """
    from porch.insights.history import import_file
    from porch.insights.importers import ArchiveError
    from porch.workspaces.models import ConnectedAccount

    account = ConnectedAccount.objects.filter(pk=account_id).first()
    if account is None:
        raise click.ClickException(f"no connected account with id {account_id}")
    with click.progressbar(length=1, label=f"Importing into {account}") as bar:
        shown = [0]

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - shown[0])
            shown[0] = done

        try:
            result = import_file(file, account, progress)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(result.line(file.name))


@click.command()
@click.option("--week", required=True, help="ISO week, like 2026-W47.")
@click.option("--workspace", "slug", default=None, help="The workspace's slug (if several).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--email", is_flag=True, help="Email it to the workspace's owners.")
@with_django
def report(week: str, slug: str | None, pdf_path: Path | None, email: bool) -> None:
    """Make the weekly report: print its figures, write a PDF, email it.

    Example: porch report --week 2026-W47 --pdf report.pdf
    """
    from porch.core.mail import why_not_sent
    from porch.insights.report import (
        ReportError,
        build_report,
        owners_emails,
        render_pdf,
        send_report,
    )
    from porch.workspaces.models import Workspace

    workspace = one_workspace(slug, Workspace.objects.filter(is_demo=False))
    try:
        made = build_report(workspace, week)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{workspace.name}, week {made.week} ({made.period})")
    for label, value in made.lines():
        click.echo(f"  {label}: {value}")
    if pdf_path is not None:
        try:
            pdf_path.write_bytes(render_pdf(made))
        except OSError as exc:
            raise click.ClickException(f"cannot write {pdf_path}: {exc.strerror}") from None
        click.echo(f"PDF written to {pdf_path}")
    if email:
        to = owners_emails(workspace)
        if not to:
            raise click.ClickException("the workspace's owners have no email address")
        try:
            send_report(made, to)
        except OSError as exc:  # smtplib's errors included
            raise click.ClickException(f"the report was not emailed: {why_not_sent(exc)}") from None
        click.echo(f"Emailed to {', '.join(to)}")


commands: list[click.Command] = [import_history, report]
