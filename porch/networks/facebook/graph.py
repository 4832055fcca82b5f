"""Requests to the Graph API with a Page token.

The token travels in the Authorization header, never in a URL: Graph's paging links carry
`access_token=`, which is removed before following them, and the "httpx" logger (which logs
every request URL) gets a filter that blanks any token a URL still holds (debug_token's
input_token must be a query parameter).
"""

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings

from porch.networks.base import ErrorCode, NetworkError, Usage
from porch.networks.facebook.errors import graph_error, transport_error, usage_percentages

TIMEOUT = 30.0
USER_AGENT = "Porch (social media desk)"
_TOKEN_PARAMS = ("access_token", "input_token")
_TOKEN_IN_TEXT = re.compile(r"((?:access|input)_token=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    """Blanks tokens in URLs that a log message carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_IN_TEXT.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, RedactTokens) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(RedactTokens())


class Graph:
    """One Page token against the Graph API; usage headers go into `usage.extra`.

    `base_url`: the account's own (empty for most), else PORCH_FACEBOOK_GRAPH_URL."""

    def __init__(
        self,
        token: str,
        base_url: str = "",
        *,
        usage: Usage | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.base_url = (base_url or settings.FACEBOOK_GRAPH_URL).rstrip("/")
        self.usage = usage if usage is not None else Usage()
        self._http = httpx.Client(
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
        )

    def __repr__(self) -> str:
        return f"Graph({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._send("GET", self._url(path), params=params)

    def follow(self, url: str) -> dict[str, Any]:
        """A `paging.next` link from an earlier reply, without the token it carries."""
        if urlsplit(url).netloc != urlsplit(self.base_url).netloc:  # the token goes along
            raise NetworkError("Facebook sent a paging link to another host.", permanent=True)
        return self._send("GET", _without_token(url))

    def post(self, path: str, *, write: bool = True, **kwargs: Any) -> dict[str, Any]:
        """data=, files= or json= as httpx takes them; `write`: creates something seen."""
        return self._send("POST", self._url(path), write=write, **kwargs)

    def delete(self, path: str) -> dict[str, Any]:
        return self._send("DELETE", self._url(path))

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _send(self, method: str, url: str, *, write: bool = False, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(exc, write=write) from exc
        self.usage.extra.update(usage_percentages(response.headers))
        if response.is_error:
            raise graph_error(response, write=write)
        return _json(response)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    if body is True:  # some writes answer a bare `true`
        return {"success": True}
    raise NetworkError(
        "Facebook sent an unreadable answer.",
        permanent=False,
        code=ErrorCode.SERVER_ERROR,
        detail="unreadable",
    )


def _without_token(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in _TOKEN_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query)))
