"""Triage for a workspace: its classifier, recording corrections, retraining.

`record_correction` stores what the owner said and enqueues `retrain_workspace_model`;
the task calls `retrain_if_new` (nothing when the newest version already learnt from every
correction), which calls `retrain_workspace`: learning.retrain against the shipped model,
stored as the workspace's next model version, promoted or not.

A workspace without a model of its own uses the best installed tier (loading.best_tier: the
transformer where onnxruntime is installed, as it is by default). Where that tier is
installed, corrections teach the fast term of the shipped transformer's intent
(transformer.adapt_term) or fine-tune its last layer (transformer.adapt_intents), whichever
does better on held-back corrections, complaints first (learning.retrain; seconds, no
PyTorch); elsewhere they fit an adapter on the shipped fast model.

A workspace model that this Porch can no longer load (made for other feature settings before
an upgrade, or its files gone) is retired: the shipped model serves in its place, and one
retrain from the stored corrections is enqueued, so nothing the owner taught is lost and the
inbox never stops on it. A model of a tier this process lacks (onnxruntime installed in the
worker but not in the web process) is not retired, as the worker would only make
another: the shipped model of the installed tier serves, and a warning says why.

What the owner sees of it (the inbox settings page): `learning_summary`, and `undo_retrain`
(owner or manager), which stops using the model in use, so the version promoted before it (or
the shipped model) serves again; the undone version is never promoted again, and the next
correction retrains from every correction as usual. So that undo can go back, the files of
the version promoted before the one in use are kept too.
"""

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from porch.errors import Conflict, NotAllowed
from porch.triage.base import INTENTS, Classifier
from porch.triage.fast import TRAINERS, ModelFileError
from porch.triage.learning import FOLDS, Correction, TrainableModel, Trainer, retrain
from porch.triage.loading import (
    TierUnavailable,
    best_classifier,
    best_tier,
    default_model,
    load_classifier,
    tier_of,
)
from porch.triage.models import TriageCorrection, WorkspaceModel
from porch.workspaces.models import Membership, Role, Workspace

logger = logging.getLogger(__name__)


def model_dir(workspace: Workspace, version: int) -> Path:
    return Path(settings.DATA_DIR) / "models" / str(workspace.pk) / f"v{version}"


def active_model(workspace: Workspace) -> WorkspaceModel | None:
    """The model in use: the newest promoted version, never one an owner undid."""
    promoted = WorkspaceModel.objects.filter(workspace=workspace, promoted=True)
    return promoted.exclude(metrics__has_key="undone").first()


def _promoted_before(record: WorkspaceModel) -> WorkspaceModel | None:
    """The version that serves again when `record` is undone (None: the shipped model)."""
    earlier = WorkspaceModel.objects.filter(
        workspace_id=record.workspace_id, promoted=True, version__lt=record.version
    )
    return earlier.exclude(metrics__has_key="undone").first()


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
    """Unpromote `record` and every older promoted version (all but the one before it lost
    their files when a newer one was promoted); the conditional update claims the retirement,
    so of several processes that fail to load the model together, one enqueues the retrain."""
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
        _retrain_soon(record.workspace_id, force=True)


def _retrain_soon(workspace_id: int, force: bool = False) -> None:
    """Enqueue a retrain; `force`: even if the newest version learnt from every correction (a
    retired model's corrections must be learnt again)."""
    from porch.triage.tasks import retrain_workspace_model

    transaction.on_commit(lambda: retrain_workspace_model.enqueue(workspace_id, force))


def _trainers_and_base() -> tuple[Sequence[Trainer], TrainableModel]:
    """Adapt the shipped transformer where it is installed, else the shipped fast model."""
    if best_tier() == "transformer":
        from porch.triage import transformer

        return transformer.TRAINERS, transformer.shipped_model()
    return TRAINERS, default_model()


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


def retrain_if_new(workspace: Workspace, force: bool = False) -> WorkspaceModel | None:
    """What the background task runs: a retrain, unless the newest version already learnt
    from every correction there is (each correction enqueues one, so a run of corrections
    makes one version, not one each); `force` retrains anyway (after a retirement). None when
    there is nothing to learn from."""
    newest_correction = (
        TriageCorrection.objects.filter(workspace=workspace)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if newest_correction is None:
        return None
    last = WorkspaceModel.objects.filter(workspace=workspace).first()
    if (
        not force
        and last is not None
        and "retired" not in last.metrics
        and last.metrics.get("last_correction") == newest_correction
    ):
        return last
    return retrain_workspace(workspace)


def retrain_workspace(workspace: Workspace, trainer: Trainer | None = None) -> WorkspaceModel:
    """Retrain from every correction; store the new version, promoted if not worse.

    The yardstick is the shipped model, which was taught none of the corrections: a version
    in use was taught them all, so it would sort them right by heart while the new version is
    scored on corrections held back from it, and nothing newer would ever be put in use. Each
    version is fitted from the shipped model on every correction, so it is a fair "before"."""
    rows = list(TriageCorrection.objects.filter(workspace=workspace).order_by("id"))
    corrections = [Correction(row.text, row.intent) for row in rows]
    trainers, base = ((trainer,), default_model()) if trainer else _trainers_and_base()
    outcome = retrain(corrections, base, base, trainers)
    outcome.metrics["last_correction"] = rows[-1].pk if rows else None
    record = _claim_next_version(workspace, outcome.metrics)
    directory = model_dir(workspace, record.version)
    outcome.model.meta["version"] = outcome.model.version = (
        f"workspace-{workspace.pk}-v{record.version}"
    )
    shutil.rmtree(directory, ignore_errors=True)  # left by a database that was reset
    outcome.model.save(directory)
    # In use only once its files are all there; until then other retrains leave them alone.
    record.metrics, record.promoted = outcome.metrics, outcome.promoted
    record.save(update_fields=["metrics", "promoted"])
    _remove_unused_files(workspace, record)
    return record


SAVING = "saving"  # in a version's metrics while its retrain writes its files


def _claim_next_version(workspace: Workspace, metrics: dict[str, object]) -> WorkspaceModel:
    """The row of the workspace's next version, not promoted yet. Two workers retraining the
    same workspace at once each get their own version (the unique version constraint decides),
    so neither writes into the other's files."""
    for _ in range(20):
        last = WorkspaceModel.objects.filter(workspace=workspace).first()
        version = 1 if last is None else last.version + 1
        try:
            with transaction.atomic():
                return WorkspaceModel.objects.create(
                    workspace=workspace,
                    version=version,
                    path=str(model_dir(workspace, version)),
                    metrics={**metrics, SAVING: True},
                    promoted=False,
                )
        except IntegrityError:
            continue  # another worker took this version meanwhile
    raise Conflict("Too many retrains of this workspace at once: try again in a minute.")


def _remove_unused_files(workspace: Workspace, newest: WorkspaceModel) -> None:
    """Delete the files of every version but the one in use, the one promoted before it (an
    undo goes back to it) and the newest (a transformer version holds a 23 MB network, and
    each correction makes a version); rows stay."""
    in_use = active_model(workspace)
    before = None if in_use is None else _promoted_before(in_use)
    keep = {record.pk for record in (in_use, before, newest) if record is not None}
    unused = WorkspaceModel.objects.filter(workspace=workspace).exclude(pk__in=keep)
    for old in unused.exclude(metrics__has_key=SAVING):  # not another retrain's, mid-way
        shutil.rmtree(model_dir(workspace, old.version), ignore_errors=True)


# What the owner sees of the learning, and undoing a retrain.


@dataclass(frozen=True)
class Retrain:
    """One retrain as the owner reads it: how the new version and the shipped model (taught
    none of them) sorted the owner's corrections. With FOLDS corrections or more, each
    correction was sorted by a version fitted without it (`held_back`: the figure says how
    it does on messages it was not taught); with fewer, on the corrections it was fitted on."""

    version: int
    at: datetime
    promoted: bool  # it replaced the version in use (it may have been undone since)
    corrections: int
    held_back: bool
    right: int  # how many of `corrections` the new version sorted right
    before: int  # how many the shipped model sorted right, before it learnt from the owner
    # The same for complaint or not (None for retrains of a Porch that did not count them).
    complaints_right: int | None = None
    complaints_before: int | None = None
    undone_at: datetime | None = None
    undone_by: str = ""
    retired: bool = False  # this Porch could not load it: relearnt from the corrections

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True)
class Learnt:
    """The inbox list's line: how many corrections exist and how many the model in use
    learnt from (0: the shipped model serves)."""

    corrections: int
    learnt_from: int


@dataclass(frozen=True)
class LearningSummary:
    """What the inbox settings page says about what triage learnt from the corrections."""

    corrections: int
    learnt_from: int
    in_use: Retrain | None  # the version in use; None: the shipped model
    last: Retrain | None  # the newest retrain, in use or not
    waiting: int  # corrections no retrain has seen yet (one is on its way)
    can_undo: bool
    undone: Retrain | None = None  # the newest undone version, if newer than the one in use

    @property
    def retrain_waiting(self) -> bool:
        return self.waiting > 0


def learnt(workspace: Workspace) -> Learnt:
    """Two queries at most (the inbox list shows it on every load)."""
    corrections = TriageCorrection.objects.filter(workspace=workspace).count()
    in_use = active_model(workspace) if corrections else None
    return Learnt(corrections, _learnt_from(in_use))


def learning_summary(workspace: Workspace) -> LearningSummary:
    corrections = TriageCorrection.objects.filter(workspace=workspace).count()
    newest = WorkspaceModel.objects.filter(workspace=workspace).first()
    in_use = active_model(workspace)
    seen = 0 if newest is None else int(newest.metrics.get("corrections", 0))
    return LearningSummary(
        corrections=corrections,
        learnt_from=_learnt_from(in_use),
        in_use=None if in_use is None else _retrain(in_use),
        last=None if newest is None else _retrain(newest),
        waiting=max(corrections - seen, 0),
        can_undo=in_use is not None and _can_go_back(in_use),
        undone=_undone_since(workspace, in_use),
    )


def _undone_since(workspace: Workspace, in_use: WorkspaceModel | None) -> Retrain | None:
    """The version an owner undid last, unless a newer one has been in use since."""
    found = WorkspaceModel.objects.filter(workspace=workspace, metrics__has_key="undone")
    if in_use is not None:
        found = found.filter(version__gt=in_use.version)
    record = found.first()
    return None if record is None else _retrain(record)


def _learnt_from(in_use: WorkspaceModel | None) -> int:
    return 0 if in_use is None else int(in_use.metrics.get("corrections", 0))


def _retrain(record: WorkspaceModel) -> Retrain:
    """The stored metrics as counts (accuracy x corrections: the hits they were made of)."""
    metrics = record.metrics
    count = int(metrics.get("corrections", 0))
    undone_at = metrics.get("undone_at")
    return Retrain(
        version=record.version,
        at=record.created_at,
        promoted=record.promoted or "undone" in metrics or "retired" in metrics,
        corrections=count,
        held_back=int(metrics.get("folds", 1)) >= FOLDS,
        right=round(float(metrics.get("candidate_accuracy", 0.0)) * count),
        before=round(float(metrics.get("current_accuracy", 0.0)) * count),
        complaints_right=_count(metrics.get("candidate_complaint_accuracy"), count),
        complaints_before=_count(metrics.get("current_complaint_accuracy"), count),
        undone_at=datetime.fromisoformat(undone_at) if undone_at else None,
        undone_by=str(metrics.get("undone_by", "")),
        retired="retired" in metrics,
    )


def _count(accuracy: float | None, count: int) -> int | None:
    return None if accuracy is None else round(float(accuracy) * count)


def _can_go_back(in_use: WorkspaceModel) -> bool:
    """The version before `in_use` can serve: the shipped model, or one whose files are kept
    (an older version's were removed when newer ones came; see _remove_unused_files)."""
    before = _promoted_before(in_use)
    return before is None or Path(before.path).is_dir()


def undo_retrain(
    workspace: Workspace, member: Membership, version: int | None = None
) -> WorkspaceModel:
    """Stop using the model in use (owner or manager): the version promoted before it, or the
    shipped model, serves again. The undone row keeps its files until the next retrain, is
    marked {"undone": true, "undone_at", "undone_by"} and is never promoted again; the
    corrections stay, and the next one retrains as usual. `version`: the one the page showed
    in use; if a retrain put another in use since, nothing is undone (Conflict). Returns the
    undone row."""
    if member.workspace_id != workspace.pk:
        raise NotAllowed("This is not your workspace.")
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can undo what Porch learnt.")
    record = active_model(workspace)
    if record is None:
        raise Conflict("There is no change to undo: Porch sorts as it came.")
    if version is not None and record.version != version:
        raise Conflict(
            "Porch learnt something new since you opened this page: nothing was undone. "
            "Read what it learnt below, then undo again if you want to."
        )
    if not _can_go_back(record):
        raise Conflict("Porch cannot go back further: the version before is no longer kept.")
    marked = {
        **record.metrics,
        "undone": True,
        "undone_at": timezone.now().isoformat(),
        "undone_by": member.user.email,
    }
    claimed = WorkspaceModel.objects.filter(pk=record.pk, promoted=True).update(
        promoted=False, metrics=marked
    )
    if not claimed:
        raise Conflict("This change was undone already.")
    record.refresh_from_db()
    return record
