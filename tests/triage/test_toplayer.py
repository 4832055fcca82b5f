"""The transformer's last layer in numpy (porch/triage/toplayer.py) and fine-tuning it on an
owner's corrections (transformer.tune_intents)."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from porch.triage import toplayer
from porch.triage.corpus import Example, load_corpus
from porch.triage.fast import ModelFileError

transformer = pytest.importorskip("porch.triage.transformer")
if not transformer.is_installed():  # pragma: no cover
    pytest.skip("no shipped transformer model", allow_module_level=True)

QUICK = toplayer.Settings(epochs=4, min_steps=30)


def _small_layer(rng: np.random.Generator, heads: int) -> toplayer.TopLayer:
    """A random float64 layer of width 24 (heads x 6), with a random, non-zero LoRA."""
    d, ff = 24, 48
    shapes = {"wq": (d, d), "wk": (d, d), "wv": (d, d), "wo": (d, d), "w1": (d, ff)}
    frozen = {name: rng.standard_normal(shape) * 0.3 for name, shape in shapes.items()}
    frozen |= {"w2": rng.standard_normal((ff, d)) * 0.3, "head": rng.standard_normal((d, 6))}
    for name, size in dict(bq=d, bk=d, bv=d, bo=d, b1=ff, b2=d, ln1_b=d, ln2_b=d).items():
        frozen[name] = rng.standard_normal(size) * 0.1
    frozen |= {"head_b": rng.standard_normal(6) * 0.1}
    frozen |= {"ln1_g": 1 + 0.1 * rng.standard_normal(d), "ln2_g": 1 + 0.1 * rng.standard_normal(d)}
    lora = toplayer.Lora.zeros(frozen, seed=0, rank=3)
    for name in toplayer.MATRICES:
        lora.a[name] = lora.a[name].astype(np.float64)
        lora.b[name] = np.asarray(rng.standard_normal(lora.b[name].shape) * 0.2)
    lora.head, lora.head_b = rng.standard_normal((d, 6)) * 0.1, rng.standard_normal(6) * 0.1
    return toplayer.TopLayer(frozen, lora)


def test_hand_written_gradients_match_finite_differences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toplayer, "HEADS", 4)
    rng = np.random.default_rng(1)
    layer = _small_layer(rng, 4)
    hidden = [rng.standard_normal((n, 24)) for n in (5, 3, 7)]  # different lengths: padded
    tokens = toplayer.Tokens.of(hidden, layer.attend(hidden))
    labels, weights = np.array([0, 3, 5]), np.array([1.0, 0.5, 2.0])
    offset = rng.standard_normal((3, 6))  # what the fast tier adds to the logits
    losses, grads = layer.loss_and_gradients(tokens, labels, weights, offset)
    # The loss is the cross-entropy of what classifying the texts gives.
    logits = layer.logits(hidden) + offset
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert np.allclose(losses, -log_p[np.arange(3), labels])
    assert layer.lora is not None
    analytic = grads.arrays()
    for key, array in layer.lora.arrays().items():
        for _ in range(3):
            index = tuple(int(rng.integers(0, size)) for size in array.shape)
            old = array[index]
            array[index] = old + 1e-5
            up = float(
                (weights * layer.loss_and_gradients(tokens, labels, weights, offset)[0]).sum()
            )
            array[index] = old - 1e-5
            down = float(
                (weights * layer.loss_and_gradients(tokens, labels, weights, offset)[0]).sum()
            )
            array[index] = old
            numeric = (up - down) / 2e-5
            assert numeric == pytest.approx(analytic[key][index], rel=1e-4, abs=1e-7), key


def test_a_padded_batch_gives_each_text_what_it_gets_alone() -> None:
    model = transformer.shipped_model()
    _, _, _, hidden = model.run_hidden(["ok", "my order never came and nobody answers the phone"])
    layer = toplayer.TopLayer(model.frozen())
    together = layer.logits(hidden)
    alone = np.vstack([layer.logits([h]) for h in hidden])
    assert np.allclose(together, alone, atol=1e-4)


def _labelled(count: int, offset: int = 0) -> list[Example]:
    examples = [e for e in load_corpus() if e.intent is not None]
    return examples[offset :: max(len(examples) // count, 1)][:count]


def test_numpy_top_layer_reproduces_the_onnx_intents() -> None:
    """The int8 graph quantises activations too, so the numpy layer is close, not equal
    (on 500 corpus texts, on a CPU with VNNI: largest difference 0.014, mean 0.0006, the same
    intent for every text). On a CPU with AVX2 alone onnxruntime's int8 sums saturate, so the
    graph's own intents move (see the learnt-lexicon test): the bounds leave room for that,
    and a wrong layer still fails them (it would not pick the same intent for 9 texts in 10)."""
    model = transformer.shipped_model()
    texts = [e.text for e in _labelled(60, offset=3)]
    onnx_intent, _, _, hidden = model.run_hidden(texts)
    logits = toplayer.TopLayer(model.frozen()).logits(hidden)
    ours = np.exp(logits - logits.max(axis=1, keepdims=True))
    ours /= ours.sum(axis=1, keepdims=True)
    assert np.abs(ours - onnx_intent).max() < 0.3
    assert np.abs(ours - onnx_intent).mean() < 0.03
    assert (ours.argmax(axis=1) == onnx_intent.argmax(axis=1)).mean() >= 0.9


@pytest.fixture(scope="module")
def tuned() -> tuple[Any, list[Example]]:
    """The shipped model fine-tuned on eight corrections that call questions and complaints
    from the corpus leads."""
    model = transformer.shipped_model()
    picked = [e for e in _labelled(300, offset=1) if e.intent in ("question", "complaint")][:8]
    corrections = [Example(e.text, "lead") for e in picked]
    return transformer.tune_intents(model, corrections, QUICK), corrections


def test_corrections_change_the_network_and_replay_keeps_the_corpus(
    tuned: tuple[Any, list[Example]],
) -> None:
    model, corrections = tuned
    base = transformer.shipped_model()
    assert [r.intent for r in base.classify([c.text for c in corrections])].count("lead") <= 2
    after = [r.intent for r in model.classify([c.text for c in corrections])]
    assert after.count("lead") >= 6
    assert model.tuned is not None and model.meta["tuned"]["corrections"] == 8
    others = _labelled(120, offset=7)
    texts = [e.text for e in others]
    right_before = sum(
        r.intent == e.intent for r, e in zip(base.classify(texts), others, strict=True)
    )
    right_after = sum(
        r.intent == e.intent for r, e in zip(model.classify(texts), others, strict=True)
    )
    assert right_after >= right_before - 0.05 * len(others)
    # Sentiment and urgency stay the network's.
    probe = ["The app crashed again and I lost my booking!!"]
    assert model.classify(probe)[0].sentiment == base.classify(probe)[0].sentiment


def test_a_tuned_model_saves_and_loads(tuned: tuple[Any, list[Example]], tmp_path: Path) -> None:
    model, corrections = tuned
    model.save(tmp_path)
    assert (tmp_path / transformer.TUNED_FILE).is_file()
    assert (tmp_path / transformer.TOP_FILE).is_file()
    loaded = transformer.load_model(tmp_path)
    texts = [c.text for c in corrections]
    assert loaded.tuned is not None
    assert np.allclose(loaded.scores(texts)[0], model.scores(texts)[0], atol=1e-6)
    assert loaded.version == model.version


@pytest.mark.parametrize("damage", ["garbage", "wrong shape", "not finite"])
def test_a_broken_tuned_file_is_a_model_file_error(
    tuned: tuple[Any, list[Example]], tmp_path: Path, damage: str
) -> None:
    model, _ = tuned
    model.save(tmp_path)
    path = tmp_path / transformer.TUNED_FILE
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not an npz")
    else:
        assert model.tuned is not None
        arrays = model.tuned.arrays()
        if damage == "wrong shape":
            arrays["a_w1"] = arrays["a_w1"][:-1]
        else:
            arrays["head_b"] = np.full_like(arrays["head_b"], np.nan)
        np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=transformer.TUNED_FILE):
        transformer.load_model(tmp_path)


def test_a_model_without_the_hidden_output_still_learns_by_an_adapter() -> None:
    base = transformer.shipped_model()
    plain = transformer.TransformerModel(base.onnx, base.tokenizer_json, base.meta, base.threads)
    assert plain.top is None
    corrections = [Example("do you deliver to Leeds on Sundays", "lead")] * 3
    adapted = transformer.adapt_intents(plain, corrections)
    assert adapted.adapter is not None and adapted.tuned is None


def test_a_change_learnt_on_top_of_another_is_both_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An owner's retrain learns on the shipped tuning's merged weights; joined, the two
    changes classify as the second did on top of the first."""
    monkeypatch.setattr(toplayer, "HEADS", 4)
    rng = np.random.default_rng(3)
    first = _small_layer(rng, 4)
    second = _small_layer(rng, 4).lora
    assert first.lora is not None and second is not None
    hidden = [rng.standard_normal((n, 24)) for n in (4, 6)]
    on_top = toplayer.TopLayer(first.merged(), second).logits(hidden)
    joined = first.lora.joined(second)
    assert joined.rank == first.lora.rank + second.rank
    assert np.allclose(toplayer.TopLayer(first.frozen, joined).logits(hidden), on_top)


def test_corrections_learn_on_top_of_the_shipped_tuning(
    tuned: tuple[Any, list[Example]],
) -> None:
    model, _ = tuned
    shipped = transformer.shipped_model()
    assert shipped.tuned is not None and model.tuned is not None
    assert model.tuned.rank == shipped.tuned.rank + toplayer.RANK
    # The shipped change is kept as it was; the owner's is beside it.
    assert np.array_equal(model.tuned.a["w1"][:, : shipped.tuned.rank], shipped.tuned.a["w1"])
    assert model.meta["tuned"]["rank"] == model.tuned.rank
