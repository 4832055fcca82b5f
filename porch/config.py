"""Reading Porch's configuration from the environment.

Every setting is read once, at start-up, by porch/settings.py through these helpers.
A missing or malformed value raises ConfigError, whose message is one line naming the
variable and the form it expects; `porch` prints that line and exits.
Secrets also have a `*_FILE` variant (PORCH_SECRET_KEY_FILE=/run/secrets/key).
"""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url


class ConfigError(Exception):
    """A setting is missing or malformed: the message names it and its expected form."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(name: str, default: int, low: int | None = None, high: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{name}={raw!r} is out of range: expected {low}..{high}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """An http(s) base URL, without its trailing slash (for pointing a client elsewhere)."""
    raw = os.environ.get(name, "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={raw!r} is not a web address: use https://HOST[/PATH]")
    return raw.rstrip("/")


def env_secret(name: str) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None


def data_dir() -> Path:
    """PORCH_DATA (default ./porch-data), created if missing."""
    path = Path(env_str("PORCH_DATA", "porch-data")).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"PORCH_DATA={str(path)!r} cannot be created: {exc.strerror}") from None
    return path


def secret_key(data: Path) -> str:
    """PORCH_SECRET_KEY, or a key file made on first run under the data folder (mode 600)."""
    key = env_secret("PORCH_SECRET_KEY")
    if key is not None:
        if len(key) < 32:
            raise ConfigError("PORCH_SECRET_KEY is too short: use at least 32 random characters")
        return key
    path = data / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def database(data: Path) -> dict[str, Any]:
    """DATABASE_URL (sqlite:///..., postgres://...), default SQLite under the data folder."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data / "porch.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file too, so threads and processes share it as in production.
            "TEST": {"NAME": str(data / "test.sqlite3")},
        }
    scheme = url.split(":", 1)[0]
    if scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
        raise ConfigError(
            f"DATABASE_URL has scheme {scheme!r}: use postgres://USER:PASSWORD@HOST:PORT/NAME "
            "or sqlite:///PATH"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigError(
            f"DATABASE_URL is malformed ({exc}): use postgres://USER@HOST/NAME"
        ) from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigError("DATABASE_URL names no database: use postgres://USER@HOST:PORT/NAME")
    return config
