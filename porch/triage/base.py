"""The triage seam: `classify(texts) -> [Triage]`, implemented by each tier.

Tiers: `fast` (scikit-learn linear model shipped with Porch) and `transformer`
(MiniLM fine-tuned and served with onnxruntime, the optional `porch[transformer]` extra).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

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


def softmax(scores: Any) -> Any:
    """Row-wise softmax of a (rows x classes) array, in its dtype."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def lower_neutral(sentiment: Any, offset: float) -> Any:
    """Sentiment probabilities (rows x SENTIMENTS) with `offset` taken off neutral's log,
    renormalised. Both tiers call real tweets neutral more often than people do."""
    if offset == 0.0:
        return sentiment
    scale = np.ones(len(SENTIMENTS), dtype=sentiment.dtype)
    scale[SENTIMENTS.index("neutral")] = np.exp(-offset)
    shifted = sentiment * scale
    return shifted / shifted.sum(axis=1, keepdims=True)


def results(intent: Any, sentiment: Any, polarity: Any, urgency: Any) -> list[Triage]:
    """One Triage a row from the tiers' arrays: intent and sentiment probabilities (rows x
    classes), sentiment score in [-1, 1] and urgency in [0, 1] (rows), rounded to 4 places."""
    intent_rows = np.round(np.asarray(intent, dtype=np.float64), 4).tolist()
    best_intent = np.asarray(intent).argmax(axis=1).tolist()
    best_sentiment = np.asarray(sentiment).argmax(axis=1).tolist()
    polarity_list = np.round(np.asarray(polarity, dtype=np.float64), 4).tolist()
    urgency_list = np.round(np.asarray(urgency, dtype=np.float64), 4).tolist()
    return [
        Triage(
            intent=INTENTS[best_intent[i]],
            intent_scores=dict(zip(INTENTS, intent_rows[i], strict=True)),
            sentiment=SENTIMENTS[best_sentiment[i]],
            sentiment_score=polarity_list[i],
            urgency=urgency_list[i],
        )
        for i in range(len(intent_rows))
    ]
