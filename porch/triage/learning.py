"""Learning from an owner's corrections, as a pure function (no database).

`retrain` is what the background task runs for a workspace and what
`porch triage eval learning-curve` runs to play the owner:

1. hold back every fifth correction (a fixed, seeded choice; all of them when fewer than
   five), fit a candidate from the base model, the default corpus and the other corrections,
   weighted up (the fast tier refits its intent head on corpus and corrections; the
   transformer tier fits an adapter on the corrections alone);
2. score the candidate and the model in use on the held-back corrections; a candidate
   that does worse is not promoted;
3. if it is promoted, fit the final model on the corpus plus every correction.
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
HOLD_BACK_EVERY = 5


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


def split_held_back(
    corrections: Sequence[Correction], seed: int = 0
) -> tuple[list[Correction], list[Correction]]:
    """(to train on, held back). With fewer than five corrections all are in both."""
    if len(corrections) < HOLD_BACK_EVERY:
        return list(corrections), list(corrections)
    order = np.random.default_rng(seed).permutation(len(corrections))
    held = {int(i) for i in order[: len(corrections) // HOLD_BACK_EVERY]}
    train_part = [c for i, c in enumerate(corrections) if i not in held]
    return train_part, [c for i, c in enumerate(corrections) if i in held]


def accuracy(classifier: Classifier, corrections: Sequence[Correction]) -> float:
    if not corrections:
        return 0.0
    results = classifier.classify([c.text for c in corrections])
    hits = sum(r.intent == c.intent for r, c in zip(results, corrections, strict=True))
    return hits / len(corrections)


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
    """A new model from `base` + corrections, promoted only if not worse than `current`."""
    corpus = list(load_corpus() if corpus is None else corpus)
    train_part, held = split_held_back(corrections, seed)
    candidate = trainer(base, corpus, as_examples(train_part, CORRECTION_WEIGHT))
    metrics: dict[str, Any] = {
        "corrections": len(corrections),
        "held_back": len(held),
        "current_accuracy": accuracy(current, held),
        "candidate_accuracy": accuracy(candidate, held),
    }
    promoted = metrics["candidate_accuracy"] >= metrics["current_accuracy"]
    if promoted and len(train_part) < len(corrections):
        candidate = trainer(base, corpus, as_examples(corrections, CORRECTION_WEIGHT))
    return RetrainOutcome(candidate, promoted, metrics)
