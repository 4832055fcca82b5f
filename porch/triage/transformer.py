"""The transformer tier: a fine-tuned MiniLM served with onnxruntime and tokenizers.

No PyTorch here: training lives in transformer_train.py. A model is a directory of three
files, none of which can run code when loaded:

- ``model.onnx``: inputs ``input_ids`` and ``attention_mask`` (batch x sequence, int64),
  outputs ``intent`` (batch x 6 probabilities), ``sentiment`` (batch x 3) and ``urgency``;
- ``tokenizer.json``: the uncased BERT WordPiece tokenizer of the base model;
- ``model.json``: format, label order, version, max_length and training metadata.

Texts are sorted by length and run in batches, so padding costs little. Urgency is the
larger of the model's and the trigger-word floor (urgency.py), as in the fast tier.
"""

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from tokenizers import Tokenizer

from porch.config import env_int
from porch.triage.base import INTENTS, SENTIMENTS, Triage, results
from porch.triage.fast import ModelFileError
from porch.triage.features import featurise_with_dense

FORMAT = "porch-triage-transformer/1"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "model.json"
SHIPPED_MODEL_DIR = Path(__file__).with_name("models") / "transformer"
BATCH = 64
THREADS_VARIABLE = "PORCH_TRIAGE_THREADS"

Array = np.ndarray[Any, Any]


class TransformerModel:
    """classify(texts) -> [Triage] from a model's three files, held in memory."""

    tier = "transformer"

    def __init__(
        self, onnx: bytes, tokenizer_json: str, meta: dict[str, Any], threads: int = 0
    ) -> None:
        self.onnx, self.tokenizer_json, self.meta = onnx, tokenizer_json, meta
        self.version = str(meta.get("version", "unsaved"))
        self.session = _session(onnx, threads)
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(max_length=int(meta.get("max_length", 64)))
        self.tokenizer.no_padding()

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / ONNX_FILE).write_bytes(self.onnx)
        (directory / TOKENIZER_FILE).write_text(self.tokenizer_json, encoding="utf-8")
        meta = {**self.meta, "version": self.version}
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    def scores(self, texts: Sequence[str]) -> tuple[Array, Array, Array]:
        """Intent probabilities, sentiment probabilities and model urgency, in input order."""
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=True)
        lengths = np.array([len(e.ids) for e in encoded])
        order = np.argsort(lengths, kind="stable")
        intent = np.zeros((len(texts), len(INTENTS)), dtype=np.float32)
        sentiment = np.zeros((len(texts), len(SENTIMENTS)), dtype=np.float32)
        urgency = np.zeros(len(texts), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            width = int(lengths[chosen].max())
            ids = np.zeros((chosen.size, width), dtype=np.int64)
            mask = np.zeros((chosen.size, width), dtype=np.int64)
            for row, index in enumerate(chosen):
                ids[row, : lengths[index]] = encoded[index].ids
                mask[row, : lengths[index]] = 1
            out = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            intent[chosen], sentiment[chosen], urgency[chosen] = out[0], out[1], out[2]
        return intent, sentiment, urgency

    def classify(self, texts: Sequence[str]) -> list[Triage]:
        if not texts:
            return []
        intent, sentiment, model_urgency = self.scores(texts)
        urgency = np.maximum(
            np.clip(model_urgency, 0.0, 1.0), featurise_with_dense(texts).urgency_floor
        )
        polarity = np.clip(sentiment[:, 2] - sentiment[:, 0], -1.0, 1.0)
        return results(intent, sentiment, polarity, urgency)


def is_installed(path: Path = SHIPPED_MODEL_DIR) -> bool:
    """Whether a model directory holds all three files (the tier's libraries are imported)."""
    return all((path / name).is_file() for name in (ONNX_FILE, TOKENIZER_FILE, META_FILE))


def _session(onnx: bytes, threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(
        onnx, sess_options=options, providers=["CPUExecutionProvider"]
    )


def load_model(path: Path, threads: int | None = None) -> TransformerModel:
    """Load a model directory; ModelFileError says which file is missing or broken, and why."""
    directory = path.parent if path.is_file() else path
    if threads is None:
        threads = env_int(THREADS_VARIABLE, 0, low=0, high=256)  # 0: one per core
    where = META_FILE
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("intents") != list(INTENTS):
            raise ValueError("it is not a model for this Porch's transformer tier")
        where = TOKENIZER_FILE
        tokenizer_json = (directory / TOKENIZER_FILE).read_text(encoding="utf-8")
        where = ONNX_FILE
        model = TransformerModel(
            (directory / ONNX_FILE).read_bytes(), tokenizer_json, meta, threads
        )
        outputs = [output.name for output in model.session.get_outputs()]
        if outputs != ["intent", "sentiment", "urgency"]:
            raise ValueError(f"its outputs are {outputs}, not a triage model's")
    except Exception as exc:  # onnxruntime and tokenizers raise plain Exception subclasses
        raise ModelFileError(
            f"cannot load the triage model at {directory} (transformer tier, {where}: "
            f"{_reason(exc)}); "
            "reinstall Porch, or retrain it with 'porch triage train-transformer'"
        ) from None
    return model


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


@cache
def shipped_model() -> TransformerModel:
    """The model that ships with Porch, loaded once per process."""
    return load_model(SHIPPED_MODEL_DIR)


def load_classifier(path: Path | None = None) -> TransformerModel:
    """The entry point loading.load_classifier uses: the shipped model or the one at `path`."""
    return shipped_model() if path is None else load_model(path)
