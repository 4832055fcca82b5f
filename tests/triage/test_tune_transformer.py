"""Tuning the shipped transformer on the corpus and the IBM dev split (porch triage
tune-transformer, porch/bench/tune_transformer.py)."""

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from porch.bench.triage_evaluation import EvaluationError
from porch.triage.base import INTENTS
from porch.triage.corpus import Example

transformer = pytest.importorskip("porch.triage.transformer")
if not transformer.is_installed():  # pragma: no cover
    pytest.skip("no shipped transformer model", allow_module_level=True)

from porch.bench.tune_transformer import ibm_examples, tune_shipped  # noqa: E402
from porch.triage.fast import ModelFileError  # noqa: E402

# A few corpus-like examples of every intent: what the test tunes on beside the dev turns, the
# same whatever lines the shipped corpus gains.
CORPUS = [
    Example("@AskShop do you open on sundays?", "question"),
    Example("@AskShop lovely service today, thank you", "praise"),
    Example("@AskShop my parcel arrived smashed", "complaint"),
    Example("@AskShop can I book a fitting for saturday?", "lead"),
    Example("follow @promo4u for free gift cards", "spam"),
    Example("off to the shops later", "other"),
]
COMPLAINTS = [
    "@AskShop third week waiting on a refund, two DMs and nothing back",
    "@AskShop your app logged me out mid payment and charged me twice",
]


def _ibm(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny IBM-shaped set: a dev split (two brands and a game studio) and its labels."""
    turns = {
        "s1": ("AskShop", [("client", COMPLAINTS[0]), ("agent", "Sorry, please DM us")]),
        "s2": ("AskShop", [("client", COMPLAINTS[1]), ("client", "thanks, sorted now")]),
        "s3": ("MojangSupport", [("client", "@MojangSupport banned for nothing")]),
    }
    conversations = [
        {
            "dialogHeader": {"company": company, "sessionID": session},
            "dialogContent": [
                {who: "someone", "message": text, "tweet_ID": f"{session}{n}"}
                for n, (who, text) in enumerate(rows)
            ],
        }
        for session, (company, rows) in turns.items()
    ]
    data, labels = tmp_path / "ibm", tmp_path / "labels"
    data.mkdir()
    labels.mkdir()
    (data / "dev.json").write_text(json.dumps(conversations))
    (labels / "ibm_dev_labels.tsv").write_text(
        "split\tsession_id\tturn\ttweet_id\tlabel\n"
        "dev\ts1\t0\ts10\tcomplaint\ndev\ts1\t1\ts11\tnot\n"
        "dev\ts2\t0\ts20\tcomplaint\ndev\ts2\t1\ts21\tnot\ndev\ts3\t0\ts30\tcomplaint\n"
    )
    # The test split is the proxy: tuning never reads it.
    (labels / "ibm_test_labels.tsv").write_text(
        "split\tsession_id\tturn\ttweet_id\tlabel\ntest\tt1\t0\tt10\tcomplaint\n"
    )
    return data, labels


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(transformer.SHIPPED_MODEL_DIR, target)
    return target


def test_tuning_learns_the_dev_split_and_gives_the_same_files_again(
    tmp_path: Path, model_copy: Path
) -> None:
    data, labels = _ibm(tmp_path)
    corpus = CORPUS
    network = transformer.load_model(model_copy)
    network.tuned = None

    note = tune_shipped(model_copy, data, labels, corpus)
    # The customers' turns of the dev split only: not the brand's, not the game studio's.
    assert (note["ibm_examples"], note["ibm_complaints"], note["ibm_weight"]) == (3, 2, 5)
    assert note["corpus_examples"] == len(corpus)
    tuned = transformer.load_model(model_copy)
    assert tuned.tuned is not None and tuned.version == note["version"]
    assert tuned.version.startswith(note["network_version"] + "-tuned-")
    meta = json.loads((model_copy / transformer.META_FILE).read_text())
    assert meta["shipped_tuning"]["ibm_split"] == "dev" and meta["version"] == note["version"]
    # It learnt the dev complaints: their complaint log-odds rose from the network's (the
    # scores themselves are close to 1 for both).
    complaint = INTENTS.index("complaint")

    def log_odds(model: Any) -> float:
        score = model.scores(COMPLAINTS)[0][:, complaint].astype(np.float64)
        return float(np.mean(np.log(score) - np.log1p(-score)))

    assert log_odds(tuned) > log_odds(network)
    # Sentiment stays the network's.
    assert np.allclose(tuned.scores(COMPLAINTS)[1], network.scores(COMPLAINTS)[1], atol=1e-6)

    first = (model_copy / transformer.TUNED_FILE).read_bytes()
    again = tune_shipped(model_copy, data, labels, corpus)
    assert (model_copy / transformer.TUNED_FILE).read_bytes() == first
    assert again["version"] == note["version"]
    assert again["network_version"] == note["network_version"]


def test_the_dev_turns_are_labelled_by_the_network_alone_whatever_the_fast_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast model learns from these labels: they must not need it (after distil-lexicon
    the fast model on disk is stale until train-default has run, which reads them)."""
    data, labels = _ibm(tmp_path)
    network = transformer.load_model(transformer.SHIPPED_MODEL_DIR)
    network.tuned = None

    def stale() -> None:
        raise ModelFileError("built for other feature settings: retrain it")

    monkeypatch.setattr(transformer, "_fast_model", stale)
    thanks = "thanks, sorted now"
    own = INTENTS[int(network.run([thanks])[0].argmax())]
    assert {e.text: e.intent for e in ibm_examples(network, data, labels)} == {
        COMPLAINTS[0]: "complaint",
        COMPLAINTS[1]: "complaint",
        thanks: own if own != "complaint" else "other",
    }


def test_a_missing_dev_split_is_one_clear_error(tmp_path: Path, model_copy: Path) -> None:
    _, labels = _ibm(tmp_path)
    before = (model_copy / transformer.TUNED_FILE).read_bytes()
    with pytest.raises(EvaluationError, match="cannot read the IBM customer-care set"):
        tune_shipped(model_copy, tmp_path / "nowhere", labels, [Example("hi", "other")])
    assert (model_copy / transformer.TUNED_FILE).read_bytes() == before


def test_the_shipped_model_classifies_intents_through_its_tuning() -> None:
    model = transformer.shipped_model()
    assert model.tuned is not None
    assert model.meta["shipped_tuning"]["ibm_split"] == "dev"
    assert model.version.startswith(model.meta["shipped_tuning"]["network_version"] + "-tuned-")
