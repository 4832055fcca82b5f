"""Choosing and loading a classifier: `load_classifier(tier, path)`.

The fast tier's default model ships in porch/triage/models/default/. The transformer tier
lives in porch.triage.transformer (the optional `porch[transformer]` extra); asking for it
when that module cannot be imported raises TierUnavailable with what to install.
"""

import importlib
from functools import cache
from pathlib import Path
from typing import cast

from porch.triage.base import Classifier
from porch.triage.fast import FastModel, load_model

DEFAULT_MODEL_DIR = Path(__file__).with_name("models") / "default"
TIERS = ("fast", "transformer")


class TierUnavailable(Exception):
    """The tier asked for is unknown or its code or dependencies are not installed."""


@cache
def default_model() -> FastModel:
    """The shipped fast model, loaded once per process."""
    return load_model(DEFAULT_MODEL_DIR)


def load_classifier(tier: str = "fast", path: Path | None = None) -> Classifier:
    """The classifier of `tier`, from the model at `path` or the tier's default."""
    if tier == "fast":
        return default_model() if path is None else load_model(path)
    if tier == "transformer":
        try:
            module = importlib.import_module("porch.triage.transformer")
        except ImportError as exc:
            raise TierUnavailable(
                "the transformer tier is not available here "
                f"({exc}): install Porch with the 'transformer' extra, or use --tier fast"
            ) from None
        return cast(Classifier, module.load_classifier(path))
    raise TierUnavailable(f"unknown tier {tier!r}: choose one of {', '.join(TIERS)}")
