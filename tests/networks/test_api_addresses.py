"""PORCH_X_API_URL and PORCH_FACEBOOK_GRAPH_URL: where the network clients send requests."""

import pytest

from porch.config import ConfigError, env_url


def test_an_api_address_is_taken_without_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORCH_X_API_URL", "http://127.0.0.1:8111/")
    assert env_url("PORCH_X_API_URL", "https://api.x.com") == "http://127.0.0.1:8111"
    monkeypatch.delenv("PORCH_X_API_URL")
    assert env_url("PORCH_X_API_URL", "https://api.x.com") == "https://api.x.com"


@pytest.mark.parametrize("value", ["api.x.com", "ftp://api.x.com", "https://"])
def test_a_malformed_api_address_is_refused_with_its_form(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PORCH_FACEBOOK_GRAPH_URL", value)
    with pytest.raises(ConfigError, match=r"PORCH_FACEBOOK_GRAPH_URL=.* use https://HOST"):
        env_url("PORCH_FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v21.0")
