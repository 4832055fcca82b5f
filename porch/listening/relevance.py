"""What the owner's "not relevant" marks teach: a per-workspace relevance model.

The lessons: hits someone in the workspace marked not relevant (HitMark, relevant=False)
against hits they wanted (marked relevant, taken to the inbox, or simply left in the
stream: the most recent LEFT_ALONE of those). Once MIN_MARKS hits are marked not relevant,
`learn` fits a logistic regression on TF-IDF words and word pairs (deterministic: the same
lessons give the same model) and writes it to the workspace's folder under
settings.DATA_DIR / "models" as plain numpy arrays (the terms, their IDF weights, the
regression's weights: no pickle, as triage's models). Too few marks and any model is removed.

`judge(workspace, texts)` says, for each new hit, whether the model is at least HIDE_AT
sure that it is not relevant; the listening sink stores such a hit flagged
(Hit.judged_irrelevant): the streams hide it and say how many they hide. Nothing is
deleted, and a workspace with no model hides nothing.
"""

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from porch.inbox.models import Message
from porch.listening.models import Hit
from porch.workspaces.models import Workspace

MIN_MARKS = 10  # "not relevant" marks before a model is trained
HIDE_AT = 0.8  # the least probability of "not relevant" that hides a new hit
LEFT_ALONE = 2000  # at most this many recent unmarked hits are lessons of what is wanted
NOT_RELEVANT = 1  # the model's label for an unwanted hit (0: wanted)


def model_path(workspace_id: int) -> Path:
    return Path(settings.DATA_DIR) / "models" / str(workspace_id) / "relevance.npz"


def lessons(workspace: Workspace) -> tuple[list[str], list[int]]:
    """(texts, labels): NOT_RELEVANT for hits marked so, 0 for those wanted (see module)."""
    hits = Hit.objects.filter(workspace=workspace)
    unwanted = list(hits.filter(marks__relevant=False).distinct().values_list("text", flat=True))
    marked = hits.filter(marks__isnull=False)
    taken = Message.objects.filter(workspace=workspace).values("external_id")
    wanted = list(
        hits.filter(marks__relevant=True).distinct().values_list("text", flat=True)
    ) + list(
        hits.filter(external_id__in=taken)
        .exclude(marks__relevant=False)
        .values_list("text", flat=True)
    )
    left = hits.exclude(pk__in=marked.values("pk")).filter(judged_irrelevant=False)
    wanted += list(left.order_by("-sent_at", "-pk").values_list("text", flat=True)[:LEFT_ALONE])
    return unwanted + wanted, [NOT_RELEVANT] * len(unwanted) + [0] * len(wanted)


OPTIONS: dict[str, Any] = {"ngram_range": (1, 2), "sublinear_tf": True, "strip_accents": "unicode"}


@dataclass(frozen=True)
class Relevance:
    """A fitted model as plain arrays: the terms, their IDF weights, and the regression's
    weights and intercept (stored with numpy, no pickle: nothing in the file can run)."""

    terms: np.ndarray
    idf: np.ndarray
    coef: np.ndarray
    intercept: float

    def not_relevant(self, texts: list[str]) -> np.ndarray:
        """The probability, for each text, that it is not relevant."""
        counts = (
            CountVectorizer(
                vocabulary={str(term): i for i, term in enumerate(self.terms)},
                ngram_range=OPTIONS["ngram_range"],
                strip_accents=OPTIONS["strip_accents"],
            )
            .transform(texts)
            .astype(float)
        )
        counts.data = 1.0 + np.log(counts.data)  # sublinear_tf, as when it was fitted
        features = normalize(counts.multiply(self.idf).tocsr())  # TF-IDF, l2 as fitted
        scores = features @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-scores)))


def fit(texts: list[str], labels: list[int]) -> Relevance:
    """TF-IDF on words and word pairs, then a logistic regression (the classes weighed
    equally however few the marks)."""
    vectorizer = TfidfVectorizer(**OPTIONS)
    features = vectorizer.fit_transform(texts)
    regression = LogisticRegression(
        C=10.0, class_weight="balanced", solver="liblinear", random_state=0
    ).fit(features, labels)
    sign = 1.0 if list(regression.classes_).index(NOT_RELEVANT) == 1 else -1.0
    return Relevance(
        np.array(vectorizer.get_feature_names_out(), dtype=str),
        np.asarray(vectorizer.idf_, dtype=float),
        sign * np.asarray(regression.coef_[0], dtype=float),
        sign * float(regression.intercept_[0]),
    )


def learn(workspace: Workspace) -> bool:
    """Train and store the workspace's model; False (and no model kept) when there are
    fewer than MIN_MARKS marks or nothing wanted to set them against."""
    texts, labels = lessons(workspace)
    path = model_path(workspace.pk)
    if labels.count(NOT_RELEVANT) < MIN_MARKS or 0 not in labels:
        path.unlink(missing_ok=True)
        return False
    model = fit(texts, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(handle, "wb") as file:
        np.savez(
            file,
            terms=model.terms,
            idf=model.idf,
            coef=model.coef,
            intercept=np.array([model.intercept]),
        )
    os.replace(temporary, path)  # a reader sees the old model or the new, never half
    return True


@lru_cache(maxsize=64)
def _load(path: str, version: int) -> Relevance:
    """The model at `path` as written at `version` (its mtime): read once per version."""
    with np.load(path, allow_pickle=False) as arrays:
        return Relevance(
            arrays["terms"], arrays["idf"], arrays["coef"], float(arrays["intercept"][0])
        )


def model_of(workspace_id: int) -> Relevance | None:
    path = model_path(workspace_id)
    try:
        version = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _load(str(path), version)


def judge(workspace_id: int, texts: list[str]) -> list[bool]:
    """For each text, whether the workspace's model would hide it (see the module)."""
    model = model_of(workspace_id) if texts else None
    if model is None:
        return [False] * len(texts)
    return [bool(p >= HIDE_AT) for p in model.not_relevant(texts)]
