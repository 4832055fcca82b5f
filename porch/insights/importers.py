"""Reading the history files the networks give their users, into plain `ImportedPost`s.

    open_history(path, network) -> HistoryFile  its owner, and .posts(): read afresh on each call
    read_history(path, network) -> History      all its posts in a list (for small files and tests)
      ArchiveError                              the one error: names the file and what is wrong

Each network reads its own files (porch/networks/<name>/archive.py, named by its
descriptor's `archive`); the shared checks (size caps, zip bombs, one error) are in
porch/networks/archives.py. Files are read as streams, never whole.
"""

import re
from pathlib import Path

from porch.networks.archives import (
    ArchiveError,
    ArchiveReader,
    History,
    HistoryFile,
    ImportedPost,
    open_archive,
    reader_of,
)
from porch.networks.base import ArchiveFormat
from porch.networks.registry import descriptors

__all__ = [
    "ArchiveError",
    "ArchiveReader",
    "History",
    "HistoryFile",
    "ImportedPost",
    "formats",
    "has_hashtag",
    "has_link",
    "open_history",
    "read_history",
    "reader_of",
]

LINK = re.compile(r"https?://[^\s<>\"']+")
HASHTAG = re.compile(r"(?:^|\s)#\w")


def formats() -> list[tuple[str, ArchiveFormat]]:
    """(network, its history file) of every installed network Porch can import from."""
    return [(network.name, network.archive) for network in descriptors() if network.archive]


def open_history(path: Path, network: str) -> HistoryFile:
    """Open a history file of `network`: its format and size checked, its owner read."""
    return open_archive(path, network)


def read_history(path: Path, network: str) -> History:
    """Read a whole history file of `network`; raises ArchiveError for anything unreadable."""
    opened = open_history(path, network)
    posts = list(opened.posts())
    return History(posts, opened.owner, len(opened.missing))


def has_hashtag(text: str) -> bool:
    return "#" in text and bool(HASHTAG.search(text))


def has_link(post: ImportedPost) -> bool:
    return bool(post.links) or ("http" in post.text and bool(LINK.search(post.text)))
