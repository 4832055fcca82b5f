"""How fast the firehose's matcher (porch/listening/firehose.py) finds, among every
workspace's searches, those a post matches: fold, automaton, the candidates' queries.

    stream_posts(count)            StreamPosts with the airline tweets' texts (from
                                   ../shared/data/twitter_airline_sentiment, cycled with a word
                                   swapped), or made-up ones where the file is not there
    stream_searches(texts, count)  `count` searches of `workspaces` workspaces written from the
                                   texts' own words: words, ANDs, ORs, exclusions, phrases,
                                   hashtags, mentions, a language
    match_rate(posts, searches)    posts matched a second (one core, no database)

`run()` gives stream_match_posts_per_s: 1,000 searches of 100 workspaces over 10,000 posts.
"""

import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from porch.bench.listening import generated, load_tweets, sample
from porch.bench.run import Figure
from porch.listening.firehose import Matcher, Watched
from porch.networks.base import Incoming, StreamPost
from porch.networks.query import SearchSyntaxError, fold, parse

POSTS = 10_000
SEARCHES = 1_000
WORKSPACES = 100
COMMON = 200  # the most frequent words ("the", "flight"…) are nobody's search
WORDS = 6_000


def stream_posts(count: int = POSTS) -> list[StreamPost]:
    try:
        hits = sample(load_tweets(), count)
    except FileNotFoundError:
        hits = generated(count)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        StreamPost(Incoming(f"at://post/{n}", "mention", "", "", hit.text, at, lang="en"))
        for n, hit in enumerate(hits)
    ]


def _vocabulary(texts: Sequence[str]) -> list[str]:
    found = (word for text in texts for word in fold(text).split())
    counts = Counter(word for word in found if word.isalpha() and len(word) >= 4)
    return [word for word, _ in counts.most_common(WORDS)[COMMON:]]


def _query(pick: random.Random, words: list[str], tags: list[str], bigrams: list[str]) -> str:
    a, b, c = pick.sample(words, 3)
    return pick.choice(
        [
            a,
            f"{a} {b}",
            f"{a} OR {b}",
            f"{a} -{b}",
            f"({a} OR {b}) {c}",
            f'"{pick.choice(bigrams)}"',
            f"#{pick.choice(tags)}" if tags else a,
            f"@{pick.choice(tags)}" if tags else b,
            f"{a} lang:en",
            f"{a} OR {b} OR {c} -help",
        ]
    )


def stream_searches(
    texts: Sequence[str], count: int = SEARCHES, workspaces: int = WORKSPACES, seed: int = 7
) -> list[Watched]:
    pick, words = random.Random(seed), _vocabulary(texts)
    tags = sorted(
        {w[1:] for t in texts for w in fold(t).split() if w[:1] in "#@" and w[1:].isalnum()}
    )
    bigrams = [" ".join(t.split()[i : i + 2]) for t in texts[:2_000] for i in (1, 3)]
    bigrams = [b for b in bigrams if all(w.isalpha() for w in b.split()) and " " in b]
    found: list[Watched] = []
    while len(found) < count:
        try:
            query = parse(_query(pick, words, tags, bigrams or words))
        except SearchSyntaxError:
            continue
        found.append(Watched(len(found) + 1, len(found) % workspaces + 1, query))
    return found


def match_rate(posts: Sequence[StreamPost], searches: Sequence[Watched]) -> float:
    """Posts a second the matcher of `searches` goes through (its build not counted)."""
    matcher = Matcher(searches)
    began = time.perf_counter()
    for post in posts:
        matcher.match(post)
    return len(posts) / (time.perf_counter() - began)


def run() -> Iterator[Figure]:
    posts = stream_posts()
    searches = stream_searches([post.item.text for post in posts])
    yield Figure("stream_match_posts_per_s", match_rate(posts, searches), "posts/s")
