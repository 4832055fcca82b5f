"""A Bluesky repository export (.car) read from disk a block at a time.

    CarFile.open(path)       one pass over the file: every block's SHA-256 checked against
                             its address, and where it starts noted (16 bytes a block)
      .block(link)           the decoded block at that address, read from the file; None if absent

The whole file is never in memory: a 1 GB repository costs its index, not its size.
Errors are ArchiveError-ready strings in CarError; the importer adds the file's name.
"""

import hashlib
from array import array
from pathlib import Path
from typing import IO, Any

import libipld  # type: ignore[import-untyped, unused-ignore]
import numpy as np

from porch.errors import InputError

MAX_BLOCK = 4 * 1024 * 1024  # a repository block is at most a few hundred KB


class CarError(InputError, ValueError):
    """The file is not a readable repository; the message says where and why."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """(value, position after it) of the unsigned varint at `at`."""
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise CarError("a length runs past the end of its block")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def _read_varint(stream: IO[bytes]) -> int | None:
    """The varint at the stream's position; None at a clean end of the file."""
    value = shift = 0
    while True:
        byte = stream.read(1)
        if not byte:
            if shift:
                raise CarError("the file is cut short inside a length")
            return None
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7
        if shift > 63:
            raise CarError("a length is too long: damaged")


def _key(cid: bytes) -> int:
    return int.from_bytes(cid[-8:], "little") & 0x7FFF_FFFF_FFFF_FFFF


def _split(section: bytes, number: int) -> tuple[bytes, bytes]:
    """(address, block) of a section, its checksum checked."""
    version, pos = _varint(section, 0)
    if version != 1:
        raise CarError(f"block {number} has an unreadable address")
    _, pos = _varint(section, pos)  # codec
    hash_code, pos = _varint(section, pos)
    length, pos = _varint(section, pos)
    digest, block = section[pos : pos + length], section[pos + length :]
    if hash_code == 0x12 and hashlib.sha256(block).digest() != digest:
        raise CarError(f"block {number} is damaged (its checksum is wrong)")
    return section[: pos + length], block


class CarFile:
    def __init__(self, path: Path, root: bytes, index: tuple[Any, Any, Any]) -> None:
        self.path = path
        self.root = root
        self.keys, self.starts, self.sizes = index
        self.stream: IO[bytes] | None = None

    @classmethod
    def open(cls, path: Path) -> "CarFile":
        keys, starts, sizes = array("q"), array("q"), array("q")
        with path.open("rb") as stream:
            root = _header_root(stream)
            number = 0
            while (size := _read_varint(stream)) is not None:
                number += 1
                start = stream.tell()
                if size > MAX_BLOCK:
                    raise CarError(f"block {number} is too big to be a repository block")
                section = stream.read(size)
                if len(section) < size:
                    raise CarError(f"the file is cut short inside block {number}")
                cid, _ = _split(section, number)
                keys.append(_key(cid))
                starts.append(start)
                sizes.append(size)
        columns = [np.frombuffer(column, dtype=np.int64) for column in (keys, starts, sizes)]
        order = np.argsort(columns[0], kind="stable")
        return cls(path, root, (columns[0][order], columns[1][order], columns[2][order]))

    def __enter__(self) -> "CarFile":
        self.stream = self.path.open("rb")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def block(self, cid: bytes) -> Any:
        """The decoded block with address `cid`, or None when the file does not hold it."""
        assert self.stream is not None, "use `with car:` to read blocks"
        key = _key(cid)
        at = int(np.searchsorted(self.keys, key))
        while at < len(self.keys) and int(self.keys[at]) == key:
            self.stream.seek(int(self.starts[at]))
            found, block = _split(self.stream.read(int(self.sizes[at])), at)
            if found == cid:
                return _decode(block)
            at += 1
        return None


def _header_root(stream: IO[bytes]) -> bytes:
    size = _read_varint(stream)
    if size is None or size > MAX_BLOCK:
        raise CarError("has no readable header")
    header = _decode(stream.read(size))
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(roots, list) or not roots or not isinstance(roots[0], bytes):
        raise CarError("names no repository commit in its header")
    return roots[0]


def _decode(block: bytes) -> Any:
    try:
        return libipld.decode_dag_cbor(block)
    except Exception as exc:  # the decoder raises several kinds for malformed bytes
        raise CarError(f"a damaged block ({str(exc)[:120]})") from None
