"""Triage for a workspace: its classifier, recording corrections, retraining.

`record_correction` stores what the owner said and enqueues `retrain_workspace_model`;
the task calls `retrain_workspace`, which runs learning.retrain and stores the result
as the workspace's next model version, promoted or not.

A workspace without a model of its own uses the best installed tier (loading.best_tier: the
transformer where the `porch[transformer]` extra is installed). Corrections fit an adapter on
the shipped transformer where that tier is installed (seconds, no PyTorch), and on the
shipped fast model elsewhere.

A workspace model that this Porch can no longer load (made for other feature settings before
an upgrade, or its files gone) is retired: the shipped model serves in its place, and one
retrain from the stored corrections is enqueued, so nothing the owner taught is lost and the
inbox never stops on it. A model of a tier this process lacks (the transformer extra installed
in the worker but not in the web process) is not retired, as the worker would only make
another: the shipped model of the installed tier serves, and a warning says why.
"""

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from porch.triage.base import INTENTS, Classifier
from porch.triage.fast import ModelFileError, adapt_intents
from porch.triage.learning import Correction, TrainableModel, Trainer, retrain
from porch.triage.loading import (
    TierUnavailable,
    best_classifier,
    best_tier,
    default_model,
    load_classifier,
    tier_of,
)
from porch.triage.models import TriageCorrection, WorkspaceModel
from porch.workspaces.models import Workspace

logger = logging.getLogger(__name__)


def model_dir(workspace: Workspace, version: int) -> Path:
    return Path(settings.DATA_DIR) / "models" / str(workspace.pk) / f"v{version}"


def active_model(workspace: Workspace) -> WorkspaceModel | None:
    return WorkspaceModel.objects.filter(workspace=workspace, promoted=True).first()


def classifier_for(workspace: Workspace, relearn: bool = True) -> Classifier:
    """The workspace's newest promoted model, else the best installed tier's shipped one.

    A promoted model that cannot be loaded any more is retired (see the module); `relearn`
    False leaves the retrain to the caller (a retrain in progress)."""
    record = active_model(workspace)
    if record is None:
        return best_classifier()
    path = Path(record.path)
    try:
        return load_classifier(tier_of(path), path)
    except TierUnavailable as exc:
        logger.warning(
            "triage model v%s of workspace %s is kept but not used here: %s",
            record.version,
            record.workspace_id,
            exc,
        )
    except ModelFileError as exc:
        _retire(record, str(exc), relearn)
    return best_classifier()


def _retire(record: WorkspaceModel, reason: str, relearn: bool) -> None:
    """Unpromote `record` and every older promoted version (their files went when a newer one
    was promoted); the conditional update claims the retirement, so of several processes
    that fail to load the model together, one enqueues the retrain."""
    with transaction.atomic():
        claimed = WorkspaceModel.objects.filter(pk=record.pk, promoted=True).update(
            promoted=False, metrics={**record.metrics, "retired": reason}
        )
        WorkspaceModel.objects.filter(
            workspace_id=record.workspace_id, promoted=True, version__lt=record.version
        ).update(promoted=False)
    if not claimed:
        return
    logger.warning(
        "triage model v%s of workspace %s retired, retraining from its corrections: %s",
        record.version,
        record.workspace_id,
        reason,
    )
    if relearn:
        _retrain_soon(record.workspace_id)


def _retrain_soon(workspace_id: int) -> None:
    from porch.triage.tasks import retrain_workspace_model

    transaction.on_commit(lambda: retrain_workspace_model.enqueue(workspace_id))


def _trainer_and_base() -> tuple[Trainer, TrainableModel]:
    """Adapt the shipped transformer where it is installed, else the shipped fast model."""
    if best_tier() == "transformer":
        from porch.triage import transformer

        return transformer.adapt_intents, transformer.shipped_model()
    return adapt_intents, default_model()


def record_correction(
    workspace: Workspace,
    text: str,
    intent: str,
    user: User | None = None,
    retrain_soon: bool = True,
) -> TriageCorrection:
    if intent not in INTENTS:
        raise ValueError(f"unknown intent {intent!r}: choose one of {', '.join(INTENTS)}")
    correction = TriageCorrection.objects.create(
        workspace=workspace, text=text, intent=intent, created_by=user
    )
    if retrain_soon:
        _retrain_soon(workspace.pk)
    return correction


def retrain_workspace(workspace: Workspace, trainer: Trainer | None = None) -> WorkspaceModel:
    """Retrain from every correction; store the new version, promoted if not worse."""
    corrections = [
        Correction(row.text, row.intent)
        for row in TriageCorrection.objects.filter(workspace=workspace).order_by("id")
    ]
    trainer, base = (trainer, default_model()) if trainer else _trainer_and_base()
    current = classifier_for(workspace, relearn=False)
    outcome = retrain(corrections, current, base, trainer=trainer)
    last = WorkspaceModel.objects.filter(workspace=workspace).first()
    version = 1 if last is None else last.version + 1
    directory = model_dir(workspace, version)
    outcome.model.meta["version"] = outcome.model.version = f"workspace-{workspace.pk}-v{version}"
    shutil.rmtree(directory, ignore_errors=True)  # left by a database that was reset
    outcome.model.save(directory)
    record = WorkspaceModel.objects.create(
        workspace=workspace,
        version=version,
        path=str(directory),
        metrics=outcome.metrics,
        promoted=outcome.promoted,
    )
    _remove_unused_files(workspace, record)
    return record


def _remove_unused_files(workspace: Workspace, newest: WorkspaceModel) -> None:
    """Delete the files of every version but the one in use and the newest (a transformer
    version holds a 23 MB network, and each correction makes a version); rows stay."""
    keep = {record.pk for record in (active_model(workspace), newest) if record is not None}
    for old in WorkspaceModel.objects.filter(workspace=workspace).exclude(pk__in=keep):
        shutil.rmtree(model_dir(workspace, old.version), ignore_errors=True)
