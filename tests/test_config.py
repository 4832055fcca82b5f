"""Settings are read strictly: a bad value stops start-up with one line naming it."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from porch import config
from porch.config import ConfigError


def test_bad_integer_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORCH_PORT", "eighty")
    with pytest.raises(ConfigError, match="PORCH_PORT='eighty' is not a whole number"):
        config.env_int("PORCH_PORT", 8000, 1, 65535)


def test_out_of_range_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORCH_PORT", "70000")
    with pytest.raises(ConfigError, match=r"expected 1\.\.65535"):
        config.env_int("PORCH_PORT", 8000, 1, 65535)


def test_boolean_accepts_words_and_refuses_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORCH_DEBUG", "yes")
    assert config.env_bool("PORCH_DEBUG", False) is True
    monkeypatch.setenv("PORCH_DEBUG", "maybe")
    with pytest.raises(ConfigError, match="use true or false"):
        config.env_bool("PORCH_DEBUG", False)


def test_wrong_database_url_says_what_form_to_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/porch")
    with pytest.raises(ConfigError, match="use postgres://"):
        config.database(tmp_path)


def test_postgres_url_is_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://porch:pw@db.example:5433/porch")
    parsed = config.database(tmp_path)
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"]) == ("db.example", 5433, "porch")


def test_sqlite_is_the_default_under_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database(tmp_path)["NAME"] == str(tmp_path / "porch.sqlite3")


def test_key_file_is_made_once_and_private(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PORCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORCH_SECRET_KEY_FILE", raising=False)
    first = config.secret_key(tmp_path)
    assert config.secret_key(tmp_path) == first
    assert len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORCH_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="PORCH_SECRET_KEY is too short"):
        config.secret_key(tmp_path)


def test_secret_from_file_variant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PORCH_SMTP_PASSWORD", raising=False)
    (tmp_path / "pw").write_text("s3cret\n")
    monkeypatch.setenv("PORCH_SMTP_PASSWORD_FILE", str(tmp_path / "pw"))
    assert config.env_secret("PORCH_SMTP_PASSWORD") == "s3cret"


def porch(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PORCH_DATA": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "porch.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_prints_one_line_for_a_bad_setting(tmp_path: Path) -> None:
    done = porch("migrate", env={"PORCH_PORT": "abc"}, tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "porch: PORCH_PORT='abc' is not a whole number"


def test_cli_says_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    done = porch(
        "migrate", env={"DATABASE_URL": "postgres://porch@127.0.0.1:1/porch"}, tmp_path=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.startswith("porch: cannot open the database (DATABASE_URL)")
    assert "Traceback" not in done.stderr


def test_the_readme_lists_every_setting_with_its_default() -> None:
    """Every PORCH_* variable Porch reads is in README.md's settings table; whole-number
    settings with the default they have in the code."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text().split("## Settings (environment)", 1)[1]
    rows: dict[str, str] = {}
    for row in (line for line in readme.splitlines() if line.startswith("| `")):
        names = re.findall(r"`([A-Z_][A-Z0-9_]*)`", row.split("|")[1])
        for name in names:  # `PORCH_SMTP_HOST`, `_PORT`: the same prefix
            full = name if not name.startswith("_") else names[0].rsplit("_", 1)[0] + name
            rows[full] = row
    code = "\n".join(path.read_text() for path in (root / "porch").rglob("*.py"))
    read = set(re.findall(r"\"(PORCH_(?!TEST_)[A-Z0-9_]+)\"", code))
    assert read - rows.keys() == set()
    for name, default in re.findall(r"env_int\(\s*\"(PORCH_[A-Z0-9_]+)\",\s*(\d+)", code):
        assert re.search(rf"\b{default}\b", rows[name]), (name, default)
