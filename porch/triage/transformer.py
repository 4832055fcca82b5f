"""The transformer tier: a fine-tuned MiniLM served with onnxruntime and tokenizers.

No PyTorch here: fine-tuning lives in porch/bench/train_transformer.py. A model is a
directory of three files, and a fourth once a workspace's corrections adapted it; none can
run code when loaded:

- ``model.onnx``: inputs ``input_ids`` and ``attention_mask`` (batch x sequence, int64),
  outputs ``intent`` (batch x 6 probabilities), ``sentiment`` (batch x 3), ``urgency`` and
  ``pooled`` (batch x 384, the mean-pooled sentence vector the heads read);
- ``tokenizer.json``: the uncased BERT WordPiece tokenizer of the base model;
- ``model.json``: format, label order, version, max_length and training metadata;
- ``adapter.npz`` (optional): a correction to the intent scores learnt from an owner's
  corrections by `adapt_intents` (a 393 x 6 matrix and 6 biases over ``pooled`` and the
  fast tier's 9 lexicon and shape features, added to the log of the intent probabilities),
  loaded without pickle.

Each text runs alone, so its scores never depend on what else is classified with it
(TransformerModel.run). Urgency is the
larger of the model's and the trigger-word floor (urgency.py), as in the fast tier.
Sentiment mixes in the shipped fast model's sentiment probabilities, by the share in
model.json (``fast_sentiment_share``): the two tiers err on different tweets, and the mix
scored higher on TweetEval's validation split than either alone. Then neutral is lowered by
model.json's ``neutral_offset``, as the fast tier does (base.lower_neutral).
"""

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from tokenizers import Tokenizer

from porch.config import env_int
from porch.triage.base import (
    ADAPTER_L2,
    INTENTS,
    Triage,
    fit_adapter,
    log_probabilities,
    lower_neutral,
    results,
    softmax,
)
from porch.triage.corpus import Example
from porch.triage.fast import FastModel, ModelFileError
from porch.triage.features import CUE_NAMES, Batch, featurise_with_dense

FORMAT = "porch-triage-transformer/1"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "model.json"
ADAPTER_FILE = "adapter.npz"
OUTPUTS = ("intent", "sentiment", "urgency")
POOLED = "pooled"
# The adapter also reads the fast tier's lexicon and shape features (features.CUE_NAMES:
# polarity, exclamations, questions, shouting...) times this, so a cue there costs less of the
# penalty than a direction of the pooled vector. Airline learning curve, k=200, for scales
# 0 / 1 / 2 / 3 / 5: 0.797 / 0.799 / 0.802 / 0.803 / 0.804 (n-grams instead: 0.803 at best).
ADAPTER_LEXICON_SCALE = 3.0
# The fast tier's share of sentiment, for models this Porch trains (each model.json says its
# own). TweetEval sentiment, validation split, macro recall: transformer alone 0.588; with the
# fast model that reads the learnt lexicon, shares 0.3 / 0.4 / 0.5 / 0.6 / 0.7 (neutral offset
# 0.3) -> 0.617 / 0.626 / 0.625 / 0.616 / 0.605.
FAST_SENTIMENT_SHARE = 0.4
# Taken off neutral's log-probability after the mix (base.lower_neutral), for models this Porch
# trains. Validation macro recall of the mix (share 0.4) for 0.2 / 0.3 / 0.4: 0.6232 / 0.6261 /
# 0.6220.
NEUTRAL_OFFSET = 0.3
SHIPPED_MODEL_DIR = Path(__file__).with_name("trained") / "transformer"
THREADS_VARIABLE = "PORCH_TRIAGE_THREADS"

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Adapter:
    """Learnt from corrections: intent logits += adapter_inputs @ weight + bias (393 x 6, 6)."""

    weight: Array
    bias: Array

    def __add__(self, other: "Adapter") -> "Adapter":
        return Adapter(self.weight + other.weight, self.bias + other.bias)


class TransformerModel:
    """classify(texts) -> [Triage] from a model's files, held in memory."""

    tier = "transformer"

    def __init__(
        self,
        onnx: bytes,
        tokenizer_json: str,
        meta: dict[str, Any],
        threads: int = 0,
        adapter: Adapter | None = None,
    ) -> None:
        self.onnx, self.tokenizer_json, self.meta = onnx, tokenizer_json, meta
        self.adapter, self.threads = adapter, threads
        self.workers = threads or len(os.sched_getaffinity(0))
        self.version = str(meta.get("version", "unsaved"))
        self.session = _session(onnx)
        self.outputs = [output.name for output in self.session.get_outputs()]
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(max_length=int(meta.get("max_length", 64)))
        self.tokenizer.no_padding()

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / ONNX_FILE).write_bytes(self.onnx)
        (directory / TOKENIZER_FILE).write_text(self.tokenizer_json, encoding="utf-8")
        if self.adapter is not None:
            np.savez(directory / ADAPTER_FILE, weight=self.adapter.weight, bias=self.adapter.bias)
        meta = {**self.meta, "version": self.version}
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    def run(self, texts: Sequence[str], pooled: bool = False) -> list[Array]:
        """The network's outputs for `texts` in input order: intent, sentiment and urgency,
        then the pooled sentence vectors if asked for. Intent is before any adapter.

        Each text runs on its own, unpadded: the int8 model quantises its activations with
        one scale over the whole input, so in a shared batch a text's scores would move with
        its neighbours'. `threads` texts run at once, each on one core."""
        names = [*OUTPUTS, POOLED] if pooled else list(OUTPUTS)
        if not texts:
            shapes = {o.name: o.shape[1:] for o in self.session.get_outputs()}
            return [np.zeros((0, *shapes[name]), dtype=np.float32) for name in names]
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=True)

        def one(ids: list[int]) -> list[Array]:
            row = np.array([ids], dtype=np.int64)
            feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
            return list(self.session.run(names, feed))

        if len(encoded) == 1 or self.workers == 1:
            parts = [one(e.ids) for e in encoded]
        else:
            with ThreadPoolExecutor(min(self.workers, len(encoded))) as pool:
                parts = list(pool.map(one, [e.ids for e in encoded]))
        return [np.concatenate(column).astype(np.float32) for column in zip(*parts, strict=True)]

    def scores(
        self, texts: Sequence[str], features: Batch | None = None
    ) -> tuple[Array, Array, Array]:
        """Intent probabilities, sentiment probabilities and model urgency, in input order.
        `features`: the texts' `featurise`, where already made."""
        out = self.run(texts, pooled=self.adapter is not None)
        intent, sentiment, urgency = out[0], out[1], out[2]
        batch = features or self.featurise(texts)
        if self.adapter is not None:
            inputs = adapter_inputs(out[3], batch.dense)
            logits = log_probabilities(intent) + inputs @ self.adapter.weight + self.adapter.bias
            intent = softmax(logits).astype(np.float32)
        if self.fast_sentiment_share > 0.0:
            share = self.fast_sentiment_share
            fast_sentiment = _fast_model().scores_of(batch)[1]
            sentiment = ((1.0 - share) * sentiment + share * fast_sentiment).astype(np.float32)
        sentiment = lower_neutral(sentiment, float(self.meta.get("neutral_offset", 0.0)))
        return intent, sentiment, urgency

    @property
    def fast_sentiment_share(self) -> float:
        return float(self.meta.get("fast_sentiment_share", 0.0))

    def featurise(self, texts: Sequence[str]) -> Batch:
        """The fast tier's features of `texts`, which serve the urgency floor, the adapter's
        lexicon inputs (both idf-free) and the fast sentiment (with the fast model's idf)."""
        idf = _fast_model().idf if self.fast_sentiment_share > 0.0 else None
        return featurise_with_dense(texts, idf)

    def classify(self, texts: Sequence[str]) -> list[Triage]:
        if not texts:
            return []
        batch = self.featurise(texts)
        intent, sentiment, model_urgency = self.scores(texts, batch)
        urgency = np.maximum(np.clip(model_urgency, 0.0, 1.0), batch.urgency_floor)
        polarity = np.clip(sentiment[:, 2] - sentiment[:, 0], -1.0, 1.0)
        return results(intent, sentiment, polarity, urgency)


def adapter_inputs(pooled: Array, dense: Array) -> Array:
    """What an adapter reads: the pooled sentence vectors, then the scaled lexicon and shape
    cues (not the learnt lexicon's columns, which come from this network)."""
    return np.hstack((pooled, ADAPTER_LEXICON_SCALE * dense[:, : len(CUE_NAMES)]))


def _fast_model() -> FastModel:
    from porch.triage.loading import default_model

    return default_model()


def adapt_intents(base: TransformerModel, corrections: Sequence[Example]) -> TransformerModel:
    """`base` with an adapter fitted to an owner's `corrections`: seconds, no PyTorch.

    A learning.Trainer. The adapter (base.fit_adapter) shifts the intent logits by a linear
    function of the pooled sentence vector and the lexicon features (adapter_inputs). The
    encoder, sentiment and urgency stay as trained. The corpus is not replayed: the base
    model was fine-tuned on it, and replaying it scored lower on the airline learning curve
    (k=200: 0.791 with it at a twentieth of a correction's weight, 0.797 without).
    """
    if POOLED not in base.outputs:
        raise ValueError(f"the model {base.version} has no {POOLED!r} output to adapt")
    texts = [c.text for c in corrections]
    intent, _, _, pooled = base.run(texts, pooled=True)
    x = adapter_inputs(pooled, featurise_with_dense(texts).dense).astype(np.float64)
    prior = base.adapter or Adapter(np.zeros((x.shape[1], len(INTENTS))), np.zeros(len(INTENTS)))
    offset = log_probabilities(intent) + x @ prior.weight + prior.bias
    weight, bias = fit_adapter(x, offset, [str(c.intent) for c in corrections])
    learnt = Adapter(weight.astype(np.float32), bias.astype(np.float32))
    meta = {
        **base.meta,
        "base_version": base.version,
        "adapter": {
            "corrections": len(corrections),
            "l2": ADAPTER_L2,
            "lexicon_scale": ADAPTER_LEXICON_SCALE,
        },
    }
    return TransformerModel(base.onnx, base.tokenizer_json, meta, base.threads, prior + learnt)


def is_installed(path: Path = SHIPPED_MODEL_DIR) -> bool:
    """Whether a model directory holds all three files (the tier's libraries are imported)."""
    return all((path / name).is_file() for name in (ONNX_FILE, TOKENIZER_FILE, META_FILE))


def _session(onnx: bytes) -> onnxruntime.InferenceSession:
    """One core a run: TransformerModel.run runs several texts at once instead."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(
        onnx, sess_options=options, providers=["CPUExecutionProvider"]
    )


def load_model(path: Path, threads: int | None = None) -> TransformerModel:
    """Load a model directory; ModelFileError says which file is missing or broken, and why."""
    directory = path.parent if path.is_file() else path
    if threads is None:
        threads = env_int(THREADS_VARIABLE, 0, low=0, high=256)  # 0: one per core
    where = META_FILE
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("intents") != list(INTENTS):
            raise ValueError("it is not a model for this Porch's transformer tier")
        where = TOKENIZER_FILE
        tokenizer_json = (directory / TOKENIZER_FILE).read_text(encoding="utf-8")
        where = ONNX_FILE
        model = TransformerModel(
            (directory / ONNX_FILE).read_bytes(), tokenizer_json, meta, threads
        )
        if model.outputs[:3] != list(OUTPUTS) or model.outputs[3:] not in ([], [POOLED]):
            raise ValueError(f"its outputs are {model.outputs}, not a triage model's")
        if (directory / ADAPTER_FILE).exists():
            where = ADAPTER_FILE
            model.adapter = _load_adapter(directory / ADAPTER_FILE, model)
    except Exception as exc:  # onnxruntime and tokenizers raise plain Exception subclasses
        raise ModelFileError(
            f"cannot load the triage model at {directory} (transformer tier, {where}: "
            f"{_reason(exc)}); "
            "reinstall Porch, or retrain it with 'porch triage train-transformer'"
        ) from None
    return model


def _load_adapter(path: Path, model: TransformerModel) -> Adapter:
    """The adapter at `path`, checked against the width of `model`'s adapter inputs."""
    if POOLED not in model.outputs:
        raise ValueError(f"the model has no {POOLED!r} output for it")
    with np.load(path, allow_pickle=False) as arrays:
        adapter = Adapter(arrays["weight"].astype(np.float32), arrays["bias"].astype(np.float32))
    width = model.session.get_outputs()[model.outputs.index(POOLED)].shape[-1]
    wanted = ((width + len(CUE_NAMES), len(INTENTS)), (len(INTENTS),))
    if (adapter.weight.shape, adapter.bias.shape) != wanted:
        raise ValueError(
            f"its arrays are {adapter.weight.shape} and {adapter.bias.shape}, not {wanted}"
        )
    return adapter


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


@cache
def shipped_model() -> TransformerModel:
    """The model that ships with Porch, loaded once per process."""
    return load_model(SHIPPED_MODEL_DIR)


def load_classifier(path: Path | None = None) -> TransformerModel:
    """The entry point loading.load_classifier uses: the shipped model or the one at `path`."""
    return shipped_model() if path is None else load_model(path)
