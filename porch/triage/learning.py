"""Learning from an owner's corrections, as a pure function (no database).

`retrain` is what the background task runs for a workspace and what
`porch triage eval learning-curve` runs to play the owner:

1. deal the corrections into five folds (a fixed, seeded deal); for each fold, fit a model
   from the base model and the other folds' corrections, and score it on the fold held
   back. With fewer than five corrections, one model fits and is scored on all of them.
   A tier may offer several trainers (its TRAINERS): each is scored so, and the one with
   the most held-back corrections right is the candidate (the first of equals). The
   transformer tier teaches the fast term of its intent (transformer.adapt_term), and that
   plus fine-tuning its last layer (transformer.adapt_intents); the fast tier fits an
   adapter (fast.adapt_intents);
2. the candidate's accuracy is over every correction, each held back once; `current` is
   scored on the same corrections; a candidate that does worse is not promoted. A workspace
   passes the shipped model as `current` (services.retrain_workspace): the version in use was
   taught these corrections and would sort them right by heart.
   (One held-back fifth decided before: at 200 corrections, 40 of them, where one message
   either way rejected a retrain that was better on 14,000 others.)
3. the candidate itself is fitted on every correction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from porch.triage.base import INTENTS, Classifier
from porch.triage.corpus import Example
from porch.triage.fast import TRAINERS

FOLDS = 5


class TrainableModel(Classifier, Protocol):
    """A model a workspace can own: either tier's (fast.FastModel, transformer.TransformerModel)."""

    meta: dict[str, Any]

    def save(self, directory: Path) -> None: ...


# (base model, corrections) -> new model: fast.adapt_intents, transformer.adapt_intents
Trainer = Callable[[Any, Sequence[Example]], TrainableModel]


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


def as_examples(corrections: Sequence[Correction]) -> list[Example]:
    for correction in corrections:
        if correction.intent not in INTENTS:
            raise ValueError(f"unknown intent {correction.intent!r}")
    return [Example(c.text, c.intent) for c in corrections]


def retrain(
    corrections: Sequence[Correction],
    current: Classifier,
    base: TrainableModel,
    trainers: Sequence[Trainer] = TRAINERS,
    seed: int = 0,
) -> RetrainOutcome:
    """A new model from `base` + corrections by the best of `trainers`, promoted only if its
    cross-validated accuracy on the corrections is not worse than `current`'s."""
    dealt = folds(corrections, seed)
    scored: list[tuple[int, Trainer, TrainableModel]] = []
    for trainer in trainers:
        candidate_hits = 0
        for train_part, held in dealt:
            model = trainer(base, as_examples(train_part))
            candidate_hits += hits(model, held)
        scored.append((candidate_hits, trainer, model))
    candidate_hits, trainer, model = max(scored, key=lambda entry: entry[0])  # first of equals
    current_hits = hits(current, corrections)  # each correction is held back once
    # A single fold's model was fitted on every correction already.
    candidate = model if len(dealt) == 1 else trainer(base, as_examples(corrections))
    count = max(len(corrections), 1)
    metrics: dict[str, Any] = {
        "corrections": len(corrections),
        "folds": len(dealt),
        "current_accuracy": current_hits / count,
        "candidate_accuracy": candidate_hits / count,
        "trainer": _name(trainer),
        "trainers": {_name(t): hits_of / count for hits_of, t, _ in scored},
    }
    promoted = candidate_hits >= current_hits
    return RetrainOutcome(candidate, promoted, metrics)


def _name(trainer: Trainer) -> str:
    return str(getattr(trainer, "__name__", type(trainer).__name__))
