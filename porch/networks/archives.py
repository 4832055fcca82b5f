"""Reading the history files the networks give their users, into plain `ImportedPost`s.

    open_archive(path, network) -> HistoryFile  its owner, and .posts(): read afresh on each call
      ArchiveError                              the one error: names the file and what is wrong
    ArchiveReader                               one network's reader (porch/networks/<name>/
                                                archive.py), named by its descriptor's `archive`

Files are read as streams, never whole: memory stays the same whatever a file's size.
A file, or what a zip expands to, over PORCH_IMPORT_MAX_MB is refused before it is read,
and so is a zip member that expands far more than real exports do (a zip bomb). What is
here is shared by the readers: the size checks, zips, the errors, counts and times.
"""

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from porch.errors import InputError
from porch.networks.jsonstream import StreamError, TooBig
from porch.networks.registry import descriptor, descriptors

Json = dict[str, Any]

# Everything malformed data can make a parser raise; turned into ArchiveError at the edge.
PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
    EOFError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
)
# A zip member expanding more than this many times its packed size is a zip bomb: real
# exports' JSON packs 5 to 20 times. Small members are let through whatever their ratio.
MAX_RATIO = 200
MAX_ZIP_ENTRIES = 500_000
ZIP_MAGIC = b"PK\x03\x04"


class ArchiveError(InputError):
    """A history file Porch cannot import; the message says which file and what is wrong."""

    def __init__(self, file_name: str, problem: str) -> None:
        super().__init__(f"{file_name}: {problem}")
        self.file_name = file_name
        self.problem = problem


@dataclass(frozen=True)
class ImportedPost:
    external_id: str
    kind: str  # "post", "reply" or "repost"
    published_at: datetime
    text: str = ""
    url: str = ""
    links: tuple[str, ...] = ()
    media: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None
    pillar: str = ""


@dataclass(frozen=True)
class History:
    posts: list[ImportedPost]
    owner: str = ""  # the account the file belongs to, where the file says (handle or DID)
    missing_blocks: int = 0  # parts of a repository not in the file (a partial export)


@dataclass(frozen=True)
class HistoryFile:
    """An opened history file: whose it is, and its posts, read from disk on each call."""

    name: str
    network: str
    owner: str
    read: Callable[[], Iterator[ImportedPost]]
    missing: list[str] = field(default_factory=list)  # subtrees not in the file (repositories)

    def posts(self) -> Iterator[ImportedPost]:
        """Every post, read as a stream; raises ArchiveError for anything unreadable."""
        del self.missing[:]
        with as_archive_error(self.name, self.network):
            yield from self.read()


def own_handle(handle: str, external_id: str) -> str:
    """The name an export gives its owner: the handle without @ or server."""
    return handle.lstrip("@").split("@")[0]


@dataclass(frozen=True)
class ArchiveReader:
    """One network's history files: how to open one, and how to tell one when it is not."""

    open: Callable[[Path, bytes], HistoryFile]  # (path, its first 4 KB)
    expected: str  # what to choose: "an X archive (the .zip, or data/tweets.js from it)"
    looks: str  # what a file of this kind is: "an X archive"
    looks_like: Callable[[bytes], bool]  # whether a file's start (or a zip's names) is one
    # (handle, external id) -> how the file names the account it is of ("" = no check)
    owner: Callable[[str, str], str] = own_handle
    # Why a file cannot be checked when `owner` gives "" ("{account}" is filled in); "" = no check
    owner_unknown: str = ""


def reader_of(network: str) -> ArchiveReader | None:
    """The network's archive reader, None where Porch cannot import its history."""
    try:
        archive = descriptor(network).archive
    except ValueError:  # not installed here
        return None
    if archive is None:
        return None
    reader: ArchiveReader = import_string(archive.reader)
    return reader


def open_archive(path: Path, network: str) -> HistoryFile:
    """Open a history file of `network`: its format and size checked, its owner read."""
    reader = reader_of(network)
    if reader is None:
        raise ArchiveError(path.name, f"Porch cannot import history from {network} yet")
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as exc:
        raise ArchiveError(path.name, f"cannot be read ({exc.strerror})") from None
    if not head:
        raise ArchiveError(path.name, "the file is empty")
    check_size(path.name, path.name, size)
    with as_archive_error(path.name, network):
        return reader.open(path, head)


class as_archive_error:
    """Turns what malformed data makes a parser raise into the one ArchiveError."""

    def __init__(self, name: str, network: str) -> None:
        self.name, self.network = name, network

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if exc is None or isinstance(exc, ArchiveError):
            return
        if isinstance(exc, TooBig):
            raise ArchiveError(self.name, f"is too big: {exc} (PORCH_IMPORT_MAX_MB)") from None
        if isinstance(exc, zipfile.BadZipFile | EOFError | OSError):
            problem = f"is damaged or cut short ({short(exc)})"
            raise ArchiveError(self.name, problem) from None
        if isinstance(exc, StreamError):
            raise ArchiveError(self.name, f"the list of posts is cut short or damaged ({exc})")
        if isinstance(exc, PARSE_ERRORS):
            what = f"is not a readable {descriptor(self.network).label} export"
            raise ArchiveError(self.name, f"{what} ({short(exc)})") from None


def max_bytes() -> int:
    """The most history data Porch reads from one file, packed or expanded."""
    return int(settings.IMPORT_MAX_MB) * 1024 * 1024


def check_size(file_name: str, what: str, size: int) -> None:
    if size > max_bytes():
        limit = max_bytes() >> 20
        raise ArchiveError(
            file_name,
            f"is too big: {what} holds {size >> 20} MB, more than the {limit} MB "
            "Porch imports (PORCH_IMPORT_MAX_MB)",
        )


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def wrong_format(path: Path, expected: str, data: bytes) -> ArchiveError:
    """The error for a file that is not the export `expected`, naming what it looks like."""
    head = data[:4096]
    looks = ""
    for network in descriptors():
        reader = reader_of(network.name)
        if reader is not None and reader.looks_like(head):
            looks = reader.looks
            break
    seen = f"it looks like {looks}" if looks else "Porch does not recognise this file"
    return ArchiveError(path.name, f"{seen}; choose {expected}")


def cut_zip(path: Path) -> ArchiveError:
    return ArchiveError(
        path.name,
        "the zip is cut short or damaged (its list of files at the end is missing): "
        "download it again",
    )


class Zip:
    """A zip opened for reading, its size checked first: too many files, a bomb, damage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive: zipfile.ZipFile | None = None

    def __enter__(self) -> zipfile.ZipFile:
        try:
            with self.path.open("rb") as stream:
                end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
            if end is None:
                raise cut_zip(self.path)
            if end[4] > MAX_ZIP_ENTRIES:  # _ECD_ENTRIES_TOTAL
                raise ArchiveError(self.path.name, f"the zip holds {end[4]} files: too many")
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ArchiveError(
                self.path.name, f"the zip is damaged or cut short ({short(exc)})"
            ) from None
        return self.archive

    def __exit__(self, *exc: object) -> None:
        if self.archive is not None:
            self.archive.close()


def check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse members that expand past the cap, or far past their packed size (a bomb)."""
    check_size(path.name, "what the zip expands to", sum(i.file_size for i in infos))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise ArchiveError(
                path.name,
                f"is too big for its size: {info.filename} expands {ratio:.0f} times, as a zip "
                "bomb does; Porch does not read it",
            )


def count(value: Any) -> int:
    """A count as the archives write it (numbers or strings of digits); 0 when absent."""
    if value is None or value == "":
        return 0
    number = int(value)
    if number < 0 or number > 2_000_000_000:
        raise ValueError(f"count {number} is out of range")
    return number


def field_of(item: Any, key: str, kind: type) -> Any:
    """item[key], which must be there and be a `kind`."""
    if not isinstance(item, dict) or key not in item:
        raise KeyError(f"an entry has no {key!r}")
    value = item[key]
    if not isinstance(value, kind):
        raise TypeError(f"{key!r} is not a {kind.__name__}")
    return value


def iso_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
