"""Triage benchmarks: throughput on one core, latency of one message, TweetEval quality."""

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from porch.bench import Figure, skipped
from porch.triage.corpus import load_corpus
from porch.triage.loading import default_model

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
POSTS = 100_000
SINGLE_CALLS = 200


def _posts(count: int) -> list[str]:
    texts = [example.text for example in load_corpus()]
    return [f"{texts[i % len(texts)]} #{i % 97}" for i in range(count)]


def run() -> Iterator[Figure]:
    model = default_model()
    posts = _posts(POSTS)
    with threadpool_limits(limits=1):
        model.classify(posts[:1000])
        start = time.perf_counter()
        model.classify(posts)
        elapsed = time.perf_counter() - start
        yield Figure("triage_throughput_1core", POSTS / elapsed, "msgs/s")
        timings = []
        for text in posts[:SINGLE_CALLS]:
            start = time.perf_counter()
            model.classify([text])
            timings.append((time.perf_counter() - start) * 1000)
        yield Figure("triage_latency_one", statistics.median(timings), "ms")
    tweeteval = SHARED_DATA / "tweeteval" / "sentiment"
    if not tweeteval.is_dir():
        yield skipped("tweeteval_sentiment_macro_recall", f"no data at {tweeteval}")
        return
    from porch.triage.evaluation import tweeteval_sentiment

    yield Figure("tweeteval_sentiment_macro_recall", tweeteval_sentiment(model, tweeteval), "ratio")
