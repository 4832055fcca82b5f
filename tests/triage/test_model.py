"""The fast model: shipped, loadable without pickle, reproducible, and right on clear cases."""

import importlib.util
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from porch.triage.corpus import load_corpus
from porch.triage.fast import (
    META_FILE,
    WEIGHTS_FILE,
    ModelFileError,
    TrainingSettings,
    load_model,
    train,
)
from porch.triage.loading import DEFAULT_MODEL_DIR, TierUnavailable, default_model, load_classifier

CLEAR = {
    "complaint": "@acme my parcel never arrived and nobody replies to my emails. awful service",
    "question": "@acme what time do you open on sundays?",
    "praise": "@acme best coffee in town, the staff are lovely. thank you!",
    "lead": "@acme how much would a birthday cake for 30 people cost? we'd like to order one",
    "spam": "Get 10k followers fast!! DM now or visit growfast .com 🚀🚀",
}


@pytest.fixture(scope="module")
def small_corpus():
    return load_corpus()[::6]


def test_shipped_model_files_hold_no_pickles():
    with zipfile.ZipFile(DEFAULT_MODEL_DIR / WEIGHTS_FILE) as archive:
        assert sorted(archive.namelist()) == [
            "bias.npy",
            "char_idf.npy",
            "columns.npy",
            "weights.npy",
            "word_idf.npy",
        ]
    with np.load(DEFAULT_MODEL_DIR / WEIGHTS_FILE, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    meta = json.loads((DEFAULT_MODEL_DIR / META_FILE).read_text())
    assert meta["format"].startswith("porch-triage-fast/")


@pytest.mark.parametrize(("intent", "text"), CLEAR.items())
def test_clear_examples_get_the_right_intent(intent: str, text: str):
    assert default_model().classify([text])[0].intent == intent


def test_sentiment_follows_the_words():
    good, bad, plain = default_model().classify(
        [
            "@acme absolutely love it, thank you so much!",
            "@acme worst service ever, disgusting",
            "@acme ok",
        ]
    )
    assert good.sentiment == "positive" and good.sentiment_score > 0.3
    assert bad.sentiment == "negative" and bad.sentiment_score < -0.3
    assert plain.sentiment_score > bad.sentiment_score


def test_safety_legal_and_leaving_are_more_urgent_than_a_gripe():
    gripe, *serious = default_model().classify(
        [
            "@acme the croissants were a bit small today",
            "@acme my son had an allergic reaction to your cookies, they said nut free",
            "@acme I have passed this to my lawyer",
            "@acme cancel my account. now.",
        ]
    )
    assert all(result.urgency > gripe.urgency + 0.2 for result in serious)


def test_saved_model_loads_and_agrees(tmp_path: Path, small_corpus):
    model = train(small_corpus)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    texts = [example.text for example in load_corpus()[1::50]]
    assert [r.as_json() for r in loaded.classify(texts)] == [
        r.as_json() for r in model.classify(texts)
    ]


def test_training_is_reproducible(small_corpus):
    first, second = train(small_corpus), train(small_corpus)
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.bias, second.bias)
    assert first.version == second.version


@pytest.mark.parametrize(
    "setting, value",
    [("word_bits", 3), ("learnt_lexicon", "0123456789abcdef"), ("dense", ["lexicon_compound"])],
)
def test_a_model_for_other_features_is_refused(tmp_path: Path, setting: str, value: object):
    target = tmp_path / "m"
    default_model().save(target)
    meta = json.loads((target / META_FILE).read_text())
    meta["features"][setting] = value
    (target / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="other feature settings"):
        load_model(target)


def test_transformer_tier_says_what_is_missing():
    if importlib.util.find_spec("porch.triage.transformer") is not None:
        pytest.skip("the transformer tier is installed here")
    with pytest.raises(TierUnavailable, match="transformer"):
        load_classifier("transformer")
    with pytest.raises(TierUnavailable, match="unknown tier"):
        load_classifier("psychic")


def test_general_chatter_teaches_sentiment_but_no_intent(tmp_path: Path):
    lines: list[dict[str, str | None]] = [
        {"text": "@shop my order never came", "intent": "complaint", "sentiment": "negative"},
        {"text": "@shop thank you, lovely cake", "intent": "praise", "sentiment": "positive"},
        {"text": "rain again, great", "intent": None, "sentiment": "negative"},
        {"text": "a broken line", "intent": "nonsense", "sentiment": "neutral"},
    ]
    (tmp_path / "mixed.jsonl").write_text(
        "\n".join(json.dumps({**line, "urgency": 0.1}) for line in lines) + "\n"
    )
    examples = load_corpus(tmp_path)
    assert [(e.text, e.intent) for e in examples] == [
        ("@shop my order never came", "complaint"),
        ("@shop thank you, lovely cake", "praise"),
        ("rain again, great", None),
    ]
    model = train(examples * 3, TrainingSettings(min_df=1))
    result = model.classify(["rain again, great"])[0]
    # Only the two labelled intents were taught: the chatter did not become "other".
    assert result.intent in {"complaint", "praise"}
    assert result.intent_scores["other"] < 0.01
    assert result.sentiment == "negative"


def test_a_model_at_a_path_is_loaded_once_until_it_changes(tmp_path: Path):
    default_model().save(tmp_path / "m")
    first = load_classifier("fast", tmp_path / "m")
    assert load_classifier("fast", tmp_path / "m") is first
    meta = tmp_path / "m" / META_FILE
    stat = meta.stat()
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_classifier("fast", tmp_path / "m") is not first


def test_neutral_is_lowered_by_the_offset_in_model_json_and_plain_questions_stay_neutral(
    tmp_path: Path,
):
    texts = ["@acme ok", CLEAR["question"], "@acme do you have oat milk?", CLEAR["complaint"]]
    shipped = default_model()
    assert shipped.meta["neutral_offset"] > 0.0
    target = tmp_path / "m"
    shipped.save(target)
    meta = json.loads((target / META_FILE).read_text())
    (target / META_FILE).write_text(json.dumps({**meta, "neutral_offset": 0.0}))
    lowered, unlowered = shipped.scores(texts)[1], load_model(target).scores(texts)[1]
    np.testing.assert_allclose(lowered.sum(axis=1), 1.0, rtol=1e-6)
    assert (lowered[:, 1] < unlowered[:, 1]).all()
    # Negative and positive keep their ratio: only neutral moved.
    np.testing.assert_allclose(
        lowered[:, 0] / lowered[:, 2], unlowered[:, 0] / unlowered[:, 2], rtol=1e-5
    )
    sentiments = [result.sentiment for result in shipped.classify(texts)]
    assert sentiments[1:] == ["neutral", "neutral", "negative"]
