"""Listening's topics and questions on real public posts: the airline tweets in
../shared/data/twitter_airline_sentiment (`porch listening eval`), and how long each takes on
10,000 hits (`make bench`: topics_10k_hits_s, questions_10k_hits_s).

The hits are unsaved `Hit`s built from the CSV; no database is touched.

The stream and the sink (porch/bench/listening_store.py, each in a child process with a
database of its own): listening_ingest_hits_per_s, listening_page_p95_1m_hits (SQLite) and
listening_page_p95_1m_hits_postgres.
"""

import csv
import html
import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from porch.bench.listening_store import stream_and_ingest
from porch.bench.run import Figure, skipped
from porch.listening import analytics
from porch.listening.models import Hit
from porch.triage.base import Sentiment

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "twitter_airline_sentiment"
HITS = 10_000
_DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$")
# Columns of Tweets.csv: sentiment is 1, the author's name 7, the text from 10 on.
_SENTIMENT, _NAME, _TEXT = 1, 7, 10


def find_csv(data: Path) -> Path:
    """The tweets file: `data` itself, or the one CSV in that folder."""
    if data.is_file():
        return data
    found = sorted(data.glob("*.csv")) if data.is_dir() else []
    if not found:
        raise FileNotFoundError(f"no CSV of tweets in {data}")
    return found[0]


def _hit(fields: list[str]) -> Hit | None:
    # Some rows were split at the ";" of an HTML entity (&lt;3): the text runs up to the
    # field before the date, which is the first field that looks like one.
    date = next((i for i in range(_TEXT + 1, len(fields)) if _DATE.match(fields[i])), None)
    if date is None:
        return None
    text = html.unescape(";".join(fields[_TEXT : date - 1]))
    sentiment = fields[_SENTIMENT] if fields[_SENTIMENT] in Sentiment.values else "neutral"
    return Hit(
        network="x",
        text=text,
        author_handle=fields[_NAME],
        sentiment=sentiment,
        sent_at=datetime.strptime(fields[date], "%Y-%m-%d %H:%M:%S %z"),
        is_question=False,
    )


def load_tweets(data: Path = DATA) -> list[Hit]:
    """The airline tweets as hits, in the file's order."""
    with find_csv(data).open(newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        next(rows, None)
        return [hit for hit in map(_hit, rows) if hit is not None]


def sample(hits: list[Hit], count: int = HITS, seed: int = 7) -> list[Hit]:
    """`count` hits: the real ones, then copies with a word swapped once they run out."""
    pick = random.Random(seed)
    out = list(hits[:count])
    while len(out) < count:
        hit = pick.choice(hits)
        words = hit.text.split()
        words.insert(pick.randrange(len(words) + 1), pick.choice(words))
        out.append(Hit(text=" ".join(words), author_handle=hit.author_handle, sent_at=hit.sent_at))
    return out


def generated(count: int = HITS, seed: int = 7) -> list[Hit]:
    """Made-up hits on a few themes, where the airline tweets are not there."""
    pick = random.Random(seed)
    themes = [
        "my order arrived late again, delivery took days",
        "do you have gluten free bread or cakes?",
        "what are your opening hours on sunday?",
        "the sourdough was amazing, best bakery in town",
        "coffee was cold and the service slow",
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Hit(
            text=pick.choice(themes)
            + " "
            + " ".join(pick.sample(themes[pick.randrange(5)].split(), 3)),
            author_handle=f"person{pick.randrange(count // 3)}",
            sent_at=start + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def evaluate(data: Path = DATA, shown: int = 10) -> Iterator[str]:
    """The lines `porch listening eval` prints: the top topics and recurring questions."""
    hits = load_tweets(data)
    began = time.perf_counter()
    found = analytics.topics(hits)
    took = time.perf_counter() - began
    yield f"{len(hits)} posts from {find_csv(data).name}: {len(found)} topics in {took:.1f} s"
    for number, topic in enumerate(found[:shown], 1):
        yield f"\n{number}. {topic.name}  ({topic.count} posts)"
        yield from (f"   - {_line(hit.text)}" for hit in topic.examples)
    began = time.perf_counter()
    asked = analytics.questions(hits)
    took = time.perf_counter() - began
    yield f"\n{len(asked)} recurring questions in {took:.1f} s"
    for number, question in enumerate(asked[:shown], 1):
        yield (
            f"\n{number}. {question.phrasing}  (asked {question.asked} times "
            f"by {question.askers} people)"
        )
        yield from (f"   - {_line(hit.text)}" for hit in question.examples[:2])


def _line(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timed(name: str, work: Callable[[list[Hit]], object], hits: list[Hit]) -> Figure:
    began = time.perf_counter()
    work(hits)
    return Figure(name, time.perf_counter() - began, "s")


def run() -> Iterator[Figure]:
    try:
        hits = sample(load_tweets())
    except FileNotFoundError:
        hits = generated()
        yield skipped("listening_real_posts", f"no airline tweets in {DATA}: timing made-up hits")
    yield _timed("topics_10k_hits_s", analytics.topics, hits)
    yield _timed("questions_10k_hits_s", analytics.questions, hits)
    yield from stream_and_ingest()
