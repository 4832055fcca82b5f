"""Tuning the shipped transformer on the corpus and the IBM dev split (porch triage
tune-transformer, porch/bench/tune_transformer.py)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from porch.bench.triage_evaluation import EvaluationError
from porch.triage.base import INTENTS
from porch.triage.corpus import Example, load_corpus

transformer = pytest.importorskip("porch.triage.transformer")
if not transformer.is_installed():  # pragma: no cover
    pytest.skip("no shipped transformer model", allow_module_level=True)

from porch.bench.tune_transformer import tune_shipped  # noqa: E402

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
    corpus = [e for e in load_corpus() if e.intent is not None][::800]
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
    # It learnt the dev complaints: their complaint scores rose from the network's.
    complaint = INTENTS.index("complaint")
    assert tuned.scores(COMPLAINTS)[0][:, complaint].mean() > (
        network.scores(COMPLAINTS)[0][:, complaint].mean()
    )
    # Sentiment stays the network's.
    assert np.allclose(tuned.scores(COMPLAINTS)[1], network.scores(COMPLAINTS)[1], atol=1e-6)

    first = (model_copy / transformer.TUNED_FILE).read_bytes()
    again = tune_shipped(model_copy, data, labels, corpus)
    assert (model_copy / transformer.TUNED_FILE).read_bytes() == first
    assert again["version"] == note["version"]
    assert again["network_version"] == note["network_version"]


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
