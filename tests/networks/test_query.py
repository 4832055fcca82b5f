"""Porch's search language: parsing, its errors, local matching, and the clauses a network
without OR runs one by one."""

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from porch.errors import InputError
from porch.networks.base import Incoming, Page
from porch.networks.query import (
    MAX_CLAUSES,
    And,
    Atom,
    Mention,
    Node,
    Not,
    Or,
    Parts,
    Phrase,
    Query,
    SearchSyntaxError,
    Tag,
    Term,
    anchor,
    fold,
    parse,
    spaced,
)
from porch.networks.searching import search_each

# -- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expr", "lang"),
    [
        ("sourdough", Term("sourdough"), ""),
        ("sourdough bakery", And((Term("sourdough"), Term("bakery"))), ""),
        ("sourdough AND bakery", And((Term("sourdough"), Term("bakery"))), ""),
        ("rye OR spelt", Or((Term("rye"), Term("spelt"))), ""),
        ("a b OR c", Or((And((Term("a"), Term("b"))), Term("c"))), ""),
        ("a (b OR c)", And((Term("a"), Or((Term("b"), Term("c"))))), ""),
        ("bread -vegan", And((Term("bread"), Not(Term("vegan")))), ""),
        ("bread NOT vegan", And((Term("bread"), Not(Term("vegan")))), ""),
        ("bread NOT -vegan", And((Term("bread"), Term("vegan"))), ""),
        ('"corner   bakery"', Phrase("corner bakery"), ""),
        ('-"gluten free" rye', And((Not(Phrase("gluten free")), Term("rye"))), ""),
        (
            "#Sourdough @ana@mastodon.social",
            And((Tag("Sourdough"), Mention("ana@mastodon.social"))),
            "",
        ),
        ("croissant lang:FR", Term("croissant"), "fr"),
        ("lang:en (a OR b)", Or((Term("a"), Term("b"))), "en"),
        ("gluten-free bread", And((Term("gluten-free"), Term("bread"))), ""),
        ("(a b) (c d)", And((Term("a"), Term("b"), Term("c"), Term("d"))), ""),
        ("rye or spelt", And((Term("rye"), Term("or"), Term("spelt"))), ""),  # OR in capitals
    ],
)
def test_parse(text: str, expr: Node, lang: str) -> None:
    assert parse(text) == Query(expr, lang)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write at least one word to search for"),
        ("   lang:en", "Write at least one word to search for"),
        ('"corner bakery', 'A quote is not closed: add the closing "'),
        ('""', '"" is empty: put words between the quotes'),
        ("bread NOT", "NOT needs a word after it"),
        ("bread OR", "OR needs a word after it"),
        ("OR bread", "OR needs a word after it"),
        ("bread AND", "AND needs a word after it"),
        ("(rye OR spelt", "A ( is not closed: add the closing )"),
        ("rye)", "A ) has no ( before it"),
        ("()", "() is empty: put words between the parentheses"),
        ("-vegan", "“-vegan” only excludes: each alternative needs a word that must appear"),
        ("rye OR -vegan", "“-vegan” only excludes: each alternative needs a word that must appear"),
        ("from:ana bread", "from: is not understood here (only lang: is)"),
        ("bread lang:english", "lang:english is not a language code: write lang:en, lang:fr…"),
        ("bread lang:en lang:fr", "A search can ask for one language only"),
        ("bread -lang:en", "lang: cannot be excluded"),
        ("#", "# is not a hashtag: # then letters or digits"),
        ("bread @", "@ is not a handle: @ then the account's name"),
        ("& bread", "& has no letters or digits to search for"),
        ("x" * 513, "A search is at most 512 characters"),
    ],
)
def test_bad_searches_say_what_to_fix_in_one_line(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as raised:
        parse(text)
    assert raised.value.message == message and "\n" not in message
    assert isinstance(raised.value, InputError)


def test_too_many_alternatives_is_refused() -> None:
    parse("(a OR b OR c OR d) (e OR f)")  # 8 clauses
    with pytest.raises(SearchSyntaxError, match=f"more than {MAX_CLAUSES} alternatives"):
        parse("(a OR b OR c) (d OR e OR f)")


def test_to_text_is_canonical() -> None:
    assert parse("a  AND b OR c lang:EN").to_text() == "(a b) OR c lang:en"
    assert parse('NOT ("x  y" OR z) w').to_text() == '-("x y" OR z) w'


# -- matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("sourdough", "Best SOURDOUGH in town!", True),
        ("bread", "breadcrumbs and rolls", False),  # whole words only
        ("bread", "bread, rolls", True),
        ("cafe", "Le Café du coin", True),  # accents folded
        ("café", "the cafe", True),
        ('"corner bakery"', "the Corner\n Bakery on Mill St", True),
        ('"corner bakery"', "the bakery on the corner", False),
        ("corner bakery", "the bakery on the corner", True),
        ("rye OR spelt", "spelt loaf", True),
        ("bread -vegan", "vegan bread", False),
        ("#sourdough", "love #Sourdough today", True),
        ("#sourdough", "love sourdough today", False),
        ("#sour", "love #sourdough", False),
        ("sourdough", "love #sourdough", True),  # a word is a word, tagged or not
        ("@ana", "thanks @ana.", True),
        ("@ana", "thanks @anab", False),
        ("@ana@mastodon.social", "thanks @ana", True),  # Mastodon shows the short form
        ("@ana.bsky.social", "thanks @ana", False),
        ("gluten-free", "Gluten-free options?", True),
        ("gluten", "gluten-free options?", True),
        ("100%", "100% rye", True),
    ],
)
def test_matches(query: str, text: str, found: bool) -> None:
    assert parse(query).matches(text) is found


def test_language_is_checked_only_where_the_post_says_it() -> None:
    query = parse("pain lang:fr")
    assert query.matches("du pain", "fr") and query.matches("du pain", "fr-CA")
    assert query.matches("du pain", None) and query.matches("du pain", "")
    assert not query.matches("pain au chocolat", "en")
    assert parse("pain").matches("du pain", "en")


def test_clauses_spread_the_ors() -> None:
    clauses = parse('sourdough (help OR "where can") -vegan lang:en').clauses()
    assert [c.to_text() for c in clauses] == [
        "sourdough help -vegan lang:en",
        'sourdough "where can" -vegan lang:en',
    ]
    assert [c.to_text() for c in parse("bread -(rye spelt)").clauses()] == [
        "bread -rye",
        "bread -spelt",
    ]


def test_parts_keep_a_plain_cursor_for_one_request_and_one_each_for_several() -> None:
    assert Parts.load("42", ["a"]).dump() == "42"
    both = Parts({"a": "1", "b": "2"})
    assert Parts.load(both.dump(), ["a", "b"]) == both
    assert Parts.load(both.dump(), ["a", "c"]).cursors == {"a": "1", "c": ""}  # an edit
    assert Parts.load("42", ["a", "b"]).cursors == {"a": "", "b": ""}
    assert Parts.load(both.dump(), ["a"]).cursors == {"a": ""}


# -- properties ----------------------------------------------------------------------

VOCABULARY = ["rye", "spelt", "bread", "oven", "Café", "x1"]
words = st.sampled_from(VOCABULARY)
atoms = st.one_of(
    words.map(Term),
    st.lists(words, min_size=1, max_size=3).map(lambda w: Phrase(" ".join(w))),
    words.map(Tag),
    st.sampled_from(["ana", "ana@mastodon.social", "bo.bsky.social"]).map(Mention),
)


def _group(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat += item.items if isinstance(item, And | Or) and type(item) is kind else [item]
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(lambda n: n.item if isinstance(n, Not) else Not(n)),
        st.lists(children, min_size=2, max_size=3).map(lambda i: _group(And, i)),
        st.lists(children, min_size=2, max_size=3).map(lambda i: _group(Or, i)),
    )


nodes: st.SearchStrategy[Node] = st.recursive(atoms, _extend, max_leaves=6)
queries = st.builds(Query, nodes, st.sampled_from(["", "en", "fr"]))
texts = st.lists(
    st.sampled_from([*VOCABULARY, "#rye", "#bread", "@ana", "@bo.bsky.social", "cafe", "."]),
    max_size=8,
).map(" ".join)


def _valid(query: Query) -> bool:
    try:
        return parse(query.to_text()) is not None
    except SearchSyntaxError:
        return False


@given(queries)
def test_to_text_then_parse_gives_the_same_query(query: Query) -> None:
    assume(_valid(query))
    assert parse(query.to_text()) == query


def _oracle(node: Node, text: str) -> bool:
    match node:
        case Not(item):
            return not _oracle(item, text)
        case And(items):
            return all(_oracle(item, text) for item in items)
        case Or(items):
            return any(_oracle(item, text) for item in items)
        case _:
            return Query(node).matches(text)


@given(nodes, texts)
def test_matches_follows_and_or_not(node: Node, text: str) -> None:
    assert Query(node).matches(text) is _oracle(node, text)


@given(queries, texts, st.sampled_from([None, "en", "fr"]))
def test_the_clauses_together_match_what_the_query_matches(
    query: Query, text: str, lang: str | None
) -> None:
    assume(_valid(query))
    assert query.matches(text, lang) is any(c.matches(text, lang) for c in query.clauses())


def test_a_post_only_the_second_clauses_request_brings_is_kept_once() -> None:
    """A network that cannot say OR runs each clause; its search for the first clause may
    miss a post that matches it (a tag timeline finds posts full-text search does not)."""
    both = Incoming(
        "1", "mention", "maya", "", "fresh bread #sourdough", datetime(2026, 1, 1, tzinfo=UTC)
    )
    other = Incoming("2", "mention", "dan", "", "bread only", datetime(2026, 1, 2, tzinfo=UTC))
    asked: list[str] = []

    def fetch(part: Query, cursor: str) -> Page:
        asked.append(part.to_text())
        return Page([other] if part.to_text() == "bread" else [both], f"{part.to_text()}-1")

    page = search_each(parse("bread OR #sourdough"), "", fetch, split=True)
    assert asked == ["bread", "#sourdough"]
    assert [item.external_id for item in page.items] == ["1", "2"]
    again = search_each(parse("bread OR #sourdough"), page.cursor, fetch, split=True)
    assert sorted(item.external_id for item in again.items) == ["1", "2"]


# -- matching many queries at once (porch/listening/firehose.py) -----------------------


@given(queries, texts, st.sampled_from([None, "en", "fr"]))
def test_a_text_folded_once_matches_as_the_text_does(
    query: Query, text: str, lang: str | None
) -> None:
    assert query.matches_folded(fold(text), lang) is query.matches(text, lang)


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@given(st.text())
def test_fold_is_case_and_accents_away(text: str) -> None:
    assert fold(text) == _slow_fold(text)


@given(atoms, texts.map(lambda t: t.replace(" ", "\n  ", 1)))
def test_a_match_of_an_atom_holds_its_anchor_between_non_word_characters(
    atom: Atom, text: str
) -> None:
    if not Query(atom).matches(text):
        return
    key, padded = anchor(atom), f" {spaced(fold(text))} "
    assert key
    neighbours = [
        (padded[i - 1], padded[i + len(key)])
        for i in range(1, len(padded))
        if padded.startswith(key, i)
    ]
    assert any(not (a.isalnum() or b.isalnum() or "_" in a + b) for a, b in neighbours)
