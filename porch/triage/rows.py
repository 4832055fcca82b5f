"""Reading the rows to classify: CSV with a header, or JSON Lines; a path or `-` (stdin).

The format is decided by the file's extension (.csv; .jsonl, .json, .ndjson), or, for
stdin, by sniffing: a first non-blank character `{` means JSON Lines. A row whose text
is missing or blank comes back as None, so the caller can report it and go on.
"""

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from porch.errors import InputError

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")


class RowsError(InputError):
    """The input cannot be read at all (missing file, bad encoding, no such column)."""


def _text_of(row: Any, column: str) -> str | None:
    value = row.get(column) if isinstance(row, dict) else None
    if value is None or not str(value).strip():
        return None
    return str(value)


def _json_lines(stream: TextIO, column: str) -> Iterator[str | None]:
    for line in stream:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            yield None
            continue
        yield _text_of(row, column)


def _csv_rows(stream: TextIO, column: str) -> Iterator[str | None]:
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    if column not in reader.fieldnames:
        raise RowsError(f"no column {column!r} in the CSV header ({', '.join(reader.fieldnames)})")
    for row in reader:
        yield _text_of(row, column)


def _open(path: str) -> tuple[TextIO, bool]:
    """The stream and whether it is JSON Lines."""
    if path == "-":
        data = sys.stdin.read()
        return io.StringIO(data), data.lstrip().startswith("{")
    try:
        stream = Path(path).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by read_texts)
    except OSError as exc:
        raise RowsError(f"cannot read {path}: {exc.strerror or exc}") from None
    return stream, Path(path).suffix.lower() in JSON_SUFFIXES


def read_texts(path: str, column: str = "text") -> Iterator[str | None]:
    """The text of each row, in order (None where it is missing or blank)."""
    stream, is_json = _open(path)
    try:
        with stream:
            yield from (_json_lines if is_json else _csv_rows)(stream, column)
    except UnicodeDecodeError:
        raise RowsError(f"cannot read {path}: it is not UTF-8 text") from None
    except csv.Error as exc:
        raise RowsError(f"cannot read {path}: bad CSV ({exc})") from None
