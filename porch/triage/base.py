"""The triage seam: `classify(texts) -> [Triage]`, implemented by each tier.

Tiers: `fast` (scikit-learn linear model shipped with Porch) and `transformer`
(MiniLM fine-tuned and served with onnxruntime, the optional `porch[transformer]` extra).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

INTENTS = ("complaint", "question", "praise", "lead", "spam", "other")
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Triage:
    intent: str
    intent_scores: dict[str, float]
    sentiment: str
    sentiment_score: float  # in [-1, 1]
    urgency: float  # in [0, 1]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Classifier(Protocol):
    tier: str
    version: str

    def classify(self, texts: Sequence[str]) -> list[Triage]: ...
