"""The `porch triage classify` contract, run as a real subprocess (no database needed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest


def porch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "porch.cli", "triage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PORCH_DATA": "/nonexistent/never/created"},
    )


def test_csv_rows_come_back_in_order_with_error_rows(tmp_path: Path):
    source = tmp_path / "mentions.csv"
    source.write_text(
        "id,body\n"
        "1,@acme my order never arrived and nobody answers the phone\n"
        "2,\n"
        '3,"@acme do you deliver to Leith, and how much for a 3 tier cake?"\n'
        "4,   \n"
    )
    done = porch("classify", str(source), "--text-column", "body")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["intent"] == "complaint" and set(rows[0]) == {
        "intent",
        "intent_scores",
        "sentiment",
        "sentiment_score",
        "urgency",
    }
    assert "error" in rows[1] and "error" in rows[3]
    assert rows[2]["intent"] in {"lead", "question"}
    assert abs(sum(rows[0]["intent_scores"].values()) - 1) < 1e-3
    assert -1 <= rows[0]["sentiment_score"] <= 1 and 0 <= rows[0]["urgency"] <= 1


def test_json_lines_from_stdin_are_sniffed():
    lines = [
        {"text": "@acme the cake was amazing, thank you so much! highly recommend"},
        {"other": 1},
        {"text": "hi"},
    ]
    done = porch("classify", "-", stdin="\n".join(json.dumps(line) for line in lines))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [("error" in row) for row in rows] == [False, True, False]
    assert rows[0]["intent"] == "praise" and rows[0]["sentiment"] == "positive"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["classify", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
        (["classify", "-", "--tier", "transformer", "--model", "/no/such"], "transformer tier"),
        (["classify", "-", "--model", "/no/such/model"], "cannot load the triage model"),
    ],
)
def test_unreadable_input_stops_with_one_line(args: list[str], says: str):
    done = porch(*args, stdin="")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_column_stops_with_one_line(tmp_path: Path):
    source = tmp_path / "rows.csv"
    source.write_text("body\nhello\n")
    done = porch("classify", str(source))
    assert done.returncode == 2 and "no column 'text'" in done.stderr


AIRLINE_LIKE = (
    "text,airline_sentiment\n"
    + "".join(
        f"@skyways my bag never arrived and flight {n} was a mess,negative\n" for n in range(12)
    )
    + "".join(f"@skyways lovely crew on flight {n} thank you,positive\n" for n in range(12))
)


def test_a_learning_curve_takes_the_label_that_marks_a_complaint(tmp_path: Path):
    """Sentiment-labelled files (the airline set) name the label that counts as a complaint."""
    source = tmp_path / "airline.csv"
    source.write_text(AIRLINE_LIKE)
    base = ["eval", "learning-curve", str(source), "--label-column", "airline_sentiment"]
    done = porch(*base, "--positive-label", "negative", "--k", "0,5", "--splits", "1")
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["k=0", "k=5"]
    # The fast model tells these complaints from the thanks: a real score, not 0 or 1/2.
    assert float(done.stdout.split()[1].split("=")[1]) > 0.8

    wrong = porch(*base, "--positive-label", "angry", "--k", "0", "--splits", "1")
    assert wrong.returncode == 2
    assert "no row is labelled 'angry'" in wrong.stderr and "negative, positive" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_the_proxy_set_joins_porchs_labels_with_the_ibm_texts(tmp_path: Path):
    data = tmp_path / "ibm"
    data.mkdir()
    conversations = [
        {
            "dialogHeader": {"company": company, "sessionID": session},
            "dialogContent": [
                {who: name, "message": text, "tweet_ID": f"{session}{n}"}
                for n, (who, name, text) in enumerate(turns)
            ],
        }
        for company, session, turns in (
            (
                "AskShop",
                "s1",
                [
                    ("client", "ann", "@AskShop my parcel never came"),
                    ("agent", "AskShop", "Sorry Ann, please DM us"),
                    ("client", "ann", "DM sent"),
                ],
            ),
            ("MojangSupport", "s2", [("client", "bo", "@MojangSupport banned for nothing")]),
        )
    ]
    (data / "test.json").write_text(json.dumps(conversations))
    # The dev split trains the shipped transformer: the proxy never holds it.
    dev = [{**conversations[0], "dialogHeader": {"company": "AskShop", "sessionID": "d1"}}]
    (data / "dev.json").write_text(json.dumps(dev))
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "ibm_test_labels.tsv").write_text(
        "split\tsession_id\tturn\ttweet_id\tlabel\n"
        "test\ts1\t0\ts10\tcomplaint\ntest\ts1\t1\ts11\tnot\ntest\ts1\t2\ts12\tnot\n"
        "test\ts2\t0\ts20\tcomplaint\n"
    )
    (labels / "ibm_dev_labels.tsv").write_text(
        "split\tsession_id\tturn\ttweet_id\tlabel\ndev\td1\t0\td10\tcomplaint\n"
    )
    out = tmp_path / "proxy.csv"
    done = porch("eval", "proxy-set", str(out), "--data", str(data), "--labels", str(labels))
    assert done.returncode == 0, done.stderr
    assert "2 rows, 1 complaints" in done.stdout
    # The customer's turns only: not the brand's answer, not the game studios' conversations.
    assert out.read_text().splitlines() == [
        "text,label",
        "@AskShop my parcel never came,complaint",
        "DM sent,not",
    ]

    missing = porch(
        "eval", "proxy-set", str(out), "--data", str(tmp_path / "nowhere"), "--labels", str(labels)
    )
    assert missing.returncode == 2 and "cannot read the IBM customer-care set" in missing.stderr
