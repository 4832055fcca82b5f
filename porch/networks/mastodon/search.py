"""How a Porch query becomes Mastodon requests, and the cursor of a full-text search.

Mastodon has no OR, so each clause of the query is one request (searching.search_each):
- a clause whose wanted atoms are all hashtags reads the first one's timeline
  (/api/v1/timelines/tag/:tag, min_id paging: the posts just after the cursor); the rest
  of the clause is checked here;
- any other goes to /api/v2/search (type=statuses) as `a -b "p q" language:xx`. Mastodon
  answers the *newest* matches after min_id, so a busy search pages down with max_id
  until it reaches the cursor (TextCursor); an instance that ignores min_id and max_id
  (mastodon-mock) gives the same newest matches each time, and ids at or below the cursor
  are dropped here, so nothing comes twice. Only public statuses are kept.
"""

import json
from dataclasses import asdict, dataclass

from porch.networks.query import Query, Tag, node_text

SEARCH_PAGES = 5  # full-text pages per request per poll; the cursor resumes below them


def hashtag(clause: Query) -> str:
    """The tag whose timeline serves this clause ("" = full-text search)."""
    wanted = clause.atoms()
    if wanted and all(isinstance(atom, Tag) for atom in wanted):
        first = wanted[0]
        assert isinstance(first, Tag)
        return first.name
    return ""


def search_text(clause: Query) -> str:
    """The clause in Mastodon's search syntax (its language as `language:`)."""
    text = node_text(clause.expr)
    return f"{text} language:{clause.lang}" if clause.lang else text


def newer(a: str, b: str) -> bool:
    """Whether Mastodon id `a` is after `b` (ids are numbers as strings)."""
    return (len(a), a) > (len(b), b)


@dataclass(frozen=True)
class TextCursor:
    """`after`: everything up to this id was returned. While a busy search pages down,
    `below` is the lowest id returned so far and `top` the highest: the next poll goes on
    below `below`, and once it reaches `after`, `top` becomes the new `after`."""

    after: str = ""
    below: str = ""
    top: str = ""

    @classmethod
    def load(cls, cursor: str) -> "TextCursor":
        if not cursor.startswith("{"):
            return cls(cursor)  # a plain id, as hashtag timelines (and older cursors) use
        data = json.loads(cursor)
        return cls(str(data["after"]), str(data["below"]), str(data["top"]))

    def dump(self) -> str:
        if not self.below:
            return self.after
        return json.dumps(asdict(self), separators=(",", ":"))
