"""Learning from an owner's corrections, as a pure function (no database).

`retrain` is what the background task runs for a workspace and what
`porch triage eval learning-curve` runs to play the owner:

1. deal the corrections into five folds (a fixed, seeded deal); for each fold, fit a model
   from the base model and the other folds' corrections, and score it on the fold held
   back. With fewer than five corrections, one model fits and is scored on all of them.
   A tier may offer several trainers (its TRAINERS): each is scored so, and the best (see
   2; the first of equals) is the candidate. The
   transformer tier teaches the fast term of its intent (transformer.adapt_term), and that
   plus fine-tuning its last layer (transformer.adapt_intents); the fast tier fits an
   adapter (fast.adapt_intents);
2. the candidate's answers are over every correction, each held back once; `current` is
   scored on the same corrections. Complaints come first: a candidate that tells fewer of
   them from the rest (a complaint called something else, or something else called a
   complaint) is not promoted; on a tie, one that gets fewer intents right is not. (Judged
   on intents alone, retrains that caught more complaints were turned down for moving a
   question to "other". Airline tweets, fast tier, 3 splits: 400 corrections gained 0.007
   complaint macro F1 that way, 0.020 with complaints first.) A workspace
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


COMPLAINT = "complaint"  # what the inbox is for: the intent a retrain must not get worse at


@dataclass(frozen=True, order=True)
class Hits:
    """Of some corrections, how many a model told right as complaint or not, and how many it
    gave the right intent; compared in that order."""

    complaints: int = 0
    intents: int = 0

    def __add__(self, other: "Hits") -> "Hits":
        return Hits(self.complaints + other.complaints, self.intents + other.intents)


def hits(classifier: Classifier, corrections: Sequence[Correction]) -> Hits:
    """How many of `corrections` the classifier already gets right."""
    results = classifier.classify([c.text for c in corrections])
    pairs = list(zip(results, corrections, strict=True))
    return Hits(
        sum((r.intent == COMPLAINT) == (c.intent == COMPLAINT) for r, c in pairs),
        sum(r.intent == c.intent for r, c in pairs),
    )


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
    """A new model from `base` + corrections by the best of `trainers`, promoted only if,
    cross-validated on the corrections, it tells complaints from the rest no worse than
    `current` and, where it tells them as well, gets no fewer intents right."""
    dealt = folds(corrections, seed)
    scored: list[tuple[Hits, Trainer, TrainableModel]] = []
    for trainer in trainers:
        candidate_hits = Hits()
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
        "current_accuracy": current_hits.intents / count,
        "candidate_accuracy": candidate_hits.intents / count,
        "current_complaint_accuracy": current_hits.complaints / count,
        "candidate_complaint_accuracy": candidate_hits.complaints / count,
        "trainer": _name(trainer),
        # Each trainer's held-back accuracy: complaint or not, then intents.
        "trainers": {_name(t): [h.complaints / count, h.intents / count] for h, t, _ in scored},
    }
    promoted = candidate_hits >= current_hits
    return RetrainOutcome(candidate, promoted, metrics)


def _name(trainer: Trainer) -> str:
    return str(getattr(trainer, "__name__", type(trainer).__name__))
