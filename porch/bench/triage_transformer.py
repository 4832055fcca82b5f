"""Transformer-tier benchmarks: throughput on 2 CPU cores, a workspace's retrain on 200
corrections (an adapter, no PyTorch) and TweetEval quality.

Skipped, with the reason, where onnxruntime, tokenizers or the model is not installed.
"""

import os
import time
from collections.abc import Iterator

from porch.bench.run import Figure, skipped
from porch.bench.triage import CORRECTIONS, SHARED_DATA, _posts, retrain_seconds

POSTS = 4_000
CORES = 2


def run() -> Iterator[Figure]:
    name = f"triage_transformer_throughput_{CORES}cores"
    try:
        from porch.triage.transformer import (
            SHIPPED_MODEL_DIR,
            TRAINERS,
            is_installed,
            load_model,
        )
    except ImportError as exc:
        yield skipped(name, f"onnxruntime or tokenizers is not installed ({exc})")
        return
    if not is_installed():
        yield skipped(name, f"no transformer model in {SHIPPED_MODEL_DIR}")
        return
    if len(os.sched_getaffinity(0)) < CORES:
        yield skipped(name, f"fewer than {CORES} CPU cores here")
        return
    model = load_model(SHIPPED_MODEL_DIR, threads=CORES)
    posts = _posts(POSTS)
    model.classify(posts[:200])
    start = time.perf_counter()
    model.classify(posts)
    yield Figure(name, POSTS / (time.perf_counter() - start), "msgs/s")
    seconds = retrain_seconds(model, TRAINERS)
    yield Figure(f"triage_transformer_retrain_{CORRECTIONS}_corrections", seconds, "s")
    tweeteval = SHARED_DATA / "tweeteval" / "sentiment"
    if not tweeteval.is_dir():
        yield skipped("tweeteval_sentiment_macro_recall_transformer", f"no data at {tweeteval}")
        return
    from porch.bench.triage_evaluation import tweeteval_sentiment

    score = tweeteval_sentiment(model, tweeteval)
    yield Figure("tweeteval_sentiment_macro_recall_transformer", score, "ratio")
