"""Measuring triage against real data (evaluation only: nothing here trains the shipped model).

- TweetEval sentiment: macro recall on the test split, beside the published anchors;
- Twitter US Airline Sentiment: macro F1 of the sentiment, and how often a negative tweet
  is triaged as a complaint;
- the learning curve: k labelled rows fed through the real correction path (learning.retrain)
  of a fresh workspace, F1 of "is it the positive intent" on the rest.
"""

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, recall_score

from porch.errors import InputError
from porch.triage.base import SENTIMENTS, Classifier
from porch.triage.fast import TRAINERS
from porch.triage.learning import Correction, TrainableModel, Trainer, retrain

TWEETEVAL_ANCHORS = (
    ("TimeLMs-2021", 0.737),
    ("BERTweet", 0.734),
    ("RoBERTa-Retrained", 0.728),
    ("RoBERTa-Base", 0.713),
    ("FastText", 0.629),
    ("SVM", 0.629),
    ("LSTM", 0.583),
    ("VADER alone", 0.57),
)
TRUTHY = {"1", "true", "yes", "y", "t"}


class EvaluationError(InputError):
    """The evaluation data cannot be read."""


def tweeteval_sentiment(classifier: Classifier, directory: Path) -> float:
    """Macro recall on TweetEval sentiment's test split."""
    try:
        texts = (directory / "test_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (directory / "test_labels.txt").read_text(encoding="utf-8").split()
        mapping = dict(
            line.split() for line in (directory / "mapping.txt").read_text().splitlines() if line
        )
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"cannot read TweetEval data in {directory}: {exc}") from None
    truth = [mapping[label] for label in labels]
    predicted = [result.sentiment for result in classifier.classify(texts)]
    return float(recall_score(truth, predicted, labels=list(SENTIMENTS), average="macro"))


def read_table(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [
                (row[text_column], row[label_column])
                for row in csv.DictReader(handle)
                if (row.get(text_column) or "").strip()
            ]
    except (OSError, KeyError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationError(f"cannot read {path}: {exc!r}") from None
    return [text for text, _ in rows], [label.strip() for _, label in rows]


@dataclass(frozen=True)
class AirlineReport:
    sentiment_macro_f1: float
    negative_as_complaint: float
    complaint_macro_f1: float  # "is it a complaint" against "is it negative"
    rows: int


def airline(classifier: Classifier, path: Path) -> AirlineReport:
    texts, labels = read_table(path, "text", "airline_sentiment")
    results = classifier.classify(texts)
    predicted = [result.sentiment for result in results]
    negative = np.array([label == "negative" for label in labels])
    complaint = np.array([result.intent == "complaint" for result in results])
    return AirlineReport(
        sentiment_macro_f1=float(
            f1_score(labels, predicted, labels=list(SENTIMENTS), average="macro")
        ),
        negative_as_complaint=float(complaint[negative].mean()) if negative.any() else 0.0,
        complaint_macro_f1=float(f1_score(negative, complaint, average="macro")),
        rows=len(texts),
    )


def is_positive(labels: Sequence[str], positive: str, label: str | None = None) -> np.ndarray:
    """Which rows are positive: label == `label` where given (the airline file's "negative"
    for complaints), else label == `positive` (the intent), else, for 0/1-style labels, a
    truthy label. A `label` no row has is an EvaluationError naming the labels there are."""
    lowered = [value.lower() for value in labels]
    if label is not None:
        if label.lower() not in lowered:
            found = ", ".join(sorted(set(lowered))[:12])
            raise EvaluationError(
                f"no row is labelled {label!r}; the labels are: {found}. "
                "Give one of them with --positive-label"
            )
        return np.array([value == label.lower() for value in lowered])
    if positive.lower() in lowered:
        return np.array([value == positive.lower() for value in lowered])
    return np.array([value in TRUTHY for value in lowered])


PROXY_LABELS_DIR = Path(__file__).with_name("proxy")
PROXY_LEFT_OUT = ("RockstarSupport", "MojangSupport")
PROXY_SPLIT = "test"  # the dev split trains the shipped transformer


def ibm_proxy(
    data: Path, labels_dir: Path = PROXY_LABELS_DIR, splits: Sequence[str] = (PROXY_SPLIT,)
) -> list[tuple[str, str]]:
    """(text, complaint|not) for the IBM customer-care set's customer turns in `splits`: the
    text from `data` (../shared/data/ibm_twitter_customer_care, Apache-2.0, never copied into
    Porch), the label from Porch's own hand labels in porch/bench/proxy/ibm_*_labels.tsv (ids
    only). The proxy is the test split; the shipped transformer learnt from the dev split
    (porch/bench/tune_transformer.py).

    The proxy for complaints to brands of many kinds: 23 brands (software, games consoles,
    banks, airlines, telecoms, shops, streaming). The two game studios' support accounts are
    left out (a quarter of the set, nearly all one kind of problem: a banned account), and so
    are the brands' own turns."""
    labelled: dict[tuple[str, str, int], str] = {}
    for path in sorted(labels_dir.glob("ibm_*_labels.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["split"] in splits:
                    key = (row["split"], row["session_id"], int(row["turn"]))
                    labelled[key] = row["label"]
    if not labelled:
        raise EvaluationError(f"no proxy labels for the {'/'.join(splits)} split in {labels_dir}")
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for split in sorted({key[0] for key in labelled}):
        try:
            conversations = json.loads((data / f"{split}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EvaluationError(
                f"cannot read the IBM customer-care set in {data}: {exc}"
            ) from None
        for conversation in conversations:
            header = conversation["dialogHeader"]
            if header["company"] in PROXY_LEFT_OUT:
                continue
            for turn, message in enumerate(conversation["dialogContent"]):
                label = labelled.get((split, header["sessionID"], turn))
                # The customer's own turns, once each: not the brand's agent, not a bystander,
                # not a conversation the set holds twice.
                if label is None or "client" not in message or message["tweet_ID"] in seen:
                    continue
                seen.add(message["tweet_ID"])
                rows.append((message["message"], label))
    return rows


def owner_corrections(
    texts: Sequence[str], positive: np.ndarray, intent: str, guesses: Sequence[str]
) -> list[Correction]:
    """What an owner would say: positive rows are `intent`; others keep the model's guess,
    or "other" where it guessed `intent`."""
    return [
        Correction(text, intent if is_pos else (guess if guess != intent else "other"))
        for text, is_pos, guess in zip(texts, positive, guesses, strict=True)
    ]


@dataclass(frozen=True)
class CurvePoint:
    """One k of the learning curve: mean macro F1 over the splits with k corrections, the
    base model's on the same rows (the rest shrinks as k grows, so only this pair tells what
    the corrections did), and in how many splits the retrain was promoted."""

    k: int
    macro_f1: float
    without_corrections: float
    promoted: int
    splits: int


def learning_curve(
    texts: Sequence[str],
    positive: np.ndarray,
    intent: str,
    ks: Sequence[int],
    base: TrainableModel,
    splits: int = 3,
    seed: int = 0,
    trainers: Sequence[Trainer] = TRAINERS,
) -> list[CurvePoint]:
    """A CurvePoint for each k; `trainers` retrain `base`'s tier.

    `base` classifies every row once; only a promoted retrain classifies the rest again.
    """
    guessed_by_base = np.array([result.intent for result in base.classify(list(texts))])
    curve: list[CurvePoint] = []
    for k in ks:
        scores, unchanged, promoted = [], [], 0
        for split in range(splits):
            order = np.random.default_rng(seed + split).permutation(len(texts))
            fed, rest = order[:k], order[k:]
            guessed = guessed_by_base[rest]
            unchanged.append(f1_score(positive[rest], guessed == intent, average="macro"))
            if k > 0:
                corrections = owner_corrections(
                    [texts[i] for i in fed], positive[fed], intent, guessed_by_base[fed].tolist()
                )
                outcome = retrain(corrections, base, base, trainers, seed + split)
                if outcome.promoted:
                    promoted += 1
                    results = outcome.model.classify([texts[i] for i in rest])
                    guessed = np.array([result.intent for result in results])
            scores.append(f1_score(positive[rest], guessed == intent, average="macro"))
        curve.append(
            CurvePoint(k, float(np.mean(scores)), float(np.mean(unchanged)), promoted, splits)
        )
    return curve
