"""PORCH_SIGNUP and PORCH_TRUSTED_PROXIES: a bad value stops start-up with one line."""

from pathlib import Path

import pytest

from porch.config import ConfigError, env_networks
from tests.test_config import porch


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"PORCH_SIGNUP": "anyone"}, "PORCH_SIGNUP='anyone' is not one of: closed, invite, open"),
        (
            {"PORCH_TRUSTED_PROXIES": "10.0.0.1,proxy.local"},
            "PORCH_TRUSTED_PROXIES: 'proxy.local' is not an address or network: "
            "use e.g. 10.0.0.5 or 10.0.0.0/8",
        ),
    ],
)
def test_a_bad_account_setting_is_one_line_at_start_up(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    done = porch("migrate", env=env, tmp_path=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == f"porch: {line}"


def test_trusted_proxies_take_addresses_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORCH_TRUSTED_PROXIES", " 10.0.0.0/8 , 192.168.1.7,::1")
    assert env_networks("PORCH_TRUSTED_PROXIES") == ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]
    monkeypatch.setenv("PORCH_TRUSTED_PROXIES", "10.0.0.0/33")
    with pytest.raises(ConfigError, match="not an address or network"):
        env_networks("PORCH_TRUSTED_PROXIES")
