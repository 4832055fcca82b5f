"""Choosing and loading a classifier: `load_classifier(tier, path)`.

The fast tier's default model ships in porch/triage/trained/default/. The transformer tier
lives in porch.triage.transformer (onnxruntime and tokenizers, part of a default install; its
model in porch/triage/trained/transformer/); asking for it when that module cannot be imported
(an install without them) raises TierUnavailable with what to install. `best_tier()` is the
transformer tier where it is installed, else the fast one: the inbox, `make demo` and
`porch triage classify` use it by default.
"""

import importlib
from functools import cache, lru_cache
from pathlib import Path
from typing import cast

from porch.errors import Unavailable
from porch.triage.base import Classifier
from porch.triage.fast import FastModel, load_model

DEFAULT_MODEL_DIR = Path(__file__).with_name("trained") / "default"
TIERS = ("fast", "transformer")


class TierUnavailable(Unavailable):
    """The tier asked for is unknown or its code or dependencies are not installed."""


@cache
def default_model() -> FastModel:
    """The shipped fast model, loaded once per process."""
    return load_model(DEFAULT_MODEL_DIR)


@cache
def best_tier() -> str:
    """ "transformer" where its libraries and shipped model are installed, else "fast"."""
    try:
        from porch.triage.transformer import is_installed
    except ImportError:
        return "fast"
    return "transformer" if is_installed() else "fast"


def tier_of(path: Path) -> str:
    """The tier a model directory (or one of its files) was made for, from the files in it."""
    directory = path.parent if path.is_file() else path
    return "transformer" if (directory / "model.onnx").is_file() else "fast"


def best_classifier() -> Classifier:
    """The shipped model of the best installed tier, loaded once per process."""
    return load_classifier(best_tier())


def load_classifier(tier: str = "fast", path: Path | None = None) -> Classifier:
    """The classifier of `tier`, from the model at `path` or the tier's default.

    A model at a path is loaded once per process and kept while its model.json is unchanged
    (a workspace's retrained versions each have a directory of their own), so triaging each
    synced batch does not read the model from disk again.
    """
    if path is None:
        return _load(tier, None)
    directory = path.parent if path.is_file() else path
    try:
        stamp = (directory / "model.json").stat().st_mtime_ns
    except OSError:
        stamp = 0  # let the tier's loader say what is missing
    return _load_at(tier, path, stamp)


@lru_cache(maxsize=32)
def _load_at(tier: str, path: Path, stamp: int) -> Classifier:
    return _load(tier, path)


def _load(tier: str, path: Path | None) -> Classifier:
    if tier == "fast":
        return default_model() if path is None else load_model(path)
    if tier == "transformer":
        try:
            module = importlib.import_module("porch.triage.transformer")
        except ImportError as exc:
            raise TierUnavailable(
                "the transformer tier is not available here "
                f"({exc}): install Porch's requirements (pip install -r requirements/base.txt), "
                "or use --tier fast"
            ) from None
        return cast(Classifier, module.load_classifier(path))
    raise TierUnavailable(f"unknown tier {tier!r}: choose one of {', '.join(TIERS)}")
