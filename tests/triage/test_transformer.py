"""The transformer tier: the shipped ONNX model, the classify contract, broken model files,
learning from corrections."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from porch.bench.triage_evaluation import learning_curve
from porch.triage import lexicon, services
from porch.triage.base import INTENTS, SENTIMENTS
from porch.triage.fast import ModelFileError
from porch.triage.learning import Correction, as_examples, retrain
from porch.triage.loading import best_classifier, best_tier, default_model, load_classifier
from porch.triage.transformer import (
    ADAPTER_FILE,
    META_FILE,
    ONNX_FILE,
    SHIFT_FILE,
    SHIPPED_MODEL_DIR,
    TOKENIZER_FILE,
    TRAINERS,
    TUNED_FILE,
    adapt_term,
    fit_intent_adapter,
    load_model,
    shipped_model,
)

ANGRY = "@acme my order was due TODAY and never arrived. nobody answers the phone. useless!!"
DELIVERY = "@acme hi, do you deliver to Portobello? would love to order a cake for saturday"
PRAISE = "@acme best coffee in town, the staff are lovely. thank you!"
SPAM = "Get 10k followers fast!! DM now or visit growfast .com 🚀🚀"
HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_shipped_model_is_small_int8_and_the_best_installed_tier():
    meta = json.loads((SHIPPED_MODEL_DIR / META_FILE).read_text())
    assert meta["format"] == "porch-triage-transformer/1"
    assert meta["intents"] == list(INTENTS) and meta["sentiments"] == list(SENTIMENTS)
    assert meta["quantized"] and meta["int8_agreement"] >= 0.97
    assert (SHIPPED_MODEL_DIR / ONNX_FILE).stat().st_size < 30 * 2**20
    assert best_tier() == "transformer"
    assert best_classifier() is shipped_model() is load_classifier("transformer")
    assert shipped_model().version == meta["version"]


def test_results_keep_input_order_and_the_triage_contract():
    texts = [ANGRY, "thanks!", DELIVERY, PRAISE * 3, SPAM, "ok"]
    together = shipped_model().classify(texts)
    assert together == [shipped_model().classify([text])[0] for text in texts]
    for result in together:
        assert list(result.intent_scores) == list(INTENTS)
        assert abs(sum(result.intent_scores.values()) - 1) < 1e-3
        assert result.intent == max(result.intent_scores, key=result.intent_scores.__getitem__)
        assert result.sentiment in SENTIMENTS
        assert -1 <= result.sentiment_score <= 1 and 0 <= result.urgency <= 1


def test_clear_messages_get_the_intent_an_owner_expects():
    angry, delivery, praise, spam = shipped_model().classify([ANGRY, DELIVERY, PRAISE, SPAM])
    assert angry.intent == "complaint" and angry.sentiment == "negative"
    assert angry.sentiment_score < -0.3 and angry.sentiment_score < delivery.sentiment_score
    assert delivery.intent in {"lead", "question"}
    assert praise.intent == "praise" and praise.sentiment_score > 0.5
    assert spam.intent == "spam"


def test_safety_words_make_a_message_urgent_whatever_the_model_says():
    mild, allergic = shipped_model().classify(
        [
            "@acme the croissants were a bit dry today",
            "@acme my son had an allergic reaction to the cake you said was nut free",
        ]
    )
    assert allergic.urgency >= 0.9 > mild.urgency


def test_empty_and_very_long_input():
    assert shipped_model().classify([]) == []
    empty, long = shipped_model().classify(["", "the delivery was late again " * 400])
    assert empty.intent in INTENTS and long.intent in INTENTS


def test_a_saved_model_loads_back_the_same(tmp_path: Path):
    shipped_model().save(tmp_path / "copy")
    copy = load_model(tmp_path / "copy")
    assert copy.version == shipped_model().version
    assert copy.classify([ANGRY, DELIVERY]) == shipped_model().classify([ANGRY, DELIVERY])


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, target)
    return target


@pytest.mark.parametrize("missing", [ONNX_FILE, TOKENIZER_FILE, META_FILE])
def test_a_missing_file_is_named_in_one_clear_message(model_copy: Path, missing: str):
    (model_copy / missing).unlink()
    with pytest.raises(ModelFileError, match=f"{model_copy}.*{missing}.*retrain it") as caught:
        load_model(model_copy)
    assert "\n" not in str(caught.value)


def test_a_corrupt_onnx_file_is_refused(model_copy: Path):
    (model_copy / ONNX_FILE).write_bytes(b"this is not a model" * 100)
    with pytest.raises(ModelFileError, match=f"{ONNX_FILE}:"):
        load_model(model_copy)


def test_a_fast_model_directory_is_not_taken_for_a_transformer():
    from porch.triage.loading import DEFAULT_MODEL_DIR

    with pytest.raises(ModelFileError, match="not a model for this Porch's transformer tier"):
        load_model(DEFAULT_MODEL_DIR)


def porch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("porch")), "triage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PORCH_DATA": "/nonexistent/never/created"},
    )


def test_classify_uses_the_transformer_by_default():
    done = porch("classify", "-", stdin=json.dumps({"text": ANGRY}) + "\n")
    assert done.returncode == 0, done.stderr
    expected = shipped_model().classify([ANGRY])[0].as_json()
    got = json.loads(done.stdout)
    assert got["intent"] == expected["intent"] == "complaint"
    assert got["intent_scores"] == pytest.approx(expected["intent_scores"], abs=1e-3)


def test_a_broken_model_stops_classify_with_one_line(model_copy: Path):
    (model_copy / TOKENIZER_FILE).write_text("{not json")
    done = porch("classify", "-", "--tier", "transformer", "--model", str(model_copy), stdin="")
    assert done.returncode == 2
    assert done.stderr.startswith("porch triage: cannot load the triage model")
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_learning_curve_adapts_the_transformer_without_pytorch(tmp_path: Path):
    table = tmp_path / "labelled.csv"
    rows = [(f"@acme order {i} never came and nobody answers", "complaint") for i in range(8)]
    rows += [(f"@acme lovely visit number {i}, thanks!", "not") for i in range(8)]
    table.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in rows))
    done = porch(
        "eval", "learning-curve", str(table), "--tier", "transformer", "--k", "0,5", "--splits", "1"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["k=0", "k=5"]
    for line in lines:
        fields = dict(field.split("=") for field in line.split())
        assert 0.0 <= float(fields["macro_f1"]) <= 1.0
        assert 0.0 <= float(fields["without_corrections"]) <= 1.0
    assert dict(field.split("=") for field in lines[0].split())["promoted"] == "0/1"


# The bakery's regulars say "the usual" to order: a lead, which the shipped model takes for praise.
ORDERS = [
    Correction(f"@bakery put me down for the usual {item}", "lead")
    for item in ("loaf", "box", "tray", "dozen", "batch", "order", "set", "bake", "lot", "one")
]
UNSEEN = "@bakery put me down for the usual pair"


def test_corrections_adapt_the_transformer_and_the_result_loads_back(tmp_path: Path):
    base = shipped_model()
    assert base.classify([UNSEEN])[0].intent != "lead"
    outcome = retrain(ORDERS, base, base, TRAINERS)
    assert outcome.promoted
    # Both ways of learning were scored on held-back corrections; the best was kept.
    assert set(outcome.metrics["trainers"]) == {"adapt_term", "adapt_intents"}
    best = max(outcome.metrics["trainers"].values())
    assert outcome.metrics["trainers"][outcome.metrics["trainer"]] == best
    assert outcome.metrics["candidate_complaint_accuracy"] == best[0]
    assert outcome.metrics["candidate_accuracy"] == best[1]
    adapted = outcome.model
    assert adapted.classify([UNSEEN])[0].intent == "lead"
    # What the corrections did not touch stays: other intents, and sentiment and urgency.
    before, after = base.classify([ANGRY, PRAISE]), adapted.classify([ANGRY, PRAISE])
    assert [r.intent for r in after] == [r.intent for r in before] == ["complaint", "praise"]
    assert [(r.sentiment_score, r.urgency) for r in after] == [
        (r.sentiment_score, r.urgency) for r in before
    ]
    # The fine-tuned network, which learnt the phrasing (a fold's unseen item is a new word).
    assert outcome.metrics["trainer"] == "adapt_intents"
    assert (
        outcome.metrics["trainers"]["adapt_intents"][1]
        > outcome.metrics["trainers"]["adapt_term"][1]
    )
    adapted.save(tmp_path / "adapted")
    assert (tmp_path / "adapted" / TUNED_FILE).is_file()
    assert not (tmp_path / "adapted" / ADAPTER_FILE).exists()
    loaded = load_model(tmp_path / "adapted")
    assert loaded.classify([UNSEEN, ANGRY]) == adapted.classify([UNSEEN, ANGRY])


def test_the_fast_term_learns_saves_and_loads_and_only_fits_its_fast_model(tmp_path: Path):
    """adapt_term: the fast tier's term of the intent taught the corrections, the network as it
    is. The shift is columns of the fast model it was learnt on: after an upgrade that ships
    another, loading says so (and the workspace's model is retired and retrained)."""
    base = shipped_model()
    taught = adapt_term(base, as_examples(ORDERS))
    assert taught.shift is not None and taught.tuned is base.tuned
    orders = [c.text for c in ORDERS] + [UNSEEN]
    # The fast model learnt them, the unseen one too; beside a network sure of another answer
    # its term moves the scores, not (here) the answer: that is the network's to learn.
    learnt = taught.shift.applied_to(default_model())
    assert [r.intent for r in learnt.classify(orders)] == ["lead"] * len(orders)
    before, after = base.classify(orders), taught.classify(orders)
    assert all(
        a.intent_scores["lead"] > b.intent_scores["lead"] + 0.01
        for a, b in zip(after, before, strict=True)
    )
    assert np.array_equal(taught.run(orders)[0], base.run(orders)[0])  # the network's own
    taught.save(tmp_path / "taught")
    loaded = load_model(tmp_path / "taught")
    assert loaded.classify([*orders, ANGRY]) == taught.classify([*orders, ANGRY])
    meta_path = tmp_path / "taught" / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["shift"]["fast_version"] = "fast-0000000000000000"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=f"{SHIFT_FILE}.*fast-0000000000000000"):
        load_model(tmp_path / "taught")


@pytest.mark.parametrize("damage", ["wrong shape", "outside the features"])
def test_a_broken_shift_file_is_a_model_file_error(tmp_path: Path, damage: str):
    taught = adapt_term(shipped_model(), as_examples(ORDERS))
    taught.save(tmp_path)
    assert taught.shift is not None
    arrays = taught.shift.arrays()
    if damage == "wrong shape":
        arrays["weight"] = arrays["weight"][:, :3]
    else:
        arrays["columns"] = arrays["columns"] + 10**9
    np.savez(tmp_path / SHIFT_FILE, **arrays)  # type: ignore[arg-type]
    with pytest.raises(ModelFileError, match=SHIFT_FILE):
        load_model(tmp_path)


def test_the_linear_adapter_can_teach_that_shouting_is_a_complaint():
    """The network is uncased, so only the adapter's lexicon inputs (and, a little, the fast
    tier's say) tell shouting apart (fit_intent_adapter: the trainer of models without the
    hidden output)."""
    items = ("order", "parcel", "refund", "cake", "table", "voucher", "delivery", "booking")
    shouted = [Correction(f"@acme WHERE IS MY {item.upper()}?", "complaint") for item in items]
    calm = [Correction(f"@acme where is my {item}?", "question") for item in items]
    base = shipped_model()
    unseen = ["@acme WHERE IS MY INVOICE?", "@acme where is my invoice?"]
    network = base.run(unseen)[0][:, INTENTS.index("complaint")]
    assert network[0] == network[1]  # the network cannot hear it; the fast tier's say a little
    loud, quiet = (r.intent_scores["complaint"] for r in base.classify(unseen))
    adapted = fit_intent_adapter(base, as_examples(shouted + calm))
    loud_after, quiet_after = (r.intent_scores["complaint"] for r in adapted.classify(unseen))
    assert loud_after - quiet_after > (loud - quiet) + 0.2


def test_no_corrections_give_back_the_base_model_s_answers():
    base = shipped_model()
    outcome = retrain([], base, base, TRAINERS)
    assert outcome.model.classify([UNSEEN, ANGRY]) == base.classify([UNSEEN, ANGRY])


def test_the_learning_curve_rises_when_corrections_teach_something_new():
    items = ["loaf", "box", "tray", "dozen", "batch", "set", "bake", "lot", "pair", "round"]
    items += ["tin", "bag", "crate", "stack", "bundle", "slab", "ring", "plate", "pack", "roll"]
    texts = [f"@bakery put me down for the usual {item}" for item in items]
    texts += [f"@bakery the {item} was lovely, thank you!" for item in items]
    positive = np.array([True] * len(items) + [False] * len(items))
    curve = learning_curve(texts, positive, "lead", [0, 10], shipped_model(), 2, 0, TRAINERS)
    before, after = curve
    assert before.macro_f1 < 0.6 and after.macro_f1 > 0.9
    # Against the same rows without corrections, in both splits.
    assert after.without_corrections < 0.6 and after.promoted == after.splits == 2


def test_sentiment_mixes_in_the_fast_tier_then_lowers_neutral_as_model_json_says(
    model_copy: Path,
):
    from porch.triage.loading import default_model

    texts = [ANGRY, PRAISE, DELIVERY, "meh. it was fine I guess", "not bad at all"]
    shipped = shipped_model()
    share, offset = shipped.meta["fast_sentiment_share"], shipped.meta["neutral_offset"]
    assert 0.0 < share < 1.0 and offset > 0.0
    own, fast = shipped.run(texts)[1], default_model().scores(texts)[1]
    mixed = (1.0 - share) * own + share * fast
    neutral = mixed[:, 1] * np.exp(-offset)
    expected = mixed.copy()
    expected[:, 1] = neutral
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(shipped.scores(texts)[1], expected, atol=1e-6)
    meta = json.loads((model_copy / META_FILE).read_text())
    meta = {**meta, "fast_sentiment_share": 0.0, "neutral_offset": 0.0}
    (model_copy / META_FILE).write_text(json.dumps(meta))
    np.testing.assert_allclose(load_model(model_copy).scores(texts)[1], own, atol=1e-6)


def test_intent_adds_the_fast_tiers_log_probabilities_as_model_json_says(model_copy: Path):
    from porch.triage.loading import default_model

    texts = [ANGRY, PRAISE, DELIVERY, "is the shop open on sunday?", "do you do wedding cakes"]
    shipped = shipped_model()
    weight = shipped.meta["fast_intent_weight"]
    assert weight > 0.0
    meta = json.loads((model_copy / META_FILE).read_text())
    (model_copy / META_FILE).write_text(json.dumps({**meta, "fast_intent_weight": 0.0}))
    own = load_model(model_copy).scores(texts)[0]
    fast = default_model().scores(texts)[0]
    expected = own * fast**weight
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(shipped.scores(texts)[0], expected, atol=1e-5)
    assert not np.allclose(own, expected, atol=1e-3)  # the fast tier's say shows


def test_a_broken_adapter_is_refused(model_copy: Path):
    np.savez(model_copy / ADAPTER_FILE, weight=np.zeros((10, 6)), bias=np.zeros(6))
    with pytest.raises(ModelFileError, match=f"{ADAPTER_FILE}: its arrays are"):
        load_model(model_copy)
    np.savez(model_copy / ADAPTER_FILE, weight=np.array([{"code": "runs"}]), bias=np.zeros(6))
    with pytest.raises(ModelFileError, match=f"{ADAPTER_FILE}: .*allow_pickle"):
        load_model(model_copy)


@pytest.mark.django_db
def test_the_inbox_triages_with_the_transformer_until_a_workspace_learns(workspace):
    assert services.classifier_for(workspace) is shipped_model()


@pytest.mark.skipif(not HAS_TORCH, reason="training needs PyTorch (pip install torch==2.13.0)")
def test_fine_tuning_a_tiny_model_writes_a_loadable_model(tmp_path: Path):
    from porch.bench.train_transformer import (
        FineTuneSettings,
        TrainingUnavailable,
        train_and_export,
    )
    from porch.triage.corpus import load_corpus

    settings = FineTuneSettings(epochs=1, probe_epochs=0, max_length=16, quantize=False)
    try:
        meta = train_and_export(load_corpus()[::50], tmp_path, settings)
    except TrainingUnavailable as exc:
        pytest.skip(str(exc))
    model = load_model(tmp_path)
    assert model.version == meta["version"] and meta["training"]["examples_per_second"] > 0
    assert model.outputs == ["intent", "sentiment", "urgency", "pooled"]
    assert [r.intent in INTENTS for r in model.classify([ANGRY, PRAISE])] == [True, True]


def test_the_shipped_learnt_lexicon_is_what_distil_makes_from_the_shipped_model():
    shipped = lexicon.shipped()
    words = ["awful", "wonderful", "refund", "mouldy", "table", "tuesday", "yummy"]
    made = lexicon.distil(shipped_model(), words)
    # distil centres polarity on the median word of those it rates: compare differences. Each
    # word is run alone, so a word's rating does not depend on the list it was rated in. The
    # int8 network's sums are exact on a CPU with VNNI and saturate on one with AVX2 alone
    # (onnxruntime's kernels differ), so the file is remade only to within that spread on
    # another kind of CPU: up to 0.34 polarity and 0.18 neutrality was measured between an
    # AVX-512 VNNI machine and the one that made the file (ratings span about -4 to 2).
    for word in words:
        np.testing.assert_allclose(
            made[word][0] - made["table"][0], shipped[word][0] - shipped["table"][0], atol=0.45
        )
        np.testing.assert_allclose(made[word][1], shipped[word][1], atol=0.25)
    assert made["awful"][0] < made["mouldy"][0] < made["table"][0] < made["wonderful"][0]
    assert made["refund"][0] < made["tuesday"][0] < made["yummy"][0]
    assert lexicon.distil(shipped_model(), []) == {}


def test_distil_lexicon_writes_a_file_the_reader_takes(tmp_path: Path, monkeypatch):
    from click.testing import CliRunner

    from porch.cli import main

    every_word = lexicon.words_to_rate
    monkeypatch.setattr(lexicon, "words_to_rate", lambda *a: every_word(*a)[:40])
    target = tmp_path / "lexicon.tsv"
    done = CliRunner().invoke(main, ["triage", "distil-lexicon", "--out", str(target)])
    assert done.exit_code == 0, done.output
    assert "rated 40 words" in done.output
    assert len(lexicon.read(target)) == 40
