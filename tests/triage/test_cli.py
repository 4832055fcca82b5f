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
