"""Counting graphemes in time linear in the text's length, whatever its shape.

The `regex` module's \\X (extended grapheme clusters, UAX #29) spends about a
microsecond on each cluster, and takes time quadratic in a run of regional indicators
(flags). Here each code point is first mapped (str.translate) to one ASCII letter for
its break category, and the places where two code points join are counted on those
letters with Python's own `re`, which scans ASCII text fastest. The categories come
from `regex`'s own tables and the rules are those of its boundary test (one code point
pair at a time, looking back where GB9c, GB11 and GB12 say), so the count is \\X's:

    c CR   n LF   k other Control   e Extend   E Extend, InCB=Extend   K Extend, InCB=Linker
    l InCB=Linker (not Extend)   z ZWJ   s SpacingMark   p Prepend   r Regional_Indicator
    L V T h(LV) H(LVT) Hangul   x Extended_Pictographic   C InCB=Consonant   o anything else

Code points of no category keep their own (non-ASCII) character, which stands for "o".
"""

import re
from collections.abc import Callable
from functools import cache

import regex

_CATEGORIES = (  # `regex` (V1) set bodies; a later one wins where two apply
    ("k", r"\p{GCB=Control}"),
    ("c", r"\p{GCB=CR}"),
    ("n", r"\p{GCB=LF}"),
    ("e", r"\p{GCB=Extend}"),
    ("E", r"\p{GCB=Extend}&&\p{InCB=Extend}"),
    ("K", r"\p{GCB=Extend}&&\p{InCB=Linker}"),
    ("l", r"\p{InCB=Linker}&&\P{GCB=Extend}"),
    ("z", r"\p{GCB=ZWJ}"),
    ("s", r"\p{GCB=SpacingMark}"),
    ("p", r"\p{GCB=Prepend}"),
    ("L", r"\p{GCB=L}"),
    ("V", r"\p{GCB=V}"),
    ("T", r"\p{GCB=T}"),
    ("h", r"\p{GCB=LV}"),
    ("H", r"\p{GCB=LVT}"),
    ("r", r"\p{GCB=Regional_Indicator}"),
    ("x", r"\p{Extended_Pictographic}"),
    ("C", r"\p{InCB=Consonant}"),
)
# Code points that join one next to them (LV and LVT join only next to L, V or T).
_JOIN = regex.compile(
    r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}\p{InCB=Linker}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
    r"\p{Grapheme_Cluster_Break=L}\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}"
    r"\p{Grapheme_Cluster_Break=Regional_Indicator}]"
)
# Where a code point joins the one before it, for GB9b, GB6-8 and GB9c, with letters one
# of which the text must hold for the rule to apply. No place is counted by two rules,
# nor by GB9/9a (an Extend, ZWJ or SpacingMark after anything but a control), GB3 (CR LF),
# GB11 (emoji ZWJ emoji) or GB12-13 (pairs of regional indicators), counted apart.
_RULES = (
    ("p", re.compile("(?<=p)[^cnkeEKzs]")),
    ("LVT", re.compile("(?<=L)[LVhH]|(?<=[Vh])[VT]|(?<=[HT])T")),
    ("Kl", re.compile("[Kl][Ez]*(?=C)")),
)
_EMOJI_ZWJ = re.compile("x[eEK]*z(?=x)")  # GB11
_AFTER_CONTROL = re.compile("(?:^|[cnk])[eEKzs]")


@cache
def _letters() -> dict[int, int]:
    """The translation of code points to their category letters.

    Planes 4 to 13 and 15 to 16 (unassigned, private use) hold none of the categories.
    """
    table = {code: ord("o") for code in range(128)}
    for first, last in ((0, 0x3FFFF), (0xE0000, 0xE0FFF)):
        chars = "".join(map(chr, range(first, last + 1)))
        for letter, members in _CATEGORIES:
            for run in regex.finditer(f"[{members}]+", chars, flags=regex.V1):
                codes = range(first + run.start(), first + run.end())
                table.update(dict.fromkeys(codes, ord(letter)))
    return table


def graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29), as `regex`'s \\X counts them."""
    count = len(text) - text.count("\r\n")
    if text.isascii() or not _JOIN.search(text):
        return count
    letters = text.translate(_letters())
    count -= sum(map(letters.count, "eEKzs"))
    if "c" in letters or "n" in letters or "k" in letters or letters[0] in "eEKzs":
        count += len(_AFTER_CONTROL.findall(letters))
    for needs, rule in _RULES:
        if any(letter in letters for letter in needs):
            count -= len(rule.findall(letters))
    if "z" in letters and ("e" in letters or "E" in letters or "K" in letters):
        count -= len(_EMOJI_ZWJ.findall(letters))
    elif "z" in letters:  # each "x" twice, so that no two "xzx" overlap
        count -= letters.replace("x", "xx").count("xzx")
    return count - letters.count("rr")


def remember_last(count: Callable[[str], int], longer_than: int = 1000) -> Callable[[str], int]:
    """`count`, answering again without counting for the last long text it counted.

    The composer asks whether a text fits, then its length, then splits it: the same
    long text, counted once.
    """
    last: tuple[str, int] = ("", 0)

    def remembering(text: str) -> int:
        nonlocal last
        if len(text) <= longer_than:
            return count(text)
        known_text, known = last
        if text == known_text:
            return known
        found = count(text)
        last = (text, found)
        return found

    return remembering
