"""Learning from an owner's corrections, as a pure function (no database).

`retrain` is what the background task runs for a workspace and what
`porch triage eval learning-curve` runs to play the owner:

1. deal the corrections into five folds (a fixed, seeded deal); for each fold, fit a model
   from the base model, the default corpus and the other folds' corrections, weighted up
   (the fast tier refits its intent head on corpus and corrections; the transformer tier
   fits an adapter on the corrections alone), and score it on the fold held back. With
   fewer than five corrections, one model fits and is scored on all of them;
2. the candidate's accuracy is over every correction, each held back once; the model in
   use is scored on the same corrections; a candidate that does worse is not promoted.
   (One held-back fifth decided before: at 200 corrections, 40 of them, where one message
   either way rejected a retrain that was better on 14,000 others.)
3. the candidate itself is fitted on the corpus plus every correction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from porch.triage.base import INTENTS, Classifier
from porch.triage.corpus import Example, load_corpus
from porch.triage.fast import train_intent

CORRECTION_WEIGHT = 8.0
FOLDS = 5


class TrainableModel(Classifier, Protocol):
    """A model a workspace can own: either tier's (fast.FastModel, transformer.TransformerModel)."""

    meta: dict[str, Any]

    def save(self, directory: Path) -> None: ...


# (base model, corpus, weighted corrections) -> new model: fast.train_intent,
# transformer.adapt_intents
Trainer = Callable[[Any, Sequence[Example], Sequence[Example]], TrainableModel]


@dataclass(frozen=True)
class Correction:
    text: str
    intent: str


@dataclass
class RetrainOutcome:
    model: TrainableModel
    promoted: bool
    metrics: dict[str, Any] = field(default_factory=dict)


def folds(
    corrections: Sequence[Correction], seed: int = 0
) -> list[tuple[list[Correction], list[Correction]]]:
    """(to train on, held back) for each fold; each correction is held back once. With fewer
    than FOLDS corrections, one fold with all of them in both."""
    if len(corrections) < FOLDS:
        return [(list(corrections), list(corrections))]
    fold_of = np.random.default_rng(seed).permutation(len(corrections)) % FOLDS
    return [
        (
            [c for c, f in zip(corrections, fold_of, strict=True) if f != fold],
            [c for c, f in zip(corrections, fold_of, strict=True) if f == fold],
        )
        for fold in range(FOLDS)
    ]


def hits(classifier: Classifier, corrections: Sequence[Correction]) -> int:
    """How many of `corrections` the classifier already gets right."""
    results = classifier.classify([c.text for c in corrections])
    return sum(r.intent == c.intent for r, c in zip(results, corrections, strict=True))


def as_examples(corrections: Sequence[Correction], weight: float) -> list[Example]:
    for correction in corrections:
        if correction.intent not in INTENTS:
            raise ValueError(f"unknown intent {correction.intent!r}")
    return [Example(c.text, c.intent, weight=weight) for c in corrections]


def retrain(
    corrections: Sequence[Correction],
    current: Classifier,
    base: TrainableModel,
    corpus: Sequence[Example] | None = None,
    trainer: Trainer = train_intent,
    seed: int = 0,
) -> RetrainOutcome:
    """A new model from `base` + corrections, promoted only if its cross-validated accuracy on
    the corrections is not worse than `current`'s."""
    corpus = list(load_corpus() if corpus is None else corpus)
    candidate_hits, dealt = 0, folds(corrections, seed)
    for train_part, held in dealt:
        model = trainer(base, corpus, as_examples(train_part, CORRECTION_WEIGHT))
        candidate_hits += hits(model, held)
    current_hits = hits(current, corrections)  # each correction is held back once
    # A single fold's model was fitted on every correction already.
    candidate = (
        model
        if len(dealt) == 1
        else trainer(base, corpus, as_examples(corrections, CORRECTION_WEIGHT))
    )
    count = max(len(corrections), 1)
    metrics: dict[str, Any] = {
        "corrections": len(corrections),
        "folds": len(dealt),
        "current_accuracy": current_hits / count,
        "candidate_accuracy": candidate_hits / count,
    }
    promoted = candidate_hits >= current_hits
    return RetrainOutcome(candidate, promoted, metrics)
