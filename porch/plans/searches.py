"""The plan's listening searches: queries a person would write, from the workshop's answers.

Written in the listening query syntax (porch/networks/query.py): a space is AND, `OR`
between items, `"a phrase"`, `#tag`, `-term`, `lang:xx`. There are no brackets, so a query
is either an all-AND term set (`croissants Leeds`) or an OR list of names
(`"Corner Bakery" OR cornerbakery OR #cornerbakery`), never both.

- brand: the business's name as a phrase, its joined form (handle-like) and hashtag, its
  website's host; a one-word name gets the place, as it may be an everyday word;
- competitor: only those the owner named, each its own search (for share of voice);
- product: each product as its keywords, with the place word (`sourdough loaf Leeds`);
- question: what people ask (`where sourdough bread Leeds`, `best sourdough bread Leeds`);
- niche: a phrase of one to three words from each of the owner's problems (`bread stale`);
- hashtag: each product's hashtag with the town's (`#sourdoughloaf #leeds`).

The kinds are those of porch.listening.models.SearchKind.

A search lists the networks it runs on: those of the plan whose descriptor can search.
At most MAX_SEARCHES, without duplicates.
"""

import re
from urllib.parse import urlsplit

from porch.networks import registry
from porch.plans.questions import Answers

Search = dict[str, str | list[str]]

MAX_SEARCHES = 15
MAX_PHRASE_WORDS = 4  # a name longer than this is not searched as a phrase
MAX_KEY_WORDS = 3  # a niche phrase or a product's keywords
MAX_TAG_LENGTH = 30
_WORD = re.compile(r"\w+(?:['\u2019.-]\w+)*")
_OPERATORS = {"or", "and", "not"}
# Words that carry no meaning in a search: articles, pronouns, linking verbs, prepositions,
# and vague nouns ("bread that goes stale in two days" -> bread, stale).
_STOP_TEXT = """
    a an the this that these those it its it's their there they them we our us you your i
    my me he she his her who whom whose which what when where why how
    is are was were be been being am do does did doing done have has had having get gets
    got getting go goes going went make makes made keep keeps kept can could will would
    should shall may might must need needs let lets
    and or but nor so yet if then than too very really just only also even still not no
    of in on at to for from by with without about into onto over under after before
    between through during up down out off near around per via like as
    all any some many much more most few lot lots every each other another such same
    one two three four five six seven eight nine ten first second
    way ways time times thing things day days week weeks month months year years people
    someone something anyone anything everyone everything stuff kind kinds sort
    nobody nothing none never always somebody anybody everybody
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


def searches(answers: Answers) -> list[Search]:
    """The plan's searches (answers already cleaned); none where no network can search."""
    networks = searchable_networks(answers.get("networks") or [])
    if not networks:
        return []
    place = place_word(answers.get("where", ""))
    found: list[tuple[str, str]] = []
    found += _brand(answers, place)
    found += [(_name_query(c), "competitor") for c in answers.get("competitors", [])[:3]]
    products = [_product_terms(p, place) for p in answers.get("products", [])[:3]]
    found += [(" ".join([*terms, place]).strip(), "product") for terms in products if terms]
    found += _questions(answers.get("sells", ""), place)
    found += [(_keyphrase_query(problem), "niche") for problem in answers.get("problems", [])]
    if place:
        town = _tag(words(place))
        tags = [_tag(terms) for terms in products if terms]
        found += [(f"{tag} {town}", "hashtag") for tag in tags if tag and town]
    seen: set[str] = set()
    result: list[Search] = []
    for query, kind in found:
        key = " ".join(query.casefold().split())
        if query and key not in seen and len(result) < MAX_SEARCHES:
            seen.add(key)
            result.append({"query": query, "kind": kind, "networks": list(networks)})
    return result


def searchable_networks(chosen: list[str]) -> list[str]:
    """The chosen networks whose descriptor says they can search, in the registry's order;
    none chosen means every installed network that can search."""
    can = [n.name for n in registry.descriptors() if n.can.search]
    return [name for name in can if name in chosen] if chosen else can


def words(text: str) -> list[str]:
    """The words of `text`, with nothing the query syntax would read as an operator."""
    return [w for w in _WORD.findall(text.replace("_", " ")) if w.casefold() not in _OPERATORS]


def place_word(where: str) -> str:
    """The town in "where" ("12 High St, Hyde Park, Leeds LS6 1AA" -> Leeds), as a term or a
    phrase; "" when none is given."""
    for part in reversed(where.split(",")):
        kept = [w for w in words(part) if not any(ch.isdigit() for ch in w)]
        if kept:
            return _phrase(kept[-2:] if len(kept) > MAX_KEY_WORDS else kept)
    return ""


def keywords(text: str, limit: int = MAX_KEY_WORDS) -> list[list[str]]:
    """The meaningful runs of words in `text`, at most `limit` words in all:
    "birthday cakes at short notice" -> [[birthday, cakes]]."""
    runs: list[list[str]] = [[]]
    for word in words(text):
        if word.casefold() in STOPWORDS or word.isdigit():
            runs.append([])
        else:
            runs[-1].append(word)
    kept: list[list[str]] = []
    for run in (r for r in runs if r):
        room = limit - sum(map(len, kept))
        if len(run) > room:
            if not kept:
                kept.append(run[:limit])
            break
        kept.append(run)
    return kept


def _phrase(parts: list[str]) -> str:
    return f'"{" ".join(parts)}"' if len(parts) > 1 else "".join(parts)


def _tag(parts: list[str]) -> str:
    joined = "".join(w for w in "".join(parts) if w.isalnum())
    return f"#{joined.casefold()}" if 1 < len(joined) <= MAX_TAG_LENGTH else ""


def _any_of(items: list[str]) -> str:
    unique: dict[str, str] = {}
    for item in items:
        if item:
            unique.setdefault(item.casefold(), item)
    return " OR ".join(unique.values())


def _name_query(name: str) -> str:
    """A name the owner gave: itself as a phrase, or its joined form when it is too long."""
    parts = _name_words(name)
    if len(parts) <= MAX_PHRASE_WORDS:
        return _phrase(parts)
    return _tag(parts)[1:]


def _name_words(name: str) -> list[str]:
    """A name's words, less a leading article when it is long ("The Quiet Room Yoga Studio")."""
    parts = words(name)
    if len(parts) > MAX_PHRASE_WORDS and parts[0].casefold() in ("the", "a", "an"):
        return parts[1:]
    return parts


def _brand(answers: Answers, place: str) -> list[tuple[str, str]]:
    tag = _tag(words(answers.get("name", "")))
    parts = _name_words(answers.get("name", ""))
    host = _host(answers.get("website", ""))
    if len(parts) == 1 and place:  # "Spokes" alone may be anyone's word
        return [(f"{parts[0]} {place}", "brand"), (host, "brand")]
    names = [_phrase(parts) if len(parts) <= MAX_PHRASE_WORDS else "", tag[1:], tag, host]
    return [(_any_of(names), "brand")]


def _host(website: str) -> str:
    if not website:
        return ""
    host = urlsplit(website if "://" in website else f"https://{website}").hostname or ""
    return ".".join(words(host.removeprefix("www."))) if "." in host else ""


def _product_terms(product: str, place: str) -> list[str]:
    """A product's keywords; none for one everyday word with no place to narrow it."""
    terms = [word for run in keywords(product) for word in run]
    return terms if len(terms) > 1 or place else []


def _questions(sells: str, place: str) -> list[tuple[str, str]]:
    """What people ask when they look for what the business sells."""
    first = keywords(re.split(r",|&|\band\b|\bor\b", sells)[0], limit=2)
    terms = [w for run in first for w in run]
    if not terms:
        return []
    if not place:
        return [(f"recommend {' '.join(terms)}", "question")]
    return [
        (" ".join(["where", *terms, place]), "question"),
        (" ".join(["best", *terms, place]), "question"),
    ]


def _keyphrase_query(text: str) -> str:
    return " ".join(_phrase(run) for run in keywords(text))
