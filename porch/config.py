"""Reading Porch's configuration from the environment.

Every setting is read once, at start-up, by porch/settings.py through these helpers.
A missing or malformed value raises ConfigError, whose message is one line naming the
variable and the form it expects; `porch` prints that line and exits.
Secrets also have a `*_FILE` variant (PORCH_SECRET_KEY_FILE=/run/secrets/key).
"""

import ipaddress
import os
import secrets
from contextlib import suppress
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url

from porch.errors import InputError


class ConfigError(InputError):
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


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (case-insensitive), e.g. PORCH_SIGNUP=invite."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if raw.lower() not in choices:
        raise ConfigError(f"{name}={raw!r} is not one of: {', '.join(choices)}")
    return raw.lower()


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks (10.0.0.1, 10.0.0.0/8, ::1), normalised."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"{name}: {item!r} is not an address or network: use e.g. 10.0.0.5 or 10.0.0.0/8"
            ) from None
    return networks


def env_url(name: str, default: str) -> str:
    """An http(s) base URL, without its trailing slash (for pointing a client elsewhere)."""
    raw = os.environ.get(name, "").strip() or default
    if raw and not _web_address(raw):
        raise ConfigError(f"{name}={raw!r} is not a web address: use https://HOST[:PORT][/PATH]")
    return raw.rstrip("/")


def _web_address(raw: str) -> bool:
    """An http(s) address with a host and a valid port, and no spaces, query or fragment."""
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number or out of range, a broken IPv6 host
        return False
    plain = not (parts.query or parts.fragment or any(c.isspace() for c in raw))
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok and plain


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
EMAIL_BACKENDS = {
    name: f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("smtp", "console", "filebased", "locmem", "dummy")
}


def email_backend(name: str, default: str) -> str:
    """A Django email backend: smtp, console, filebased, locmem, dummy or a dotted path
    whose module exists (checked without importing it)."""
    raw = os.environ.get(name, "").strip() or default
    path = EMAIL_BACKENDS.get(raw.lower(), raw)
    module, _, attribute = path.rpartition(".")
    try:
        found = bool(module and attribute) and find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that is missing, or `..` in it
        found = False
    if not found:
        raise ConfigError(
            f"{name}={raw!r} is not an email backend: use smtp, console, filebased, locmem, "
            "dummy or a dotted path like django.core.mail.backends.smtp.EmailBackend"
        )
    return path


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
            "NAME": str(private_file(data / "porch.sqlite3", "PORCH_DATA")),
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
    if scheme == "sqlite":
        if config.get("NAME") in (None, "", ":memory:"):
            raise ConfigError(
                "DATABASE_URL names no SQLite file (a database in memory is empty for every "
                "connection): use sqlite:////ABSOLUTE/PATH or sqlite:///RELATIVE/PATH"
            )
        private_file(Path(config["NAME"]), "DATABASE_URL")
    return config


def private_file(path: Path, name: str) -> Path:
    """`path` readable by its owner only (0600, like the key file): made so if missing,
    tightened if it is not; SQLite gives its -wal and -shm files the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with suppress(OSError):  # another user's file: SQLite says so when it opens it
                if each.stat().st_mode & 0o077:
                    each.chmod(0o600)
    except OSError as exc:
        raise ConfigError(f"{name}: {str(path)!r} cannot be created: {exc.strerror}") from None
    return path
