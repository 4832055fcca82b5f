"""Triage benchmarks: throughput on one core, latency of one message, a workspace's retrain on
200 corrections, TweetEval quality."""

import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from porch.bench.run import Figure, skipped
from porch.triage.corpus import load_corpus
from porch.triage.fast import TRAINERS
from porch.triage.learning import Correction, TrainableModel, Trainer, retrain
from porch.triage.loading import default_model

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
POSTS = 100_000
SINGLE_CALLS = 200
CORRECTIONS = 200


def _posts(count: int) -> list[str]:
    texts = [example.text for example in load_corpus()]
    return [f"{texts[i % len(texts)]} #{i % 97}" for i in range(count)]


def retrain_seconds(base: TrainableModel, trainers: Sequence[Trainer]) -> float:
    """Wall seconds of learning.retrain (five fold models, check, final model) on CORRECTIONS
    corrections: every 50th corpus example with an intent, said to be a lead (new words for
    what an order looks like, as an owner would teach)."""
    labelled = [example for example in load_corpus() if example.intent is not None]
    corrections = [Correction(e.text, "lead") for e in labelled[::50][:CORRECTIONS]]
    start = time.perf_counter()
    retrain(corrections, base, base, trainers)
    return time.perf_counter() - start


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
    yield Figure(f"triage_retrain_{CORRECTIONS}_corrections", retrain_seconds(model, TRAINERS), "s")
    tweeteval = SHARED_DATA / "tweeteval" / "sentiment"
    if not tweeteval.is_dir():
        yield skipped("tweeteval_sentiment_macro_recall", f"no data at {tweeteval}")
        return
    from porch.bench.triage_evaluation import tweeteval_sentiment

    yield Figure("tweeteval_sentiment_macro_recall", tweeteval_sentiment(model, tweeteval), "ratio")
