"""The transformer tier: a fine-tuned MiniLM served with onnxruntime and tokenizers.

No PyTorch here: fine-tuning the whole network lives in porch/bench/train_transformer.py. A
model is a directory of these files, none of which can run code when loaded:

- ``model.onnx``: inputs ``input_ids`` and ``attention_mask`` (batch x sequence, int64),
  outputs ``intent`` (batch x 6 probabilities), ``sentiment`` (batch x 3), ``urgency``,
  ``pooled`` (batch x 384, the mean-pooled sentence vector the heads read) and ``hidden``
  (batch x sequence x 384, the input of the last encoder layer; porch/bench/expose_hidden.py);
- ``tokenizer.json``: the uncased BERT WordPiece tokenizer of the base model;
- ``model.json``: format, label order, version, max_length and training metadata;
- ``top.npz`` (with ``hidden``): the last encoder layer's weights and the intent head, as the
  int8 graph holds them (toplayer.load_top);
- ``tuned.npz`` (optional): what an owner's corrections taught (`tune_intents`): low-rank
  changes to the last layer's attention-output and feed-forward matrices and a change to the
  intent head (toplayer.Lora); the intent then comes from toplayer.TopLayer over ``hidden``;
- ``shift.npz`` (optional): what an owner's corrections taught the fast tier's term in the
  intent (fast.IntentShift, on the shipped fast model named in model.json's ``shift``);
- ``adapter.npz`` (optional, models without ``hidden``): a linear correction to the intent
  scores (`fit_intent_adapter`: a 393 x 6 matrix and 6 biases over ``pooled`` and the
  fast tier's 9 lexicon and shape features, added to the log of the intent probabilities).

The .npz files are loaded without pickle and checked; a broken one is a ModelFileError.

Each text runs alone, so its scores never depend on what else is classified with it
(TransformerModel.run). Urgency is the
larger of the model's and the trigger-word floor (urgency.py), as in the fast tier.
Sentiment mixes in the shipped fast model's sentiment probabilities, by the share in
model.json (``fast_sentiment_share``): the two tiers err on different tweets, and the mix
scored higher on TweetEval's validation split than either alone. Then neutral is lowered by
model.json's ``neutral_offset``, as the fast tier does (base.lower_neutral).
Intent adds the shipped fast model's intent log-probabilities, times model.json's
``fast_intent_weight``, to the network's intent logits (a product of the two tiers' opinions);
an owner's retrain learns with that term in place (`tune_intents`).
"""

import dataclasses
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from tokenizers import Tokenizer

from porch.config import env_int
from porch.triage import toplayer
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
from porch.triage.corpus import Example, load_corpus
from porch.triage.fast import FastModel, IntentShift, ModelFileError, fit_intent_shift
from porch.triage.features import CUE_NAMES, Batch, featurise_with_dense

FORMAT = "porch-triage-transformer/1"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "model.json"
ADAPTER_FILE = "adapter.npz"
TOP_FILE = "top.npz"
TUNED_FILE = "tuned.npz"
SHIFT_FILE = "shift.npz"
OUTPUTS = ("intent", "sentiment", "urgency")
POOLED = "pooled"
HIDDEN = "hidden"
# Fine-tuning on corrections (tune_intents): this many corpus examples with an intent, drawn
# once with a fixed seed, are replayed with the corrections so the network does not forget.
REPLAY_EXAMPLES = 400
REPLAY_SEED = 0
# Hidden states kept per process for fine-tuning (text -> sequence x 384, float16: about 20 kB
# a tweet, 48 kB at most, so 100 MB at worst): a retrain of 200 corrections uses 600 (with the
# replay sample).
HIDDEN_CACHE_TEXTS = 2048
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
# The fast tier's weight in intent (its log-probabilities times this are added to the network's
# intent logits), for models this Porch trains. Complaint macro F1 of the shipped model, no
# corrections, for weights 0 / 0.25 / 0.5 / 0.75 / 1: airline file (negative = complaint; where
# it was chosen: the smallest weight on the plateau) 0.776 / 0.792 / 0.796 / 0.797 / 0.797;
# the proxy (IBM test split, looked at after) 0.777 / 0.767 / 0.772 / 0.768 / 0.768, a change
# within its noise (bootstrap 95% interval of 0.5's change: -0.041 to +0.030).
FAST_INTENT_WEIGHT = 0.5
SHIPPED_MODEL_DIR = Path(__file__).with_name("trained") / "transformer"
THREADS_VARIABLE = "PORCH_TRIAGE_THREADS"

Array = np.ndarray[Any, Any]
# (model digest, text) -> (intent, sentiment and urgency in a row; hidden states, float16)
_HIDDEN_CACHE: OrderedDict[tuple[str, str], tuple[Array, Array]] = OrderedDict()
_HIDDEN_LOCK = threading.Lock()


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
        top: bytes | None = None,
        tuned: toplayer.Lora | None = None,
        shift: IntentShift | None = None,
    ) -> None:
        self.onnx, self.tokenizer_json, self.meta = onnx, tokenizer_json, meta
        self.adapter, self.threads = adapter, threads
        # top.npz's bytes (the last layer's weights, for fine-tuning) and what fine-tuning learnt.
        self.top, self.tuned = top, tuned
        # What corrections taught the fast term (None: the shipped fast model's, unchanged).
        self.shift = shift
        self._frozen: dict[str, Array] | None = None
        # self.tuned and the weights it merges to, made once per tuning (classify's hot path).
        self._merged: tuple[toplayer.Lora, dict[str, Array]] | None = None
        self.digest = hashlib.sha256(onnx).hexdigest()[:16]
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
        if self.top is not None:
            (directory / TOP_FILE).write_bytes(self.top)
        if self.tuned is not None:
            np.savez(directory / TUNED_FILE, **self.tuned.arrays())  # type: ignore[arg-type]
        meta = {**self.meta, "version": self.version}
        meta.pop("shift", None)
        if self.shift is not None:
            np.savez(directory / SHIFT_FILE, **self.shift.arrays())  # type: ignore[arg-type]
            meta["shift"] = {"fast_version": _fast_model().version}
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
        parts = self._each(texts, names)
        return [np.concatenate(column).astype(np.float32) for column in zip(*parts, strict=True)]

    def _each(self, texts: Sequence[str], names: list[str]) -> list[list[Array]]:
        """The outputs `names` of each text, run on its own (see run), in input order."""
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=True)

        def one(ids: list[int]) -> list[Array]:
            row = np.array([ids], dtype=np.int64)
            feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
            return list(self.session.run(names, feed))

        if len(encoded) == 1 or self.workers == 1:
            return [one(e.ids) for e in encoded]
        with ThreadPoolExecutor(min(self.workers, len(encoded))) as pool:
            return list(pool.map(one, [e.ids for e in encoded]))

    def scores(
        self, texts: Sequence[str], features: Batch | None = None
    ) -> tuple[Array, Array, Array]:
        """Intent probabilities, sentiment probabilities and model urgency, in input order.
        `features`: the texts' `featurise`, where already made."""
        batch = features or self.featurise(texts)
        fast = _fast_model().scores_of(batch, self.shift) if self.mixes_fast else None
        if self.tuned is not None:
            intent, sentiment, urgency, hidden = self.run_hidden(texts, keep=False)
            logits = self._tuned_logits(self.tuned, hidden)
            intent = softmax(logits.astype(np.float64)).astype(np.float32)
            out = [intent, sentiment, urgency]
        else:
            out = self.run(texts, pooled=self.adapter is not None)
            intent, sentiment, urgency = out[0], out[1], out[2]
        if self.adapter is not None:
            inputs = adapter_inputs(out[3], batch.dense)
            logits = log_probabilities(intent) + inputs @ self.adapter.weight + self.adapter.bias
            intent = softmax(logits).astype(np.float32)
        if fast is not None and self.fast_intent_weight > 0.0:
            intent = softmax(log_probabilities(intent) + self._weighed(fast[0])).astype(np.float32)
        if fast is not None and self.fast_sentiment_share > 0.0:
            share = self.fast_sentiment_share
            sentiment = ((1.0 - share) * sentiment + share * fast[1]).astype(np.float32)
        sentiment = lower_neutral(sentiment, float(self.meta.get("neutral_offset", 0.0)))
        return intent, sentiment, urgency

    def run_hidden(
        self, texts: Sequence[str], keep: bool = True
    ) -> tuple[Array, Array, Array, list[Array]]:
        """Intent, sentiment, urgency and each text's hidden states (sequence x 384, the input
        of the last encoder layer; rounded to float16 whether kept or not), in input order.
        `keep`: hidden states are kept per process (the last HIDDEN_CACHE_TEXTS texts), as
        fine-tuning asks for the same texts again and again; classifying does not keep them."""
        if HIDDEN not in self.outputs:
            raise ValueError(f"the model {self.version} has no {HIDDEN!r} output to fine-tune")
        keys = [(self.digest, text) for text in texts]
        with _HIDDEN_LOCK:  # what is cached now (another thread may evict it meanwhile)
            cached = {key: _HIDDEN_CACHE[key] for key in keys if key in _HIDDEN_CACHE}
        missing = list(dict.fromkeys(key for key in keys if key not in cached))
        fresh: dict[tuple[str, str], tuple[Array, Array]] = {}
        if missing:
            parts = self._each([key[1] for key in missing], [*OUTPUTS, HIDDEN])
            for key, part in zip(missing, parts, strict=True):
                heads = np.concatenate([np.ravel(p[0]) for p in part[:3]]).astype(np.float32)
                fresh[key] = (heads, part[3][0].astype(np.float16))
        with _HIDDEN_LOCK:
            rows = [fresh[key] if key in fresh else cached[key] for key in keys]
            if keep:
                _HIDDEN_CACHE.update(fresh)
                _HIDDEN_CACHE.update(cached)
                for key in keys:
                    _HIDDEN_CACHE.move_to_end(key)
                while len(_HIDDEN_CACHE) > HIDDEN_CACHE_TEXTS:
                    _HIDDEN_CACHE.popitem(last=False)
        heads = np.stack([r[0] for r in rows]) if rows else np.zeros((0, 10), np.float32)
        intent, sentiment = heads[:, : len(INTENTS)], heads[:, len(INTENTS) : len(INTENTS) + 3]
        urgency = heads[:, len(INTENTS) + 3 :].reshape(len(rows), *self._urgency_shape())
        return intent, sentiment, urgency, [r[1].astype(np.float32) for r in rows]

    def _tuned_logits(self, tuned: toplayer.Lora, hidden: list[Array]) -> Array:
        """Intent logits through the last layer with `tuned`, merging its weights once.

        A text at a time, as the network runs them: in a padded batch the matrix products
        take other shapes, and a text's scores moved in their last float32 bits with its
        neighbours' (enough to round a score the other way). About 0.3 ms a text more."""
        layer = toplayer.TopLayer(self.frozen(), tuned)
        kept = self._merged
        if kept is None or kept[0] is not tuned:
            kept = self._merged = (tuned, layer.merged())
        return layer.logits(hidden, batch=1, merged=kept[1])

    def _urgency_shape(self) -> tuple[int, ...]:
        shape = self.session.get_outputs()[self.outputs.index("urgency")].shape[1:]
        return tuple(int(s) for s in shape)

    def frozen(self) -> dict[str, Array]:
        """The last layer's weights from top.npz (ValueError if there is none)."""
        if self._frozen is None:
            if self.top is None:
                raise ValueError(f"the model {self.version} has no {TOP_FILE} to fine-tune")
            self._frozen = toplayer.load_top_bytes(self.top)
        return self._frozen

    @property
    def fast_sentiment_share(self) -> float:
        return float(self.meta.get("fast_sentiment_share", 0.0))

    @property
    def fast_intent_weight(self) -> float:
        return float(self.meta.get("fast_intent_weight", 0.0))

    @property
    def mixes_fast(self) -> bool:
        """Whether the shipped fast model's scores are part of this model's."""
        return self.fast_sentiment_share > 0.0 or self.fast_intent_weight > 0.0

    def fast_intent_term(self, texts: Sequence[str]) -> Array:
        """What the fast model adds to the intent logits of `texts` (zeros where nothing)."""
        if self.fast_intent_weight <= 0.0:
            return np.zeros((len(texts), len(INTENTS)), np.float32)
        return self._weighed(_fast_model().scores_of(self.featurise(texts), self.shift)[0])

    def _weighed(self, fast_intent: Array) -> Array:
        """The fast model's intent probabilities as this model's logits take them."""
        term: Array = self.fast_intent_weight * log_probabilities(fast_intent)
        return term.astype(np.float32)

    def featurise(self, texts: Sequence[str]) -> Batch:
        """The fast tier's features of `texts`, which serve the urgency floor, the adapter's
        lexicon inputs (both idf-free) and the fast model's scores (with its idf)."""
        idf = _fast_model().idf if self.mixes_fast else None
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
    """`base` fine-tuned on an owner's `corrections` (a learning.Trainer): `tune_intents` where
    the model has the hidden output and top.npz (the shipped model does), else
    `fit_intent_adapter` (a linear adapter beside the network)."""
    if HIDDEN in base.outputs and base.top is not None:
        return tune_intents(base, corrections)
    return fit_intent_adapter(base, corrections)


def adapt_term(base: TransformerModel, corrections: Sequence[Example]) -> TransformerModel:
    """`base` with the fast tier's term of its intent taught `corrections` (a learning.Trainer):
    a shift of the shipped fast model's intent head (fast.fit_intent_shift, about a second), in
    place of any `base` had; the network as it is."""
    shift = fit_intent_shift(_fast_model(), corrections) if corrections else None
    meta = {**base.meta, "base_version": base.version}
    if shift is not None:
        meta["term"] = {"corrections": len(corrections), "l2": ADAPTER_L2}
    return TransformerModel(
        base.onnx,
        base.tokenizer_json,
        meta,
        base.threads,
        base.adapter,
        base.top,
        base.tuned,
        shift,
    )


def tune_intents(
    base: TransformerModel,
    corrections: Sequence[Example],
    settings: toplayer.Settings = toplayer.DEFAULT_SETTINGS,
) -> TransformerModel:
    """`base` with its last encoder layer and intent head fine-tuned on `corrections` (LoRA,
    toplayer.fine_tune), mixed with a fixed replay sample of the corpus: no PyTorch.

    Learns a fresh LoRA on top of `base`'s own tuning (the shipped model's tuned.npz: porch
    triage tune-transformer), kept beside it (the ranks add up), every time: not from an
    earlier retrain's, as a retrain learns from all the corrections at once. Sentiment and
    urgency stay the network's. The fast term stays the shipped model's: taught the
    corrections first (adapt_term), it fitted them so well that the network learnt nothing
    from them."""
    if not corrections:  # nothing to learn: `base` as it is
        return TransformerModel(
            base.onnx, base.tokenizer_json, base.meta, base.threads, None, base.top, base.tuned
        )
    texts = [c.text for c in corrections]
    hidden = base.run_hidden(texts)[3]
    labels = np.array([INTENTS.index(str(c.intent)) for c in corrections], np.int64)
    replay_texts, replay_labels = _replay_sample()
    replay_hidden = base.run_hidden(replay_texts)[3]
    frozen = base.frozen()
    if base.tuned is not None:  # the weights base classifies with
        frozen = toplayer.TopLayer(frozen, base.tuned).merged()
    # One core: the other serves the inbox meanwhile (and BLAS threads on small matrices lose
    # more to waiting than they gain where the cores are shared).
    with threadpool_limits(limits=1):
        offsets = (base.fast_intent_term(texts), base.fast_intent_term(replay_texts))
        lora = toplayer.fine_tune(
            frozen, hidden, labels, replay_hidden, replay_labels, settings, offsets=offsets
        )
    if base.tuned is not None:
        lora = base.tuned.joined(lora)
    meta = {
        **base.meta,
        "base_version": base.version,
        "tuned": {
            "corrections": len(corrections),
            "replay": len(replay_texts),
            "rank": lora.rank,
            "settings": dataclasses.asdict(settings),
        },
    }
    meta.pop("adapter", None)
    return TransformerModel(
        base.onnx, base.tokenizer_json, meta, base.threads, None, base.top, lora
    )


@cache
def _replay_sample() -> tuple[list[str], Array]:
    """REPLAY_EXAMPLES corpus examples with an intent, drawn with REPLAY_SEED."""
    examples = [e for e in load_corpus() if e.intent is not None]
    rng = np.random.default_rng(REPLAY_SEED)
    chosen = rng.choice(len(examples), min(REPLAY_EXAMPLES, len(examples)), replace=False)
    picked = [examples[i] for i in sorted(chosen)]
    labels = np.array([INTENTS.index(str(e.intent)) for e in picked], np.int64)
    return [e.text for e in picked], labels


def fit_intent_adapter(base: TransformerModel, corrections: Sequence[Example]) -> TransformerModel:
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
    offset += base.fast_intent_term(texts)
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


# What learning.retrain may fit a workspace's model with, each cross-validated on the owner's
# corrections, the best kept (the first of equals): the fast term of the intent, or the
# network. Complaint macro F1 change at k=50, every retrain kept (no check), IBM proxy and
# airline file: the term -0.002 and +0.011 (10 splits), the network -0.031 (4 splits) and
# -0.019 (3). The network is what learns a new phrasing from a few corrections (the tests'
# bakery orders), where the term learns little.
TRAINERS = (adapt_term, adapt_intents)


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
        if model.outputs[:3] != list(OUTPUTS) or model.outputs[3:] not in (
            [],
            [POOLED],
            [POOLED, HIDDEN],
        ):
            raise ValueError(f"its outputs are {model.outputs}, not a triage model's")
        if (directory / ADAPTER_FILE).exists():
            where = ADAPTER_FILE
            model.adapter = _load_adapter(directory / ADAPTER_FILE, model)
        if (directory / TOP_FILE).exists() and HIDDEN in model.outputs:
            where = TOP_FILE
            model.top = (directory / TOP_FILE).read_bytes()
            model.frozen()  # checks it
        if (directory / TUNED_FILE).exists():
            where = TUNED_FILE
            with np.load(directory / TUNED_FILE, allow_pickle=False) as arrays:
                model.tuned = toplayer.Lora.from_arrays(arrays, model.frozen())
        if (directory / SHIFT_FILE).exists():
            where = SHIFT_FILE
            model.shift = _load_shift(directory / SHIFT_FILE, meta)
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


def _load_shift(path: Path, meta: dict[str, Any]) -> IntentShift:
    """The shift at `path`, which only fits the fast model it was learnt on."""
    made_on = (meta.get("shift") or {}).get("fast_version")
    if made_on != _fast_model().version:
        raise ValueError(f"it was learnt on the fast model {made_on}, not this Porch's")
    with np.load(path, allow_pickle=False) as arrays:
        return IntentShift.from_arrays(arrays)


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
