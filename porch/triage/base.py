"""The triage seam: `classify(texts) -> [Triage]`, implemented by each tier.

Tiers: `fast` (scikit-learn linear model shipped with Porch) and `transformer`
(MiniLM fine-tuned and served with onnxruntime, installed with Porch).
"""

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np
from django.db.models import TextChoices


class Intent(TextChoices):
    """What a message wants; the order is the models' output columns (model files store it)."""

    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    LEAD = "lead"
    SPAM = "spam"
    OTHER = "other"


class Sentiment(TextChoices):
    """How a message feels; the order is the models' output columns."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


# The values as plain strings, in the models' column order.
INTENTS: tuple[str, ...] = tuple(str(intent.value) for intent in Intent)
SENTIMENTS: tuple[str, ...] = tuple(str(sentiment.value) for sentiment in Sentiment)


class Triage(NamedTuple):
    """One message's triage. A NamedTuple: immutable, and made several times faster than a
    frozen dataclass, which counts when the fast tier makes 20,000 a second."""

    intent: str
    intent_scores: dict[str, float]
    sentiment: str
    sentiment_score: float  # in [-1, 1]
    urgency: float  # in [0, 1]

    def as_json(self) -> dict[str, Any]:
        return {**self._asdict(), "intent_scores": dict(self.intent_scores)}


class Classifier(Protocol):
    tier: str
    version: str

    def classify(self, texts: Sequence[str]) -> list[Triage]: ...


def softmax(scores: Any) -> Any:
    """Row-wise softmax of a (rows x classes) array, in its dtype."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


# An adapter's L2 penalty (on its weights and biases, against the mean loss over the
# corrections), for both tiers: 0.05-0.2 scored alike on the airline learning curve.
ADAPTER_L2 = 0.1


def log_probabilities(probabilities: Any) -> Any:
    return np.log(np.maximum(probabilities, 1e-9))


def fit_adapter(inputs: Any, offset: Any, intents: Sequence[str]) -> tuple[Any, Any]:
    """(weight, bias) of a shift of intent logits learnt from an owner's corrections.

    Minimises the mean cross-entropy of softmax(offset + inputs @ weight + bias) on the
    corrections' `intents` plus ADAPTER_L2 times the squared size of weight and bias, so a few
    corrections move a model a little and only near them. `inputs`: rows x columns, a dense
    array or a sparse matrix; `offset`: the base model's log intent probabilities (rows x
    INTENTS). scipy's L-BFGS in float64.
    """
    from scipy.optimize import minimize

    columns, classes = inputs.shape[1], len(INTENTS)
    if inputs.shape[0] == 0:
        return np.zeros((columns, classes)), np.zeros(classes)  # nothing to learn from
    labels = np.array([INTENTS.index(intent) for intent in intents])
    target = np.eye(classes)[labels]
    share = np.full(len(labels), 1.0 / len(labels))

    def loss(theta: Any) -> tuple[float, Any]:
        weight, bias = theta[: columns * classes].reshape(columns, classes), theta[-classes:]
        probabilities = softmax(offset + inputs @ weight + bias)
        chosen = probabilities[np.arange(len(labels)), labels]
        value = -(share * np.log(chosen + 1e-12)).sum() + ADAPTER_L2 * (theta**2).sum()
        slope = (probabilities - target) * share[:, None]
        grad = np.concatenate([np.asarray(inputs.T @ slope).ravel(), slope.sum(0)])
        return float(value), grad + 2 * ADAPTER_L2 * theta

    fitted = minimize(loss, np.zeros(columns * classes + classes), jac=True, method="L-BFGS-B")
    return fitted.x[:-classes].reshape(columns, classes), fitted.x[-classes:]


def lower_neutral(sentiment: Any, offset: float) -> Any:
    """Sentiment probabilities (rows x SENTIMENTS) with `offset` taken off neutral's log,
    renormalised. Tweets with weak cues that the tiers called neutral were more often
    negative or positive to people (TweetEval, airline tweets)."""
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
    best_intent = [INTENTS[best] for best in np.asarray(intent).argmax(axis=1).tolist()]
    best_sentiment = [SENTIMENTS[best] for best in np.asarray(sentiment).argmax(axis=1).tolist()]
    scores = [dict(zip(INTENTS, row, strict=True)) for row in intent_rows]
    polarity_list = np.round(np.asarray(polarity, dtype=np.float64), 4).tolist()
    urgency_list = np.round(np.asarray(urgency, dtype=np.float64), 4).tolist()
    return list(map(Triage, best_intent, scores, best_sentiment, polarity_list, urgency_list))
