"""The corpus the default model is trained from: porch/triage/corpus/*.jsonl.

One JSON object a line: text, intent, sentiment, urgency (0..1), network, hard. An intent of
null marks general chatter not addressed to a business (general_sentiment.jsonl): it teaches
sentiment and urgency only, since whether a gripe about the weather "is a complaint" to a shop
has no answer. Lines may
still be being appended while Porch reads them, so a line that is not a complete, valid
example is skipped rather than failing the whole load.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from porch.triage.base import INTENTS, SENTIMENTS

CORPUS_DIR = Path(__file__).with_name("corpus")


@dataclass(frozen=True)
class Example:
    """One training example; a correction from an owner has an intent only, general chatter
    has no intent (None)."""

    text: str
    intent: str | None
    sentiment: str | None = None
    urgency: float | None = None
    weight: float = 1.0


def _parse(line: str) -> Example | None:
    try:
        row = json.loads(line)
        example = Example(
            text=str(row["text"]),
            intent=None if row["intent"] is None else str(row["intent"]),
            sentiment=str(row["sentiment"]),
            urgency=min(max(float(row["urgency"]), 0.0), 1.0),
        )
    except (ValueError, KeyError, TypeError):
        return None
    valid = example.text.strip() and (example.intent is None or example.intent in INTENTS)
    return example if valid and example.sentiment in SENTIMENTS else None


def load_corpus(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every valid example, files in name order, lines in file order."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            example = _parse(line) if line.strip() else None
            if example is not None:
                examples.append(example)
    return examples


def corpus_digest(examples: Sequence[Example], settings: object = None) -> str:
    """A short digest of the examples (and the training settings): a model's version."""
    digest = hashlib.sha256(repr(settings).encode())
    for e in examples:
        digest.update(f"{e.text}\t{e.intent}\t{e.sentiment}\t{e.urgency}\t{e.weight}\n".encode())
    return digest.hexdigest()[:16]
