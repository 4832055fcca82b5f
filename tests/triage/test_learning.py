"""Learning from corrections: predictions change, bad retrains are not promoted, the task runs."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import override_settings

from porch.triage import features, services
from porch.triage.base import INTENTS, Triage
from porch.triage.corpus import Example
from porch.triage.fast import FastModel
from porch.triage.learning import FOLDS, Correction, folds, retrain
from porch.triage.loading import TierUnavailable, best_classifier, default_model
from porch.triage.models import TriageCorrection, WorkspaceModel

# The bakery's regulars say "the usual" to order: that is a lead, which no default model knows.
ORDERS = [
    Correction(f"@bakery put me down for the usual {item}", "lead")
    for item in ("loaf", "box", "tray", "dozen", "batch", "order", "set", "bake", "lot", "one")
]
UNSEEN = "@bakery put me down for the usual pair"
# For always(..., unless=ORDERED): the orders are "other", not complaints.
ORDERED = ("usual", "other")
# Corrections the default model already gets right: a retrain to "all spam" is worse.
COMPLAINTS = [
    Correction(f"@bakery my {item} never arrived and nobody answers the phone. awful", "complaint")
    for item in ("order", "cake", "parcel", "box", "delivery")
]


def record_the_orders(workspace) -> None:
    for correction in ORDERS:
        services.record_correction(
            workspace, correction.text, correction.intent, retrain_soon=False
        )


def always(intent: str, unless: tuple[str, str] | None = None):
    """A trainer whose model gives `intent` to every message; `unless` (word, other intent):
    `other intent` to messages with that word."""

    def trainer(base: FastModel, corrections: Sequence[Example]) -> FastModel:
        bias = base.bias.copy()
        bias[: len(INTENTS)] = [50.0 if name == intent else 0.0 for name in INTENTS]
        weights = base.weights.copy()
        weights[:, : len(INTENTS)] = 0
        if unless is not None:
            word, other = unless
            columns = features.featurise([word], base.idf).indices
            weights[columns[columns < features.N_WORD], INTENTS.index(other)] = 1000.0
        return FastModel(weights, bias, base.idf, dict(base.meta))

    return trainer


def test_corrections_change_predictions():
    base = default_model()
    assert base.classify([UNSEEN])[0].intent != "lead"
    outcome = retrain(ORDERS, base, base)
    assert outcome.promoted
    assert outcome.metrics["candidate_accuracy"] > outcome.metrics["current_accuracy"]
    assert outcome.model.classify([UNSEEN])[0].intent == "lead"
    # Sentiment and urgency are the default model's.
    texts = ["great stuff", "awful, still waiting"]
    np.testing.assert_allclose(
        [r.sentiment_score for r in outcome.model.classify(texts)],
        [r.sentiment_score for r in base.classify(texts)],
    )


def test_a_worse_retrain_is_not_promoted():
    base = default_model()
    outcome = retrain(COMPLAINTS, base, base, (always("spam"),))
    assert not outcome.promoted
    assert outcome.metrics["candidate_accuracy"] == 0.0
    assert outcome.metrics["current_accuracy"] == 1.0
    assert outcome.metrics["folds"] == FOLDS


class Scripted:
    """A model that answers each text with the intent `answers` gives it ("other" else)."""

    tier, version = "fast", "scripted"
    meta: dict[str, Any] = {}

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def save(self, directory: Path) -> None:
        raise AssertionError("not saved here")

    def classify(self, texts: Sequence[str]) -> list[Triage]:
        return [Triage(self.answers.get(text, "other"), {}, "neutral", 0.0, 0.0) for text in texts]


def scripted(answers: dict[str, str]) -> Any:
    return lambda base, corrections: Scripted(answers)


# Three complaints phrased as questions, which the model in use takes for questions, and
# five thanks that it sorts right.
ASKED = [Correction(f"@shop why is my order {n} still not here?", "complaint") for n in range(3)]
THANKS = [Correction(f"@shop thanks for the help with order {n}!", "praise") for n in range(5)]


def test_complaints_come_first_when_a_retrain_is_judged():
    in_use = Scripted({c.text: "question" for c in ASKED} | {c.text: "praise" for c in THANKS})
    # Catches the three complaints but calls three of the thanks "other": fewer intents
    # right (5 of 8 against 5), more complaints told from the rest (8 against 5).
    catches = {c.text: "complaint" for c in ASKED} | {c.text: "praise" for c in THANKS[3:]}
    outcome = retrain([*ASKED, *THANKS], in_use, in_use, (scripted(catches),))
    assert outcome.promoted
    assert outcome.metrics["candidate_accuracy"] == 5 / 8 == outcome.metrics["current_accuracy"]
    assert outcome.metrics["candidate_complaint_accuracy"] == 1.0
    assert outcome.metrics["current_complaint_accuracy"] == 5 / 8

    # Learns that the thanks are praise but lets one complaint go: not promoted, though it
    # gets more intents right (7 of 8 against 5).
    missed = {c.text: "question" for c in ASKED[:1]} | {c.text: "complaint" for c in ASKED[1:]}
    taught = Scripted({c.text: "complaint" for c in ASKED} | {c.text: "other" for c in THANKS})
    learns = missed | {c.text: "praise" for c in THANKS}
    outcome = retrain([*ASKED, *THANKS], taught, taught, (scripted(learns),))
    assert outcome.metrics["candidate_accuracy"] == 7 / 8
    assert outcome.metrics["current_accuracy"] == 3 / 8
    assert not outcome.promoted


def test_every_correction_is_held_back_once_by_a_model_that_did_not_see_it():
    corrections = [Correction(f"message {i}", "question") for i in range(12)]
    dealt = folds(corrections, seed=3)
    assert len(dealt) == FOLDS
    held = [c for _, part in dealt for c in part]
    assert sorted(c.text for c in held) == sorted(c.text for c in corrections)
    for train_part, part in dealt:
        assert not set(train_part) & set(part)
        assert len(train_part) + len(part) == len(corrections)
    assert folds(corrections, seed=3) == dealt
    # Too few to fold: one model, fitted and scored on all of them.
    assert folds(corrections[:3]) == [(corrections[:3], corrections[:3])]


@pytest.mark.django_db
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
def test_corrections_retrain_the_workspace_model_in_the_background(
    workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for correction in ORDERS:
            services.record_correction(
                workspace,
                correction.text,
                correction.intent,
                owner,
                retrain_soon=correction is ORDERS[-1],
            )
    assert TriageCorrection.objects.filter(workspace=workspace).count() == len(ORDERS)
    record = WorkspaceModel.objects.get(workspace=workspace)
    assert record.promoted and record.version == 1
    assert str(record.workspace_id) in record.path
    assert services.classifier_for(workspace).classify([UNSEEN])[0].intent == "lead"


@pytest.mark.django_db
def test_an_unpromoted_model_is_kept_but_not_used(workspace):
    for correction in COMPLAINTS:
        services.record_correction(
            workspace, correction.text, correction.intent, retrain_soon=False
        )
    record = services.retrain_workspace(workspace, trainer=always("spam"))
    assert not record.promoted
    assert services.active_model(workspace) is None
    assert services.classifier_for(workspace) is best_classifier()


@pytest.mark.django_db
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
def test_a_model_this_porch_cannot_load_is_retired_and_relearnt_from_the_corrections(
    workspace, django_capture_on_commit_callbacks
):
    record_the_orders(workspace)
    old = services.retrain_workspace(workspace)
    as_an_older_porch_wrote_it(old)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.classifier_for(workspace) is best_classifier()
    old.refresh_from_db()
    assert not old.promoted and "retrain" in old.metrics["retired"]
    relearnt = services.active_model(workspace)
    assert relearnt is not None and relearnt.version == old.version + 1
    assert services.classifier_for(workspace).classify([UNSEEN])[0].intent == "lead"


def as_an_older_porch_wrote_it(record: WorkspaceModel) -> None:
    meta_file = Path(record.path) / "model.json"
    meta = json.loads(meta_file.read_text())
    meta["format"] = meta["format"][:-1] + "0"
    meta_file.write_text(json.dumps(meta))


@pytest.mark.django_db
def test_a_retirement_takes_the_older_versions_with_it_and_enqueues_one_retrain(
    workspace, django_capture_on_commit_callbacks
):
    record_the_orders(workspace)
    first, second = services.retrain_workspace(workspace), services.retrain_workspace(workspace)
    assert first.promoted and second.promoted
    as_an_older_porch_wrote_it(second)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.classifier_for(workspace) is best_classifier()
        assert services.classifier_for(workspace) is best_classifier()
        services._retire(second, "seen by a second process at the same time", relearn=True)
    assert len(callbacks) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.promoted and not second.promoted
    assert second.path in second.metrics["retired"]


@pytest.mark.django_db
def test_a_retrain_that_finds_the_model_in_use_unloadable_enqueues_no_other(
    workspace, django_capture_on_commit_callbacks
):
    record_the_orders(workspace)
    old = services.retrain_workspace(workspace)
    as_an_older_porch_wrote_it(old)
    with django_capture_on_commit_callbacks() as callbacks:
        relearnt = services.retrain_workspace(workspace)
    assert callbacks == []
    # The relearnt version is fitted from the shipped model, so the unloadable one is not
    # needed for the retrain and is simply no longer used.
    assert relearnt.promoted and services.active_model(workspace) == relearnt
    assert services.classifier_for(workspace).classify([UNSEEN])[0].intent == "lead"


@pytest.mark.django_db
def test_a_model_of_a_tier_this_process_lacks_is_kept(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    record_the_orders(workspace)
    record = services.retrain_workspace(workspace)

    def lacking(tier: str, path: Path) -> None:
        raise TierUnavailable(f"the {tier} tier needs an extra")

    monkeypatch.setattr(services, "load_classifier", lacking)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.classifier_for(workspace) is best_classifier()
    assert callbacks == []
    record.refresh_from_db()
    assert record.promoted and "retired" not in record.metrics


@pytest.mark.django_db
def test_an_unknown_intent_is_refused(workspace):
    with pytest.raises(ValueError, match="unknown intent"):
        services.record_correction(workspace, "hi", "gossip")


@pytest.mark.django_db
def test_only_the_model_in_use_the_one_before_and_the_newest_keep_their_files(workspace):
    record_the_orders(workspace)
    first, second = services.retrain_workspace(workspace), services.retrain_workspace(workspace)
    assert first.promoted and second.promoted
    for correction in COMPLAINTS:  # the shipped model gets these right: "all spam" is worse
        services.record_correction(workspace, correction.text, correction.intent, None, False)
    unpromoted = services.retrain_workspace(workspace, trainer=always("spam"))
    assert not unpromoted.promoted
    on_disk = [Path(record.path).is_dir() for record in (first, second, unpromoted)]
    assert on_disk == [True, True, True]  # first: an undo of second goes back to it
    assert services.active_model(workspace) == second
    assert services.classifier_for(workspace).classify([UNSEEN])[0].intent == "lead"
    third = services.retrain_workspace(workspace)
    assert services.active_model(workspace) == third
    on_disk = [Path(record.path).is_dir() for record in (first, second, unpromoted, third)]
    assert on_disk == [False, True, False, True]
    assert WorkspaceModel.objects.filter(workspace=workspace).count() == 4


def test_no_corrections_give_back_the_base_model_s_answers():
    base = default_model()
    outcome = retrain([], base, base)
    texts = [UNSEEN, COMPLAINTS[0].text]
    assert [r.as_json() for r in outcome.model.classify(texts)] == [
        r.as_json() for r in base.classify(texts)
    ]
