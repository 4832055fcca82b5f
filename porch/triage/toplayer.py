"""The transformer's last encoder layer, mean pooling and intent head in numpy: forward and
backward, so an owner's corrections can fine-tune the network itself without PyTorch.

The shipped ONNX model also outputs ``hidden``, the input of its last layer (batch x sequence
x 384; porch/bench/expose_hidden.py added it). `TopLayer` recomputes what the graph does from
there on (BERT post-LayerNorm layer: 12-head self-attention, GELU feed-forward of 1536, then
mean pooling over the tokens and the intent head), from the int8 weights in ``top.npz``
(dequantised: int8 * per-column scale). The int8 graph also quantises its activations, so its
intent probabilities differ slightly from these (tests/triage/test_toplayer.py bounds it).

`fine_tune` learns low-rank adapters (LoRA, rank RANK) on the layer's six matrices plus a
change to the intent head, from the corrections mixed with a fixed replay sample of the corpus,
with Adam. Hidden states are computed once per text (the caller caches them). Gradients are
written by hand (`TopLayer.loss_and_gradients`) and checked against finite differences in the
tests.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

HEADS = 12
EPSILON = 1e-12
FROZEN = ("wq", "wk", "wv", "wo", "w1", "w2")
# The matrices fine-tuning adapts (the attention output and the feed-forward network).
MATRICES = ("wo", "w1", "w2")
BIASES = ("bq", "bk", "bv", "bo", "b1", "b2", "ln1_g", "ln1_b", "ln2_g", "ln2_b", "head_b")
RANK = 8
LORA_SCALE = 2.0  # alpha / rank, alpha = 16
MASKED = -1e4


def load_top_bytes(data: bytes) -> dict[str, Array]:
    """The frozen weights in `data` (top.npz's bytes), dequantised to float32."""
    return load_top(io.BytesIO(data))


def load_top(path: Path | io.BytesIO) -> dict[str, Array]:
    """The frozen weights in `path` (top.npz), dequantised to float32. ValueError if broken."""
    weights: dict[str, Array] = {}
    with np.load(path, allow_pickle=False) as arrays:
        for name in (*FROZEN, "head"):
            quantised, scale = arrays[name], arrays[name + "_scale"]
            if quantised.ndim != 2 or scale.shape != (quantised.shape[1],):
                raise ValueError(f"{name} is {quantised.shape} with scales {scale.shape}")
            weights[name] = quantised.astype(np.float32) * scale.astype(np.float32)
        for name in BIASES:
            weights[name] = arrays[name].astype(np.float32)
    width = weights["wq"].shape[0]
    wanted = {
        "wq": (width, width),
        "wk": (width, width),
        "wv": (width, width),
        "wo": (width, width),
        "w1": (width, weights["w1"].shape[1]),
        "w2": (weights["w1"].shape[1], width),
        "b1": (weights["w1"].shape[1],),
    }
    for name, shape in wanted.items():
        if weights[name].shape != shape:
            raise ValueError(f"{name} is {weights[name].shape}, not {shape}")
    if width % HEADS or weights["head"].shape[0] != width:
        raise ValueError(f"a width of {width} does not fit {HEADS} heads and the intent head")
    return weights


@dataclass
class Lora:
    """What fine-tuning learns: per matrix, A (in x RANK) and B (RANK x out), W += s * A @ B;
    and a change to the intent head's weight and bias."""

    a: dict[str, Array]
    b: dict[str, Array]
    head: Array
    head_b: Array

    @classmethod
    def zeros(cls, frozen: dict[str, Array], seed: int = 0, rank: int = RANK) -> "Lora":
        rng = np.random.default_rng(seed)
        a = {
            m: (
                rng.standard_normal((frozen[m].shape[0], rank)) / np.sqrt(frozen[m].shape[0])
            ).astype(np.float32)
            for m in MATRICES
        }
        b = {m: np.zeros((rank, frozen[m].shape[1]), np.float32) for m in MATRICES}
        return cls(a, b, np.zeros_like(frozen["head"]), np.zeros_like(frozen["head_b"]))

    def joined(self, other: "Lora") -> "Lora":
        """Both changes at once (W += s * (A1 @ B1 + A2 @ B2): the ranks add up): `other`
        learnt on top of this one's merged weights."""
        return Lora(
            {m: np.hstack((self.a[m], other.a[m])) for m in MATRICES},
            {m: np.vstack((self.b[m], other.b[m])) for m in MATRICES},
            self.head + other.head,
            self.head_b + other.head_b,
        )

    @property
    def rank(self) -> int:
        return int(self.a[MATRICES[0]].shape[1])

    def arrays(self) -> dict[str, Array]:
        out = {f"a_{m}": self.a[m] for m in MATRICES} | {f"b_{m}": self.b[m] for m in MATRICES}
        return out | {"head": self.head, "head_b": self.head_b}

    @classmethod
    def from_arrays(cls, arrays: Any, frozen: dict[str, Array]) -> "Lora":
        """From `arrays` (an npz), checked against `frozen`'s shapes: ValueError if they differ."""
        a = {m: np.asarray(arrays[f"a_{m}"], np.float32) for m in MATRICES}
        b = {m: np.asarray(arrays[f"b_{m}"], np.float32) for m in MATRICES}
        lora = cls(
            a, b, np.asarray(arrays["head"], np.float32), np.asarray(arrays["head_b"], np.float32)
        )
        first = a[MATRICES[0]]
        rank = first.shape[-1] if first.ndim == 2 else -1
        for m in MATRICES:
            rows, cols = frozen[m].shape
            if a[m].shape != (rows, rank) or b[m].shape != (rank, cols):
                raise ValueError(f"the adapter of {m} is {a[m].shape} and {b[m].shape}")
        if lora.head.shape != frozen["head"].shape or lora.head_b.shape != frozen["head_b"].shape:
            raise ValueError(f"the head change is {lora.head.shape} and {lora.head_b.shape}")
        if not all(np.isfinite(v).all() for v in lora.arrays().values()):
            raise ValueError("it holds values that are not finite")
        return lora


class TopLayer:
    """The last layer + pooling + intent head, with frozen weights and an optional Lora.

    Fine-tuning leaves the query, key and value matrices as they are, so each token's attention
    output (``context``, before the output matrix) is fixed: `attend` computes it once, and
    what follows is the same function of each token alone until the mean pooling. Training
    therefore runs on the tokens of a batch laid end to end, with no padding."""

    def __init__(self, frozen: dict[str, Array], lora: Lora | None = None) -> None:
        self.frozen, self.lora = frozen, lora
        self.width = frozen["wq"].shape[0]

    def merged(self) -> dict[str, Array]:
        """The effective weights: frozen + LoRA."""
        weights = dict(self.frozen)
        if self.lora is not None:
            for m in MATRICES:
                weights[m] = self.frozen[m] + LORA_SCALE * (self.lora.a[m] @ self.lora.b[m])
            weights["head"] = self.frozen["head"] + self.lora.head
            weights["head_b"] = self.frozen["head_b"] + self.lora.head_b
        return weights

    def logits(
        self, hidden: Sequence[Array], batch: int = 64, merged: dict[str, Array] | None = None
    ) -> Array:
        """Intent logits of each text's hidden states (sequence x width), in input order.
        `merged`: self.merged(), where the caller keeps it."""
        out = np.zeros((len(hidden), self.frozen["head"].shape[1]), np.float32)
        merged = self.merged() if merged is None else merged
        for rows in batches_by_length(hidden, batch):
            context = self.attend([hidden[i] for i in rows])
            tokens = Tokens.of([hidden[i] for i in rows], context)
            out[rows] = self._forward(tokens, merged, {})
        return out

    def attend(self, hidden: Sequence[Array]) -> list[Array]:
        """Each text's multi-head self-attention output before the output matrix (sequence x
        width): the frozen part of the layer. Texts of different lengths are padded and masked."""
        w = self.frozen
        x, mask = pad(hidden)
        n, t, d = x.shape
        dh = d // HEADS
        x2 = x.reshape(n * t, d)

        def heads(y: Array) -> Array:
            return y.reshape(n, t, HEADS, dh).transpose(0, 2, 1, 3)

        q = heads(x2 @ w["wq"] + w["bq"])
        k = heads(x2 @ w["wk"] + w["bk"])
        v = heads(x2 @ w["wv"] + w["bv"])
        scores = (q @ k.transpose(0, 1, 3, 2)) / x.dtype.type(np.sqrt(dh))
        scores = scores + np.where(mask, 0.0, MASKED).astype(x.dtype)[:, None, None, :]
        scores -= scores.max(axis=-1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=-1, keepdims=True)
        context = (p @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
        return [context[i, : h.shape[0]] for i, h in enumerate(hidden)]

    def _forward(self, tokens: "Tokens", w: dict[str, Array], saved: dict[str, Any]) -> Array:
        """Logits from the tokens' context and residual input; `saved` keeps what the backward
        pass needs (given a "train" key)."""
        attention = tokens.context @ w["wo"] + w["bo"]
        h1, ln1 = _layer_norm(attention + tokens.x, w["ln1_g"], w["ln1_b"])
        pre = h1 @ w["w1"] + w["b1"]
        f, phi_pre = _gelu(pre, "train" in saved)
        f2 = f @ w["w2"] + w["b2"]
        h2, ln2 = _layer_norm(f2 + h1, w["ln2_g"], w["ln2_b"])
        pooled = np.add.reduceat(h2, tokens.starts, axis=0) / tokens.counts[:, None]
        saved.update(h1=h1, ln1=ln1, f=f, phi_pre=phi_pre, ln2=ln2, pooled=pooled)
        result: Array = pooled @ w["head"] + w["head_b"]
        return result

    def loss_and_gradients(
        self, tokens: "Tokens", labels: Array, weights: Array, offset: Array | None = None
    ) -> tuple[Array, Lora]:
        """Each text's cross-entropy, and the gradient of sum(weights * cross-entropy) with
        respect to self.lora. `offset`: added to each text's logits (what else the model that
        classifies adds to this layer's: TransformerModel.fast_intent_term)."""
        assert self.lora is not None
        lora, w = self.lora, self.merged()
        v: dict[str, Any] = {"train": True}
        logits = self._forward(tokens, w, v)
        if offset is not None:
            logits = logits + offset
        n = len(labels)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        losses = -log_p[np.arange(n), labels]
        d_logits = np.exp(log_p)
        d_logits[np.arange(n), labels] -= 1.0
        d_logits *= weights[:, None].astype(d_logits.dtype)
        grads_a: dict[str, Array] = {}
        grads_b: dict[str, Array] = {}

        def linear_back(name: str, inputs: Array, d_out: Array, need_input: bool) -> Array:
            """LoRA gradients of out = inputs @ (W + s A B); d inputs if asked for."""
            grads_b[name] = LORA_SCALE * ((inputs @ lora.a[name]).T @ d_out)
            grads_a[name] = LORA_SCALE * (inputs.T @ (d_out @ lora.b[name].T))
            return d_out @ w[name].T if need_input else d_out[:0]

        d_head = v["pooled"].T @ d_logits
        d_head_b = d_logits.sum(axis=0)
        d_pooled = d_logits @ w["head"].T / tokens.counts[:, None]
        d_h2 = np.repeat(d_pooled, tokens.lengths, axis=0)
        d_sum2 = _layer_norm_back(d_h2, w["ln2_g"], v["ln2"])
        d_pre = linear_back("w2", v["f"], d_sum2, True) * v["phi_pre"]
        d_h1 = d_sum2 + linear_back("w1", v["h1"], d_pre, True)
        d_sum1 = _layer_norm_back(d_h1, w["ln1_g"], v["ln1"])
        linear_back("wo", tokens.context, d_sum1, False)
        return losses, Lora(grads_a, grads_b, d_head, d_head_b)


@dataclass(frozen=True)
class Tokens:
    """A batch of texts' tokens laid end to end: residual input x, attention context, and
    where each text starts."""

    x: Array
    context: Array
    lengths: Array
    starts: Array
    counts: Array

    @classmethod
    def of(cls, hidden: Sequence[Array], context: Sequence[Array]) -> "Tokens":
        lengths = np.array([h.shape[0] for h in hidden])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        x = np.concatenate(hidden)
        return cls(
            x, np.concatenate(context).astype(x.dtype), lengths, starts, lengths.astype(x.dtype)
        )


def _layer_norm(x: Array, gain: Array, bias: Array) -> tuple[Array, tuple[Array, Array]]:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    inverse = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + EPSILON)
    normed = centred * inverse
    return normed * gain + bias, (normed, inverse)


def _layer_norm_back(d_y: Array, gain: Array, saved: tuple[Array, Array]) -> Array:
    normed, inverse = saved
    d_n = d_y * gain
    result: Array = inverse * (
        d_n
        - d_n.mean(axis=-1, keepdims=True)
        - normed * (d_n * normed).mean(axis=-1, keepdims=True)
    )
    return result


def _gelu(x: Array, derivative: bool) -> tuple[Array, Array | None]:
    """GELU by its tanh approximation (within 5e-4 of the erf GELU the graph computes, and
    thirty times faster in numpy), and its derivative if asked for."""
    kind = x.dtype.type
    inner = kind(np.sqrt(2.0 / np.pi)) * (x + kind(0.044715) * x * x * x)
    tanh = np.tanh(inner)
    value = kind(0.5) * x * (1 + tanh)
    if not derivative:
        return value, None
    slope = kind(np.sqrt(2.0 / np.pi)) * (1 + kind(3 * 0.044715) * x * x)
    return value, kind(0.5) * (1 + tanh) + kind(0.5) * x * (1 - tanh * tanh) * slope


def pad(hidden: Sequence[Array]) -> tuple[Array, Array]:
    """Hidden states of different lengths as one zero-padded batch and its token mask."""
    longest = max(h.shape[0] for h in hidden)
    x = np.zeros((len(hidden), longest, hidden[0].shape[1]), hidden[0].dtype)
    mask = np.zeros((len(hidden), longest), bool)
    for i, h in enumerate(hidden):
        x[i, : h.shape[0]] = h
        mask[i, : h.shape[0]] = True
    return x, mask


def batches_by_length(hidden: Sequence[Array], size: int) -> list[Array]:
    """Row indices in batches of `size`, texts of similar length together (less padding)."""
    order = np.argsort([h.shape[0] for h in hidden], kind="stable")
    return [order[i : i + size] for i in range(0, len(order), size)]


@dataclass(frozen=True)
class Settings:
    epochs: int = 4
    learning_rate: float = 1e-3
    batch: int = 32
    # Replayed corpus texts an epoch, as a share of the corrections (and at least min_replay).
    replay_share: float = 0.5
    min_replay: int = 32
    min_steps: int = 30
    weight_decay: float = 0.0
    stop_loss: float = 0.02  # mean loss on the corrections under which training stops
    seed: int = 0


DEFAULT_SETTINGS = Settings()


def fine_tune(
    frozen: dict[str, Array],
    hidden: Sequence[Array],
    labels: Array,
    replay_hidden: Sequence[Array],
    replay_labels: Array,
    settings: "Settings | None" = None,
    start: Lora | None = None,
    offsets: tuple[Array, Array] | None = None,
) -> Lora:
    """LoRA and head change learnt by Adam on the corrections (`hidden`, `labels`) and the
    replay sample, starting from `start` (or zero change: the shipped network). `offsets`:
    the corrections' and the replayed texts' logit offsets (loss_and_gradients)."""
    settings = settings or DEFAULT_SETTINGS
    layer = TopLayer(frozen, start or Lora.zeros(frozen, settings.seed))
    assert layer.lora is not None
    every = [*hidden, *replay_hidden]
    context = [c for rows in batches_by_length(every, 64) for c in _attend_rows(layer, every, rows)]
    order = np.concatenate(batches_by_length(every, 64)) if every else np.zeros(0, int)
    contexts: list[Array] = [np.zeros(0)] * len(every)
    for i, c in zip(order, context, strict=True):
        contexts[i] = c
    label = np.concatenate([labels, replay_labels]).astype(np.int64)
    offset = None if offsets is None else np.concatenate(offsets).astype(np.float32)
    # Each epoch replays a fresh draw from the replay sample: replay_share as many texts as
    # corrections (at least min_replay), each weighing as much as a correction.
    wanted = max(round(settings.replay_share * len(hidden)), settings.min_replay)
    replayed = min(len(replay_hidden), wanted)
    rng = np.random.default_rng(settings.seed)
    moments = {key: np.zeros_like(value) for key, value in layer.lora.arrays().items()}
    squares = {key: np.zeros_like(value) for key, value in layer.lora.arrays().items()}
    step, size = 0, settings.batch
    # Few corrections make short epochs: at least min_steps updates in all.
    per_epoch = -(-(len(hidden) + replayed) // size)
    epochs = max(settings.epochs, -(-settings.min_steps // max(per_epoch, 1)))
    for _ in range(epochs):
        drawn = len(hidden) + rng.choice(len(replay_hidden), replayed, replace=False)
        epoch = rng.permutation(np.concatenate([np.arange(len(hidden)), drawn]))
        correction_loss = 0.0
        for start_at in range(0, len(epoch), size):
            rows = epoch[start_at : start_at + size]
            tokens = Tokens.of([every[i] for i in rows], [contexts[i] for i in rows])
            # The mean over the epoch's texts, a batch at a time.
            batch_weight = np.full(len(rows), 1.0 / size, np.float32)
            losses, grads = layer.loss_and_gradients(
                tokens, label[rows], batch_weight, None if offset is None else offset[rows]
            )
            correction_loss += float(losses[rows < len(hidden)].sum())
            step += 1
            _adam(layer.lora, grads, moments, squares, step, settings)
        if correction_loss / max(len(hidden), 1) < settings.stop_loss:
            break
    return layer.lora


def _attend_rows(layer: TopLayer, every: Sequence[Array], rows: Array) -> list[Array]:
    return layer.attend([every[i] for i in rows])


def _adam(
    lora: Lora,
    grads: Lora,
    moments: dict[str, Array],
    squares: dict[str, Array],
    step: int,
    settings: Settings,
    beta1: float = 0.9,
    beta2: float = 0.999,
) -> None:
    params, gradients = lora.arrays(), grads.arrays()
    rate = settings.learning_rate * np.sqrt(1 - beta2**step) / (1 - beta1**step)
    for key, param in params.items():
        g = gradients[key]
        moments[key] = beta1 * moments[key] + (1 - beta1) * g
        squares[key] = beta2 * squares[key] + (1 - beta2) * g * g
        param -= (rate * moments[key] / (np.sqrt(squares[key]) + 1e-8)).astype(np.float32)
        if settings.weight_decay:
            param *= np.float32(1.0 - settings.learning_rate * settings.weight_decay)
