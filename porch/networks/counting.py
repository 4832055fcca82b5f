"""Counting graphemes in time linear in the text's length, whatever its shape.

The `regex` module's \\X (extended grapheme clusters, UAX #29) spends about a
microsecond on each cluster, and takes time quadratic in a run of regional indicators
(flags). A boundary lies between two code points unless one of them is of a "joining"
kind (Extend, ZWJ, SpacingMark, Prepend, Hangul jamo, regional indicator) or they are
CR LF; so only the stretches around joining code points need \\X, and everything else
counts one per code point. Pairs of regional indicators are first replaced by one plain
letter, which clusters with its neighbours the way a flag does.
"""

import re

import regex

_JOINING = (
    "Grapheme_Cluster_Break=Extend",
    "Grapheme_Cluster_Break=ZWJ",
    "Grapheme_Cluster_Break=SpacingMark",
    "Grapheme_Cluster_Break=Prepend",
    "Grapheme_Cluster_Break=L",
    "Grapheme_Cluster_Break=V",
    "Grapheme_Cluster_Break=T",
    "Grapheme_Cluster_Break=Regional_Indicator",
)
_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
_CLUSTER = regex.compile(r"\X")


_JOIN = "[" + "".join(rf"\p{{{name}}}" for name in _JOINING) + "]"
_JOIN_RE = regex.compile(_JOIN)
# Joining code points, with the code point before and after each run of them.
_STRETCH = regex.compile(rf"(?:.(?={_JOIN}))?{_JOIN}++(?:.{_JOIN}++)*+.?", regex.DOTALL)


def graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29), as `regex`'s \\X counts them."""
    count = len(text) - text.count("\r\n")
    if text.isascii() or not _JOIN_RE.search(text):
        return count
    text = _FLAG.sub("A", text)
    count = len(text) - text.count("\r\n")
    for stretch in _STRETCH.finditer(text):
        piece = stretch.group()
        count -= len(piece) - len(_CLUSTER.findall(piece))
    return count
