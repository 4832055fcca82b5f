"""Porch's search language, parsed once and compiled by each network (X-like: familiar).

    sourdough bakery          both words (a space, or the word AND, means AND)
    croissant OR brioche      either (OR in capitals; AND binds tighter than OR)
    -vegan  NOT vegan         without the word (NOT in capitals)
    "corner bakery"           the exact words, in that order
    ( )                       grouping: sourdough (help OR recommend)
    #sourdough  @porchbakery  a hashtag, a mention
    lang:fr                   only posts in that language (the whole search; optional)

`parse(text)` gives an immutable `Query` (or raises SearchSyntaxError, one line saying
what to fix); `query.to_text()` writes it back in canonical form, and parsing that gives
the same Query. `query.matches(text, lang)` is the local check every hit passes, whatever
the network's own search did: case and accents folded, words matched whole, phrases exact
(`matches_folded(fold(text), lang)` the same for a text folded once for many queries; each
atom's pattern is compiled once). `anchor(atom)` is what every match of an atom contains, a
key for a matcher of many queries at once (porch/listening/firehose.py).
`query.clauses()` splits it into ANDs of (possibly negated) atoms, one request each on a
network that cannot say OR; `Parts` keeps one cursor per request inside the one cursor
the poller stores.

This module is in the network layer: it imports nothing from Porch's features.
"""

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import product

from porch.errors import InputError

MAX_LENGTH = 512  # X's query limit on self-serve plans
MAX_CLAUSES = 8  # requests one search may need on a network without OR
OPERATORS = ("AND", "OR", "NOT")


class SearchSyntaxError(InputError):
    """A search as written cannot be understood: the message says what to change."""


@dataclass(frozen=True)
class Term:
    text: str


@dataclass(frozen=True)
class Phrase:
    text: str  # words separated by single spaces


@dataclass(frozen=True)
class Tag:
    name: str  # without the #


@dataclass(frozen=True)
class Mention:
    handle: str  # without the @


Atom = Term | Phrase | Tag | Mention


@dataclass(frozen=True)
class Not:
    item: "Node"


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


Node = Atom | Not | And | Or


@dataclass(frozen=True)
class Literal:
    """One atom of a clause, wanted or excluded."""

    atom: Atom
    negated: bool = False


# -- writing back --------------------------------------------------------------------


def atom_text(atom: Atom) -> str:
    match atom:
        case Term(text):
            return text
        case Phrase(text):
            return f'"{text}"'
        case Tag(name):
            return f"#{name}"
        case Mention(handle):
            return f"@{handle}"


def node_text(node: Node) -> str:
    match node:
        case Not(item):
            inner = node_text(item)
            return f"-{inner}" if isinstance(item, Atom) else f"-({inner})"
        case And(items):
            return " ".join(
                f"({node_text(i)})" if isinstance(i, Or) else node_text(i) for i in items
            )
        case Or(items):
            return " OR ".join(
                f"({node_text(i)})" if isinstance(i, And) else node_text(i) for i in items
            )
        case _:
            return atom_text(node)


# -- matching ------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Café" and "cafe" compare equal."""
    if text.isascii():  # the same, sooner: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> str:
    return r"\s+".join(re.escape(word) for word in fold(text).split())


def spaced(folded: str) -> str:
    """Folded text with each run of white space one space: where `anchor`s are looked for."""
    return " ".join(folded.split())


def anchor(atom: Atom) -> str:
    """What every match of the atom contains, in `spaced` folded text, between two
    characters that are not word characters (or an end): a matcher's key for it ("" where
    there is none: such an atom anchors nothing)."""
    match atom:
        case Term(text) | Phrase(text):
            key = fold(text)
        case Tag(name):
            key = "#" + fold(name)
        case Mention(handle):
            key = "@" + fold(handle).split("@")[0]  # the short form is in every match
    key = spaced(key)
    return key if any(c.isalnum() or c == "_" for c in key) else ""


@lru_cache(maxsize=8192)
def atom_pattern(atom: Atom) -> re.Pattern[str]:
    """The atom as a regular expression over folded text, matching whole words."""
    match atom:
        case Term(text) | Phrase(text):
            body = _words(text)
        case Tag(name):
            body = "#" + re.escape(fold(name))
        case Mention(handle):
            # "@ana@example.social" is shown as "@ana" in most posts
            names = {fold(handle), fold(handle).split("@")[0]}
            body = (
                "@(?:"
                + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
                + ")"
            )
    if isinstance(atom, Mention):  # "@ana" is not "@ana.bsky.social"
        return re.compile(rf"(?<![\w#@]){body}(?![\w@]|[.-]\w)")
    before = r"(?<!\w)" if isinstance(atom, Term | Phrase) else r"(?<![\w#@])"
    return re.compile(rf"{before}{body}(?!\w)")


Test = Callable[[str], bool]


def _atom_test(atom: Atom) -> Test:
    search = atom_pattern(atom).search
    words = anchor(atom).split()
    needle = max(words, key=len) if words else ""  # a cheap look before the pattern's

    def holds(text: str) -> bool:
        return needle in text and search(text) is not None

    return holds


def _compiled(node: Node) -> Test:
    """The node as one function of folded text (each atom's pattern compiled once)."""
    match node:
        case Not(item):
            inner = _compiled(item)
            return lambda text: not inner(text)
        case And(items):
            return _every(tuple(_compiled(item) for item in items))
        case Or(items):
            return _some(tuple(_compiled(item) for item in items))
        case _:
            return _atom_test(node)


def _every(tests: tuple[Test, ...]) -> Test:
    def holds(text: str) -> bool:
        return all(test(text) for test in tests)

    return holds


def _some(tests: tuple[Test, ...]) -> Test:
    def holds(text: str) -> bool:
        return any(test(text) for test in tests)

    return holds


# -- the query -----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    expr: Node
    lang: str = ""  # ISO 639 code, lower case; "" = any language

    def to_text(self) -> str:
        text = node_text(self.expr)
        return f"{text} lang:{self.lang}" if self.lang else text

    def __str__(self) -> str:
        return self.to_text()

    def matches(self, text: str, lang: str | None = None) -> bool:
        """Whether a post says this. A post whose language is unknown (None or "") passes
        the language; one in another language does not."""
        return self.matches_folded(fold(text), lang)

    def matches_folded(self, folded: str, lang: str | None = None) -> bool:
        """`matches` for a text already through `fold` (a matcher folds each post once)."""
        if self.lang and lang and lang.split("-")[0].lower() != self.lang:
            return False
        return self._test(folded)

    @cached_property
    def _test(self) -> Test:
        return _compiled(self.expr)

    @cached_property
    def literals(self) -> tuple[tuple[Literal, ...], ...]:
        """The query as an OR of ANDs of literals (at most MAX_CLAUSES of them)."""
        return _dnf(self.expr)

    def clauses(self) -> list["Query"]:
        """One Query per AND clause (same language): ORed together they are this one."""
        return [Query(_clause_node(clause), self.lang) for clause in self.literals]

    def atoms(self, *, negated: bool = False) -> list[Atom]:
        """The atoms of a query with one clause, wanted (or excluded)."""
        (clause,) = self.literals
        return [literal.atom for literal in clause if literal.negated == negated]


def _clause_node(clause: tuple[Literal, ...]) -> Node:
    nodes: list[Node] = [Not(lit.atom) if lit.negated else lit.atom for lit in clause]
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _dnf(node: Node, negated: bool = False) -> tuple[tuple[Literal, ...], ...]:
    match node:
        case Not(item):
            return _dnf(item, not negated)
        case And(items) | Or(items):
            parts = [_dnf(item, negated) for item in items]
            if isinstance(node, Or) != negated:  # an OR, or a negated AND
                return _capped(tuple(clause for part in parts for clause in part))
            if _product_size(parts) > MAX_CLAUSES:
                _too_many()
            combined = (
                tuple(lit for clause in combo for lit in clause) for combo in product(*parts)
            )
            return _capped(tuple(_unique(clause) for clause in combined))
        case _:
            return ((Literal(node, negated),),)


def _product_size(parts: list[tuple[tuple[Literal, ...], ...]]) -> int:
    size = 1
    for part in parts:
        size *= len(part)
    return size


def _unique(clause: tuple[Literal, ...]) -> tuple[Literal, ...]:
    return tuple(dict.fromkeys(clause))


def _capped(clauses: tuple[tuple[Literal, ...], ...]) -> tuple[tuple[Literal, ...], ...]:
    if len(clauses) > MAX_CLAUSES:
        _too_many()
    return clauses


def _too_many() -> None:
    raise SearchSyntaxError(
        f"This search has more than {MAX_CLAUSES} alternatives once its ORs are spread out: "
        "split it into two searches"
    )


# -- parsing -------------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quote>"[^"]*"?)|(?P<minus>-(?=[^\s)]))|(?P<word>[^\s()"]+))'
)
_TAG = re.compile(r"\w+")
_HANDLE = re.compile(r"[\w.-]*\w(?:@[\w-]+(?:\.[\w-]+)*)?")
_FIELD = re.compile(r"([A-Za-z_]+):(.*)")
_LANG = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "OR", "AND", "NOT", "atom"
    atom: Atom | None = None


def parse(text: str) -> Query:
    """The Query a search as written means; SearchSyntaxError says what to fix."""
    if len(text) > MAX_LENGTH:
        raise SearchSyntaxError(f"A search is at most {MAX_LENGTH} characters")
    tokens, lang = _tokens(text)
    if not tokens:
        raise SearchSyntaxError("Write at least one word to search for")
    parser = _Parser(tokens)
    expr = parser.or_expr()
    if parser.position < len(tokens):
        raise SearchSyntaxError("A ) has no ( before it")
    query = Query(expr, lang)
    check(query)
    return query


def check(query: Query) -> None:
    """Raise SearchSyntaxError unless every alternative has a word that must appear."""
    for clause in query.literals:
        if all(literal.negated for literal in clause):
            shown = node_text(_clause_node(clause))
            raise SearchSyntaxError(
                f"“{shown}” only excludes: each alternative needs a word that must appear"
            )


def _tokens(text: str) -> tuple[list[_Token], str]:
    tokens: list[_Token] = []
    lang = ""
    for found in _TOKEN.finditer(text.rstrip()):
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "quote":
            tokens.append(_Token("atom", _phrase(value)))
        elif (
            kind == "word"
            and (field := _FIELD.fullmatch(value))
            and not value.startswith(("#", "@"))
        ):
            if tokens and tokens[-1].kind == "NOT":
                raise SearchSyntaxError(f"{field.group(1)}: cannot be excluded")
            lang = _lang(field.group(1), field.group(2), lang)
        elif kind == "word":
            tokens.append(_word(value))
        else:
            tokens.append(_Token({"open": "(", "close": ")", "minus": "NOT"}[kind]))
    return tokens, lang


def _phrase(value: str) -> Phrase:
    if len(value) < 2 or not value.endswith('"'):
        raise SearchSyntaxError('A quote is not closed: add the closing "')
    words = value[1:-1].split()
    if not words:
        raise SearchSyntaxError('"" is empty: put words between the quotes')
    return Phrase(" ".join(words))


def _lang(name: str, value: str, before: str) -> str:
    if name.lower() != "lang":
        raise SearchSyntaxError(f"{name}: is not understood here (only lang: is)")
    code = value.lower()
    if not _LANG.fullmatch(code):
        raise SearchSyntaxError(f"lang:{value} is not a language code: write lang:en, lang:fr…")
    if before and before != code:
        raise SearchSyntaxError("A search can ask for one language only")
    return code


def _word(value: str) -> _Token:
    if value in OPERATORS:
        return _Token(value)
    if value.startswith("#"):
        if not _TAG.fullmatch(value[1:]):
            raise SearchSyntaxError(f"{value} is not a hashtag: # then letters or digits")
        return _Token("atom", Tag(value[1:]))
    if value.startswith("@"):
        if not _HANDLE.fullmatch(value[1:]):
            raise SearchSyntaxError(f"{value} is not a handle: @ then the account's name")
        return _Token("atom", Mention(value[1:]))
    if not any(c.isalnum() for c in value):
        raise SearchSyntaxError(f"{value} has no letters or digits to search for")
    return _Token("atom", Term(value))


class _Parser:
    """or := and (OR and)* ; and := unary ([AND] unary)* ; unary := NOT unary | atom | ( or )"""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str:
        return self.tokens[self.position].kind if self.position < len(self.tokens) else ""

    def take(self) -> _Token:
        self.position += 1
        return self.tokens[self.position - 1]

    def or_expr(self) -> Node:
        items = [self.and_expr("OR")]
        while self.peek() == "OR":
            self.take()
            items.append(self.and_expr("OR"))
        return _join(Or, items)

    def and_expr(self, after: str) -> Node:
        items = [self.unary(after)]
        while self.peek() not in ("", ")", "OR"):
            items.append(self.unary(self.take().kind if self.peek() == "AND" else "AND"))
        return _join(And, items)

    def unary(self, after: str) -> Node:
        kind = self.peek()
        if kind == "NOT":
            self.take()
            item = self.unary("NOT")
            return item.item if isinstance(item, Not) else Not(item)
        if kind == "(":
            self.take()
            if self.peek() == ")":
                raise SearchSyntaxError("() is empty: put words between the parentheses")
            inner = self.or_expr()
            if self.peek() != ")":
                raise SearchSyntaxError("A ( is not closed: add the closing )")
            self.take()
            return inner
        if kind == "atom":
            atom = self.take().atom
            assert atom is not None
            return atom
        raise SearchSyntaxError(f"{after} needs a word after it")


def _join(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat += item.items if isinstance(item, And | Or) and type(item) is kind else [item]
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


# -- one cursor over several requests ------------------------------------------------


@dataclass(frozen=True)
class Parts:
    """The cursors of a search's requests, in the one cursor string the poller keeps:
    {"parts": {request: cursor}}. A search of one request keeps its network's own cursor
    as it is, so one written before a search was split still works."""

    cursors: dict[str, str]

    @classmethod
    def load(cls, cursor: str, requests: list[str]) -> "Parts":
        if len(requests) == 1:
            return cls({requests[0]: cursor if not _parts(cursor) else ""})
        found = _parts(cursor) or {}
        return cls({request: str(found.get(request, "")) for request in requests})

    def dump(self) -> str:
        if len(self.cursors) == 1:
            return next(iter(self.cursors.values()))
        return json.dumps({"parts": self.cursors}, separators=(",", ":"), sort_keys=True)


def _parts(cursor: str) -> dict[str, str] | None:
    try:
        data = json.loads(cursor)
    except ValueError:
        return None
    parts = data.get("parts") if isinstance(data, dict) else None
    return parts if isinstance(parts, dict) else None
