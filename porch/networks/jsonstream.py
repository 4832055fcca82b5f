"""Reading a big JSON list one item at a time, so a history file never sits whole in memory.

    JsonStream(binary, name, limit)      text decoded as it is read, never more than `limit` bytes
      .items_of_list()                   each item of the list that starts here
      .items_of_keys(keys)               each item of the lists under `keys` of the object here
      .skip_to("[")                      past everything up to a character (X's `window.YTD… =`)

A single item may be at most MAX_ITEM characters; the buffer holds about one item.
Anything malformed raises ArchiveError naming the file and what is wrong.
"""

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from porch.errors import InputError

MAX_ITEM = 16 * 1024 * 1024  # characters: one post, or one value beside the lists
CHUNK = 256 * 1024
BLANKS = re.compile(r"[ \t\n\r]*")
DECODER = json.JSONDecoder()


class StreamError(InputError, ValueError):
    """The text is not the JSON expected (turned into ArchiveError by porch.networks.archives)."""


class TooBig(InputError):
    """The file holds more than the configured limit; the message says how much is allowed."""


class JsonStream:
    def __init__(self, binary: IO[bytes], limit: int) -> None:
        self.binary = binary
        self.limit = limit
        self.read_bytes = 0
        self.text = ""
        self.at = 0
        self.ended = False
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def _more(self, size: int = CHUNK) -> bool:
        """Read more text onto the buffer (dropping what is used); False at the end."""
        if self.ended:
            return False
        chunk = self.binary.read(size)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise TooBig(f"it holds more than {self.limit >> 20} MB of history data")
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise StreamError(f"is not UTF-8 text ({exc.reason})") from None
        self.ended = not chunk
        self.text = self.text[self.at :] + text
        self.at = 0
        return True

    def peek(self) -> str:
        """The next character that is not a blank ('' at the end), left unread."""
        while True:
            self.at = BLANKS.match(self.text, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.text):
                return self.text[self.at]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            seen = repr(found) if found else "the end of the file"
            raise StreamError(f"expected {char!r} but found {seen}: cut short or damaged")
        self.at += 1

    def skip_to(self, char: str, within: int = 4096) -> str:
        """Skip to the first `char` (left unread); returns the text skipped (`within` at most)."""
        while (found := self.text.find(char, self.at)) < 0:
            if len(self.text) - self.at > within or not self._more():
                raise StreamError(f"no {char!r} near the start")
        skipped = self.text[self.at : found]
        self.at = found
        return skipped

    def value(self) -> Any:
        """The next whole JSON value."""
        size = CHUNK
        self.peek()
        while True:
            try:
                value, end = DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError as exc:
                if len(self.text) - self.at > MAX_ITEM or not self._more(size):
                    raise StreamError(f"cut short or damaged ({exc.msg})") from None
            else:
                if end < len(self.text) or self.ended:  # a number may go on in the next chunk
                    self.at = end
                    return value
                if not self._more(size):
                    self.at = end
                    return value
            size = min(size * 2, MAX_ITEM)

    def items_of_list(self) -> Iterator[Any]:
        self.expect("[")
        if self.peek() == "]":
            self.at += 1
            return
        while True:
            yield self.value()
            if self.peek() == "]":
                self.at += 1
                return
            self.expect(",")

    def items_of_keys(self, keys: set[str]) -> Iterator[tuple[str, Any]]:
        """(key, item) for each item of the lists under `keys` (a key may repeat); the values
        of other keys are read past. The keys found are left in `self.keys_seen`."""
        self.keys_seen: set[str] = set()
        self.expect("{")
        if self.peek() == "}":
            self.at += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise StreamError("an object key is not a string")
            self.expect(":")
            self.keys_seen.add(key)
            if key not in keys:
                self.value()
            elif self.peek() != "[":
                raise StreamError(f"{key!r} is not a list")
            else:
                for item in self.items_of_list():
                    yield key, item
            if self.peek() == "}":
                self.at += 1
                return
            self.expect(",")

    def end(self) -> None:
        """Check nothing but blanks (or a `;`) follows the value read."""
        if self.peek() == ";":
            self.at += 1
        if self.peek():
            raise StreamError("has more after its end: damaged")
