"""Storing an account's history: imported files and Porch's own published posts.

The whole file is read and checked first (as a stream: one pass counts and checks every
post, a second stores them), so a bad file stores nothing. Posts are written in batches,
each batch in its own transaction and unique per account and external id: importing the
same file twice changes nothing, and an import that stops part-way (a killed worker, a
full disk) resumes when run again, doubling nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from porch.insights.importers import (
    ArchiveError,
    ImportedPost,
    has_hashtag,
    has_link,
    open_history,
    reader_of,
)
from porch.insights.models import HistoryImport, HistoryPost, ImportState, Source
from porch.insights.whatworks import rebuild_cells
from porch.workspaces.models import ConnectedAccount

BATCH = 5000
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class ImportResult:
    read: int
    added: int
    note: str = ""

    def line(self, file_name: str) -> str:
        already = self.read - self.added
        text = f"{file_name}: {self.read} posts read, {self.added} new, {already} already here"
        return f"{text}. {self.note}" if self.note else text


def import_file(
    path: Path, account: ConnectedAccount, progress: Progress = lambda done, total: None
) -> ImportResult:
    """Read `path` as `account`'s network export and store its posts as the account's history."""
    history = open_history(path, account.network)
    _check_owner(path, account, history.owner)
    total = sum(1 for _ in history.posts())  # every post checked before any is stored
    added = store_posts(account, history.posts(), progress, total=total)
    note = ""
    if history.missing:
        note = f"The file is a partial repository: {len(history.missing)} parts were not in it."
    return ImportResult(total, added, note)


def _check_owner(path: Path, account: ConnectedAccount, owner: str) -> None:
    """Refuse a file that says it belongs to another account (where both sides are known)."""
    reader = reader_of(account.network)
    if not owner or reader is None:
        return
    mine = reader.owner(account.handle, account.external_id)
    if not mine and reader.owner_unknown:  # a file that names its owner by an id Porch lacks
        raise ArchiveError(path.name, reader.owner_unknown.format(account=account))
    if mine and owner.lower() != mine.lower():
        raise ArchiveError(
            path.name, f"this export is of {owner}, not of {account}: choose that account's file"
        )


def store_posts(
    account: ConnectedAccount,
    posts: Iterable[ImportedPost],
    progress: Progress = lambda done, total: None,
    source: Source = Source.IMPORT,
    total: int | None = None,
) -> int:
    """Store posts not already in the account's history; returns how many were new.

    Rows go in with one INSERT ... ON CONFLICT DO NOTHING per batch (SQLite and PostgreSQL
    both have it): a hundred thousand posts through the ORM one field at a time are slow.
    """
    zone = ZoneInfo(account.timezone)
    if total is None:
        posts = list(posts)
        total = len(posts)
    added = done = 0
    progress(0, total)
    fields = [f for f in HistoryPost._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    names = [f.attname for f in fields]
    # Table and column names come from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {HistoryPost._meta.db_table} ({columns}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT (account_id, external_id) DO NOTHING"
    )
    for batch in _batches(posts):
        rows = [_values(names, _row(account, post, zone, source)) for post in batch]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            added += max(cursor.rowcount, 0)  # rows inserted; conflicts are not counted
        done += len(batch)
        progress(min(done, total), total)
    rebuild_cells(account)
    return added


def _batches(posts: Iterable[ImportedPost]) -> Iterable[list[ImportedPost]]:
    batch: list[ImportedPost] = []
    for post in posts:
        batch.append(post)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _values(names: list[str], row: dict[str, Any]) -> list[Any]:
    """The row's values in column order, as the database takes them."""
    ops = connection.ops
    row["published_at"] = ops.adapt_datetimefield_value(row["published_at"])
    row["links"] = ops.adapt_json_value(row["links"], None)
    return [row[name] for name in names]


def _row(
    account: ConnectedAccount, post: ImportedPost, zone: ZoneInfo, source: str
) -> dict[str, Any]:
    local = post.published_at.astimezone(zone)
    return {
        "workspace_id": account.workspace_id,
        "account_id": account.pk,
        "network": account.network,
        "external_id": post.external_id[:255],
        "kind": post.kind,
        "source": source,
        "published_at": post.published_at,
        "weekday": local.weekday(),
        "hour": local.hour,
        "text": post.text,
        "length": len(post.text),
        "url": post.url[:500],
        "links": list(post.links),
        "media": min(post.media, 32767),
        "has_link": has_link(post),
        "has_question": "?" in post.text,
        "has_hashtag": has_hashtag(post.text),
        "pillar": post.pillar[:60],
        "likes": post.likes,
        "reposts": post.reposts,
        "replies": post.replies,
        "quotes": post.quotes,
        "impressions": post.impressions,
        "engagement": post.likes + post.reposts + post.replies + post.quotes,
        "metrics_at": None,
    }


UPLOAD_AGAIN = "the import stopped part-way and its file is gone: upload the file again"


def run_import(job: HistoryImport) -> HistoryImport:
    """Run a queued import (the web upload), recording progress on the job for the page."""
    HistoryImport.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, error="")

    def report(done: int, total: int) -> None:
        HistoryImport.objects.filter(pk=job.pk).update(done=done, total=total)

    stored = Path(job.stored_path)
    try:
        if not stored.is_file():
            raise ArchiveError(job.file_name, UPLOAD_AGAIN)
        result = import_file(stored, job.account, report)
    except ArchiveError as exc:
        job.state, job.error = ImportState.FAILED, f"{job.file_name}: {exc.problem}"[:500]
    else:
        job.state, job.added, job.error = ImportState.DONE, result.added, result.note[:500]
        job.total = job.done = result.read
    stored.unlink(missing_ok=True)  # kept only while the import may still run
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "added", "error", "total", "done", "finished_at"])
    return job


def import_taken_back(args: list[Any], kwargs: dict[str, Any], queued_again: bool) -> None:
    """The import's worker stopped: it resumes (nothing doubles), or fails and its file goes."""
    job = HistoryImport.objects.filter(pk=(args or [kwargs.get("job_id")])[0]).first()
    if job is None:
        return
    if queued_again:
        note = "The importer stopped part-way; it will carry on where it left off."
        HistoryImport.objects.filter(pk=job.pk).update(state=ImportState.WAITING, error=note)
        return
    Path(job.stored_path).unlink(missing_ok=True)
    HistoryImport.objects.filter(pk=job.pk).update(
        state=ImportState.FAILED,
        error=f"{job.file_name}: {UPLOAD_AGAIN}"[:500],
        finished_at=timezone.now(),
    )
