"""Bad settings, flags and failures outside Porch print one line, never a traceback."""

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User

from porch import config
from porch.cli import main, use_port
from porch.workspaces.models import Workspace
from tests.conftest import free_port
from tests.test_config import porch


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"DATABASE_URL": "sqlite://"}, "porch: DATABASE_URL names no SQLite file"),
        ({"PORCH_LOG_LEVEL": "LOUD"}, "porch: PORCH_LOG_LEVEL='LOUD' is not one of: debug, info"),
        ({"PORCH_EMAIL_BACKEND": "nope.Backend"}, "porch: PORCH_EMAIL_BACKEND='nope.Backend'"),
        ({"PORCH_PUBLIC_URL": "localhost:8000"}, "porch: PORCH_PUBLIC_URL='localhost:8000' is not"),
        ({"PORCH_PUBLIC_URL": "https://porch.example:99999"}, "porch: PORCH_PUBLIC_URL="),
    ],
)
def test_a_bad_setting_is_one_line(env: dict[str, str], says: str, tmp_path: Path) -> None:
    assert one_line(porch("migrate", env=env, tmp_path=tmp_path)).startswith(says)


def test_serve_refuses_zero_threads(tmp_path: Path) -> None:
    port = str(free_port())
    done = porch(
        "serve", "--threads", "0", "--port", port, "--no-worker", env={}, tmp_path=tmp_path
    )
    assert "'--threads': 0 is not in the range 1<=x<=256" in one_line_of_usage(done)


def one_line_of_usage(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2 and "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_the_report_pdf_in_a_missing_folder_is_one_line(
    workspace: Workspace, tmp_path: Path
) -> None:
    where = tmp_path / "missing" / "x.pdf"
    done = CliRunner().invoke(main, ["report", "--week", "2026-W47", "--pdf", str(where)])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.exception
    assert done.output.strip().splitlines()[-1] == (
        f"Error: cannot write {where}: No such file or directory"
    )


def test_the_report_email_with_the_mail_server_down_is_one_line(
    workspace: Workspace, owner: User, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    done = CliRunner().invoke(main, ["report", "--week", "2026-W47", "--email"])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.exception
    last = done.output.strip().splitlines()[-1]
    assert last.startswith("Error: the report was not emailed: Connection refused")
    assert f"127.0.0.1:{settings.EMAIL_PORT}" in last


def settings_value(name: str, env: dict[str, str], tmp_path: Path) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    full = {**os.environ, "PORCH_DATA": str(tmp_path), "DJANGO_SETTINGS_MODULE": "porch.settings"}
    for unset in ("PORCH_PUBLIC_URL", "PORCH_LINK_HOST", "PORCH_PORT"):
        full.pop(unset, None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**full, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_tracked_links_use_the_public_url_or_porchs_own_port(tmp_path: Path) -> None:
    assert settings_value("LINK_HOST", {"PORCH_PORT": "8123"}, tmp_path) == "http://localhost:8123"
    public = {"PORCH_PUBLIC_URL": "https://porch.shop.example/"}
    assert settings_value("LINK_HOST", public, tmp_path) == "https://porch.shop.example"


def test_serve_on_another_port_links_to_it(settings) -> None:
    settings.PUBLIC_URL, settings.BASE_URL, settings.LINK_HOST = "", "x", "x"
    use_port(8124)
    assert settings.LINK_HOST == settings.BASE_URL == "http://localhost:8124"
    settings.PUBLIC_URL = settings.BASE_URL = settings.LINK_HOST = "https://porch.shop.example"
    use_port(8125)
    assert settings.LINK_HOST == "https://porch.shop.example"


def test_the_sqlite_file_is_private_like_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    old = os.umask(0o022)
    try:
        name = config.database(tmp_path)["NAME"]
        with sqlite3.connect(name) as db:  # as Django opens it, WAL files and all
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE t (x)")
            modes = {
                path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.glob("porch*")
            }
    finally:
        os.umask(old)
    assert modes == {"porch.sqlite3": 0o600, "porch.sqlite3-wal": 0o600, "porch.sqlite3-shm": 0o600}


def test_an_existing_sqlite_file_is_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loose = tmp_path / "shop.sqlite3"
    loose.touch(mode=0o644)
    loose.chmod(0o644)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{loose}")
    assert config.database(tmp_path)["NAME"] == str(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
