"""Normalising social text for the fast tier, a whole batch at a time.

Each rule is one regular expression run over the batch joined by newlines, or one numpy
operation over its bytes, so the cost per message is a few C-level passes rather than
Python work per token. What it does:

- literal ``\\u2019`` escapes and HTML entities (``&amp;``) are decoded;
- URLs (and ``name .com``) become ``xurl``, @handles ``xuser``; ``#CamelCaseTag`` becomes
  ``xtag camel case tag``;
- emoji become VADER's words for them (``😂`` -> ``face with tears of joy``), emoticons
  ``xsmile`` / ``xfrown`` / ``xheart``;
- SHOUTED words and elongations (``soooo``) are counted before lowercasing, and elongated
  letters squeezed to two;
- ASCII is lowercased, digits collapsed to ``0``, apostrophes dropped (``didn't`` ->
  ``didnt``, as in VADER's negator list). Negation is handled on tokens (see features.py).

VADER's lexicon (package vaderSentiment) is read from its text files, never executed.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import vaderSentiment.vaderSentiment as vader

URL = re.compile(r"https?://[^ \n]+")
WWW = re.compile(r"www\.[^ \n]+")
DOMAIN = re.compile(r"\.(?:com|co\.uk|net|org|io|ly)\b")
HANDLE = re.compile(r"@[A-Za-z0-9_]+(?:@[A-Za-z0-9_.-]+)?")
HASHTAG = re.compile(r"#(\w+)")
CAMEL_HASHTAG = re.compile(r"#(\w*[a-z][A-Z]\w*)")  # split by _split_tag; the rest by HASHTAG
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# One pattern a first character: a literal first character lets `re` skip ahead fast (one
# pattern with an alternation took a quarter of the normaliser's time). No emoticon's later
# characters can start another, so the passes give what one pass over the alternation gave.
EMOTICONS = tuple(
    (first, re.compile(pattern))
    for first, pattern in (
        (":", r":'?-?[)D\](\[/\\|pP]"),
        (";", r";'?-?[)D\](\[/\\|pP]"),
        ("=", r"='?-?[)D\](\[/\\|pP]"),
        ("^", r"\^_\^"),
        ("<", r"<3"),
    )
)
EMOTICON_WORDS = {
    ")": " xsmile ",
    "D": " xsmile ",
    "]": " xsmile ",
    "p": " xsmile ",
    "P": " xsmile ",
}
ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
ENTITIES = (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"))
EMOJI = re.compile("[\u2190-\u2bff\U0001f000-\U0001faff]")
NEGATORS = sorted({word.replace("'", "") for word in vader.NEGATE} | {"no", "never", "not"})


def _vader_file(name: str) -> Path:
    return Path(vader.__file__).with_name(name)


@cache
def vader_lexicon() -> dict[str, float]:
    """VADER's word -> valence table (about 7,500 entries), plus the emoticon markers."""
    table: dict[str, float] = {"xsmile": 2.0, "xfrown": -2.0, "xheart": 2.4}
    for line in _vader_file("vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2 and re.fullmatch(r"[a-z][a-z']*", parts[0]):
            table[parts[0].replace("'", "")] = float(parts[1])
    return table


@cache
def emoji_words() -> dict[str, str]:
    """Single-character emoji -> VADER's words for it, padded with spaces."""
    table: dict[str, str] = {}
    for line in _vader_file("emoji_utf8_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and len(parts[0]) == 1 and ord(parts[0]) > 0x2000:
            table[parts[0]] = " " + re.sub(r"[^a-z ]", "", parts[1].lower()) + " "
    return table


def _emoji(match: re.Match[str]) -> str:
    return emoji_words().get(match.group(0), " ")


def _unescape(match: re.Match[str]) -> str:
    character = chr(int(match.group(1), 16))
    return " " if character == "\n" or "\ud800" <= character <= "\udfff" else character


def _emoticon(match: re.Match[str]) -> str:
    found = match.group(0)
    if found == "<3":
        return " xheart "
    return " xsmile " if found == "^_^" else EMOTICON_WORDS.get(found[-1], " xfrown ")


def _split_tag(match: re.Match[str]) -> str:
    return " xtag " + CAMEL.sub(" ", match.group(1)) + " "


def _tag(match: re.Match[str]) -> str:
    return " xtag " + match.group(1) + " "  # a function: faster than a template's expansion


def _lowercase_table() -> "np.ndarray[Any, np.dtype[np.uint8]]":
    table = np.arange(256, dtype=np.uint8)
    table[ord("A") : ord("Z") + 1] += 32
    table[ord("1") : ord("9") + 1] = ord("0")
    table[[ord("\t"), ord("\r"), ord("\f"), ord("\v")]] = ord(" ")
    return table


LOWERCASE = _lowercase_table()
Bytes = np.ndarray[Any, np.dtype[np.uint8]]
Floats = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class Normalised:
    """A normalised batch: the bytes of the texts joined by newlines, and per-text counts."""

    raw: Bytes
    shouts: Floats  # words of 3+ capitals, per text
    elongations: Floats  # letters repeated 3+ times, per text

    def texts(self) -> list[str]:
        return self.raw.tobytes().decode("utf-8", errors="replace").split("\n")


def _per_text(
    hits: "np.ndarray[Any, np.dtype[np.bool_]]", line: "np.ndarray[Any, Any]", count: int
) -> Floats:
    return np.bincount(line[np.flatnonzero(hits)], minlength=count).astype(np.float64)


def _squeeze(raw: Bytes, count: int) -> Normalised:
    """Count shouting and elongation, then lowercase, collapse digits, drop repeats."""
    line = np.cumsum(raw == 10)
    upper = (raw >= 65) & (raw <= 90)
    letter = upper | ((raw >= 97) & (raw <= 122))
    shout = np.zeros(raw.size, dtype=bool)
    shout[2:] = upper[:-2] & upper[1:-1] & upper[2:]
    shout[3:] &= ~upper[:-3]
    raw = LOWERCASE[raw]
    repeat = np.zeros(raw.size, dtype=bool)
    repeat[2:] = (raw[2:] == raw[1:-1]) & (raw[1:-1] == raw[:-2]) & letter[2:]
    elongation = repeat.copy()
    elongation[3:] &= ~repeat[2:-1]
    double_space = np.zeros(raw.size, dtype=bool)
    double_space[1:] = (raw[1:] == 32) & (raw[:-1] == 32)
    keep = ~(repeat | double_space | (raw == ord("'")))
    return Normalised(raw[keep], _per_text(shout, line, count), _per_text(elongation, line, count))


def normalise(texts: Sequence[str]) -> Normalised:
    """Normalise a batch of texts; `.texts()` has one string per input, in order."""
    joined = "\n".join(text.replace("\n", " ") for text in texts)
    joined = ESCAPED.sub(_unescape, joined)
    for entity, character in ENTITIES:
        joined = joined.replace(entity, character)
    joined = joined.replace("\u2019", "'").replace("\u2018", "'").replace("\ufe0f", "")
    joined = EMOJI.sub(_emoji, joined)
    for pattern in (URL, WWW, DOMAIN):
        joined = pattern.sub(" xurl ", joined)
    joined = HANDLE.sub(" xuser ", joined)
    joined = CAMEL_HASHTAG.sub(_split_tag, joined)
    joined = HASHTAG.sub(_tag, joined)
    for first, pattern in EMOTICONS:
        if first in joined:
            joined = pattern.sub(_emoticon, joined)
    raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    return _squeeze(raw, len(texts))
