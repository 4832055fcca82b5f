"""The fast tier: linear models over hashed n-grams and lexicon features.

One weight matrix scores three heads at once (six intents, three sentiments, urgency),
so classifying a batch is one featurisation and one sparse-dense product. A model is a
directory of two files, neither of which can run code when loaded:

- ``weights.npz``: the non-zero rows of the weight matrix (``columns``, ``weights``),
  ``bias`` and the n-gram idf (``word_idf``, ``char_idf``), read with
  ``np.load(allow_pickle=False)``;
- ``model.json``: format, feature settings, label order, version and training metadata.
"""

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from porch.errors import Unavailable
from porch.triage import features, lexicon
from porch.triage.base import (
    ADAPTER_L2,
    INTENTS,
    SENTIMENTS,
    Triage,
    fit_adapter,
    log_probabilities,
    lower_neutral,
    results,
    softmax,
)
from porch.triage.corpus import Example, corpus_digest

FORMAT = "porch-triage-fast/2"
WEIGHTS_FILE = "weights.npz"
META_FILE = "model.json"
BATCH = 4096
HEADS = len(INTENTS) + len(SENTIMENTS) + 1
DEFAULT_SEED = 0
# A workspace's corrections shift the intent head (adapt_intents) through their features times
# this. Airline learning curve (simulated, k=50 / k=200) at scale 3 / 10 / 30:
# 0.736 / 0.741, 0.740 / 0.752, 0.739 / 0.756; refitting the head on corpus and corrections
# gave 0.730 / 0.740.
ADAPTER_SCALE = 20.0

Array = np.ndarray[Any, Any]


class ModelFileError(Unavailable):
    """A model file is missing, unreadable or made for other feature settings."""


def feature_settings() -> dict[str, Any]:
    return {
        "word_bits": features.WORD_BITS,
        "char_bits": features.CHAR_BITS,
        "char_sizes": list(features.CHAR_SIZES),
        "dense": list(features.DENSE_NAMES),
        "learnt_lexicon": lexicon.shipped_digest(),
        "learnt_scale": features.LEARNT_SCALE,
        "idf": True,
    }


@dataclass(frozen=True)
class TrainingSettings:
    """The shipped model's settings (C, the lexicon blend and the neutral offset chosen on
    TweetEval's validation split, never its test)."""

    intent_c: float = 8.0
    sentiment_c: float = 0.5
    urgency_alpha: float = 1.0
    min_df: int = 2
    lexicon_blend: float = 0.25  # share of VADER-style lexicon polarity in sentiment
    # Taken off neutral's log-probability (base.lower_neutral). Validation macro recall for
    # 0 / 0.2 / 0.3 / 0.4 / 0.5 / 0.6 / 0.7: 0.5897 / 0.5947 / 0.5909 / 0.5967 / 0.5975 /
    # 0.5924 / 0.5892 (without the learnt lexicon 0.3 was best: 0.5916).
    neutral_offset: float = 0.5
    seed: int = DEFAULT_SEED


@dataclass
class FastModel:
    """Weights (N_FEATURES x HEADS, float32), bias (HEADS), n-gram idf and metadata."""

    weights: Array
    bias: Array
    idf: features.Idf
    meta: dict[str, Any] = field(default_factory=dict)
    tier: str = "fast"
    version: str = field(init=False)

    def __post_init__(self) -> None:
        self.version = str(self.meta.get("version", "unsaved"))

    def scores(self, texts: Sequence[str]) -> tuple[Array, Array, Array, Array]:
        """Intent probabilities, sentiment probabilities, sentiment score, urgency."""
        return self.scores_of(features.featurise_with_dense(texts, self.idf))

    def scores_of(
        self, batch: features.Batch, shift: "IntentShift | None" = None
    ) -> tuple[Array, Array, Array, Array]:
        """`scores` of texts already featurised with this model's idf; `shift` is added to the
        intent logits (as its applied_to would, without a copy of the weights)."""
        dense = batch.dense
        raw = batch.dot(self.weights) + self.bias
        n_intent = len(INTENTS)
        if shift is not None:
            raw[:, :n_intent] += shift.logits(batch)
        intent = softmax(raw[:, :n_intent])
        sentiment = softmax(raw[:, n_intent : n_intent + len(SENTIMENTS)])
        compound = dense[:, 0].astype(np.float64)
        blend = float(self.meta.get("lexicon_blend", 0.0))
        lexicon = np.column_stack(
            (np.maximum(-compound, 0), 1 - np.abs(compound), np.maximum(compound, 0))
        )
        sentiment = (1 - blend) * sentiment + blend * lexicon
        sentiment = lower_neutral(sentiment, float(self.meta.get("neutral_offset", 0.0)))
        polarity = np.clip(sentiment[:, 2] - sentiment[:, 0], -1.0, 1.0)
        urgency = np.clip(raw[:, -1], 0.0, 1.0)
        urgency = np.maximum(urgency, batch.urgency_floor)
        return intent, sentiment, polarity, urgency

    def classify(self, texts: Sequence[str]) -> list[Triage]:
        found: list[Triage] = []
        for start in range(0, len(texts), BATCH):
            found.extend(self._classify_batch(texts[start : start + BATCH]))
        return found

    def _classify_batch(self, texts: Sequence[str]) -> list[Triage]:
        if not texts:
            return []
        return results(*self.scores(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        used = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.int32)
        with (directory / WEIGHTS_FILE).open("wb") as handle:
            np.savez_compressed(
                handle,
                columns=used,
                weights=self.weights[used],
                bias=self.bias,
                word_idf=self.idf.word,
                char_idf=self.idf.char,
            )
        meta = {**self.meta, "format": FORMAT, "features": feature_settings()}
        meta["intents"], meta["sentiments"] = list(INTENTS), list(SENTIMENTS)
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def load_model(path: Path) -> FastModel:
    """Load a model directory (or its weights.npz / model.json) without unpickling anything."""
    directory = path.parent if path.is_file() else path
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            columns, packed, bias = arrays["columns"], arrays["weights"], arrays["bias"]
            idf = features.Idf(arrays["word_idf"], arrays["char_idf"])
    except (OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"cannot load the triage model at {directory}: {exc}") from None
    if meta.get("format") != FORMAT or meta.get("features") != feature_settings():
        raise ModelFileError(f"{directory} was built for other feature settings: retrain it")
    if meta.get("intents") != list(INTENTS) or packed.shape[1:] != (HEADS,):
        raise ModelFileError(f"{directory} has other labels than this Porch: retrain it")
    weights = np.zeros((features.N_FEATURES, HEADS), dtype=np.float32)
    weights[columns] = packed
    if idf.word.shape != (features.N_WORD,) or idf.char.shape != (features.N_CHAR,):
        raise ModelFileError(f"{directory} has an idf of the wrong size: retrain it")
    return FastModel(weights, bias.astype(np.float32), idf, meta)


def _frequent_columns(matrix: sp.csr_matrix, min_df: int) -> Array:
    counts = np.bincount(matrix.indices, minlength=matrix.shape[1])
    keep = counts >= min_df
    keep[features.N_WORD + features.N_CHAR :] = True
    return keep


def _log_count_ratio(weighted: sp.csr_matrix, members: Array) -> Array:
    """log(P(feature | class) / P(feature | rest)), smoothed by one (Wang and Manning's NBSVM).

    `weighted` holds each text's feature presence times its sample weight. The dense columns
    are not counts and keep a ratio of one.
    """
    inside = 1.0 + np.asarray(weighted[members].sum(axis=0)).ravel()
    outside = 1.0 + np.asarray(weighted[~members].sum(axis=0)).ravel()
    ratio = np.log((inside / inside.sum()) / (outside / outside.sum()))
    ratio[-len(features.DENSE_NAMES) :] = 1.0
    result: Array = ratio
    return result


def _fit_classifier(
    matrix: sp.csr_matrix, labels: Sequence[str], names: Sequence[str], weights: Array, c: float
) -> tuple[Array, Array]:
    """Coefficients (features x classes) and intercepts in the order of `names`.

    One class against the rest, each a logistic regression over the features scaled by that
    class's naive Bayes log-count ratio (NBSVM); the scaling folds into the coefficients, so
    the model stays one linear map. A class never seen is never predicted.
    """
    present = matrix.copy()
    present.sum_duplicates()  # an n-gram twice in a text (or two sharing a column) counts once
    present.data[:] = 1.0
    weighted = sp.csr_matrix(sp.diags(weights) @ present)
    truth = np.array(labels)
    coef = np.zeros((matrix.shape[1], len(names)), dtype=np.float64)
    bias = np.full(len(names), -30.0)
    for index, name in enumerate(names):
        members = truth == name
        if not members.any():
            continue  # never seen, never predicted
        if members.all():
            bias[index] = 0.0  # the only class seen is always the answer
            continue
        ratio = _log_count_ratio(weighted, members)
        model = LogisticRegression(C=c, max_iter=1000, tol=1e-4, class_weight="balanced")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix @ sp.diags(ratio), members, sample_weight=weights)
        coef[:, index] = model.coef_[0] * ratio
        bias[index] = model.intercept_[0]
    return coef, bias


def _fit_intent(
    matrix: sp.csr_matrix, examples: Sequence[Example], weights: Array, c: float
) -> tuple[Array, Array]:
    """The intent head, from the examples that have an intent (not general chatter)."""
    labelled = np.array([example.intent is not None for example in examples])
    intents = [str(example.intent) for example in examples if example.intent is not None]
    return _fit_classifier(matrix[labelled], intents, INTENTS, weights[labelled], c)


def _prepare(
    examples: Sequence[Example], min_df: int, idf: features.Idf
) -> tuple[sp.csr_matrix, Array, Array]:
    """The training matrix restricted to frequent columns, those columns, sample weights."""
    matrix = features.featurise([example.text for example in examples], idf)
    kept = np.flatnonzero(_frequent_columns(matrix, min_df))
    weights = np.array([example.weight for example in examples], dtype=np.float64)
    return sp.csr_matrix(matrix[:, kept]), kept, weights


def _meta(examples: Sequence[Example], settings: TrainingSettings) -> dict[str, Any]:
    return {
        "version": f"fast-{corpus_digest(examples, (settings, feature_settings()))}",
        "seed": settings.seed,
        "examples": len(examples),
        "lexicon_blend": settings.lexicon_blend,
        "neutral_offset": settings.neutral_offset,
        "settings": dict(settings.__dict__),
    }


def train(examples: Sequence[Example], settings: TrainingSettings | None = None) -> FastModel:
    """Fit all three heads. Deterministic: the same examples and settings give the same arrays.

    Examples without a sentiment or urgency (owners' corrections) train the intent head only.
    """
    settings = settings or TrainingSettings()
    idf = features.Idf.fit([example.text for example in examples])
    matrix, kept, weights = _prepare(examples, settings.min_df, idf)
    rated = np.array([e.sentiment is not None and e.urgency is not None for e in examples])
    intent_coef, intent_bias = _fit_intent(matrix, examples, weights, settings.intent_c)
    sentiment_coef, sentiment_bias = _fit_classifier(
        matrix[rated],
        [str(e.sentiment) for e, r in zip(examples, rated, strict=True) if r],
        SENTIMENTS,
        weights[rated],
        settings.sentiment_c,
    )
    ridge = Ridge(alpha=settings.urgency_alpha)
    urgency = [float(e.urgency or 0.0) for e, r in zip(examples, rated, strict=True) if r]
    ridge.fit(matrix[rated], np.array(urgency), sample_weight=weights[rated])
    all_coef = np.zeros((features.N_FEATURES, HEADS))
    all_coef[kept] = np.column_stack((intent_coef, sentiment_coef, ridge.coef_))
    bias = np.concatenate((intent_bias, sentiment_bias, [ridge.intercept_]))
    return FastModel(
        all_coef.astype(np.float32), bias.astype(np.float32), idf, _meta(examples, settings)
    )


@dataclass(frozen=True)
class IntentShift:
    """What an owner's corrections add to a fast model's intent head: `weight` (columns x
    INTENTS) on the feature `columns` the corrections use, and `bias` (INTENTS)."""

    columns: Array
    weight: Array
    bias: Array

    def applied_to(self, base: FastModel) -> FastModel:
        """`base` with this shift folded into its intent weights (base's arrays unchanged)."""
        n_intent = len(INTENTS)
        weights = base.weights.copy()
        weights[self.columns, :n_intent] += self.weight
        bias = base.bias.copy()
        bias[:n_intent] += self.bias
        return FastModel(weights, bias, base.idf, base.meta)

    def logits(self, batch: features.Batch) -> Array:
        """What this shift adds to the intent logits of `batch`'s texts."""
        added: Array = batch.matrix[:, self.columns] @ self.weight + self.bias
        return added

    def arrays(self) -> dict[str, Array]:
        return {"columns": self.columns, "weight": self.weight, "bias": self.bias}

    @classmethod
    def from_arrays(cls, arrays: Any) -> "IntentShift":
        """From `arrays` (an .npz's), checked: ValueError says what does not fit."""
        columns = np.asarray(arrays["columns"]).astype(np.int64)
        weight = np.asarray(arrays["weight"], dtype=np.float32)
        bias = np.asarray(arrays["bias"], dtype=np.float32)
        if columns.ndim != 1 or weight.shape != (len(columns), len(INTENTS)):
            raise ValueError(f"its arrays are {columns.shape} and {weight.shape}")
        if bias.shape != (len(INTENTS),):
            raise ValueError(f"its bias is {bias.shape}, not ({len(INTENTS)},)")
        if len(columns) and (columns.min() < 0 or columns.max() >= features.N_FEATURES):
            raise ValueError("its columns are outside this Porch's features")
        return cls(columns, weight, bias)


def fit_intent_shift(base: FastModel, corrections: Sequence[Example]) -> IntentShift:
    """The shift of `base`'s intent head that an owner's `corrections` ask for: linear in their
    features times ADAPTER_SCALE (only the columns they use), fitted by base.fit_adapter on
    `base`'s own log intent probabilities. (Fitted instead on the transformer's intent logits,
    where the transformer mixes this model in, it gained less: IBM proxy, k=50 and k=200, 10
    splits: -0.012 and +0.003 against -0.002 and +0.007.)"""
    batch = features.featurise_with_dense([c.text for c in corrections], base.idf)
    matrix = batch.matrix
    columns = np.unique(matrix.indices)
    inputs = sp.csr_matrix(matrix[:, columns] * ADAPTER_SCALE, dtype=np.float64)
    offset = log_probabilities(base.scores_of(batch)[0])
    weight, bias = fit_adapter(inputs, offset, [str(c.intent) for c in corrections])
    return IntentShift(
        columns.astype(np.int64),
        (ADAPTER_SCALE * weight).astype(np.float32),
        bias.astype(np.float32),
    )


def adapt_intents(base: FastModel, corrections: Sequence[Example]) -> FastModel:
    """`base` with its intent head adapted to an owner's `corrections`: a learning.Trainer.

    A shift of the intent logits (fit_intent_shift) folded into the weights, so the model
    stays one linear map in the same files. Only the columns the corrections use change;
    sentiment and urgency stay. The corpus is not replayed (base was trained on it). About a
    second for 200 corrections, where refitting the intent head on corpus and corrections took
    about 12 s.
    """
    model = fit_intent_shift(base, corrections).applied_to(base)
    model.meta = {
        **base.meta,
        "base_version": base.version,
        "adapter": {"corrections": len(corrections), "l2": ADAPTER_L2, "scale": ADAPTER_SCALE},
    }
    return model


# What learning.retrain may fit a fast model with (each is cross-validated; the best is kept).
TRAINERS = (adapt_intents,)
