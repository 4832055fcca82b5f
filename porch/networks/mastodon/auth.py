"""Connecting a Mastodon account: app registration and the OAuth authorization-code flow.

    app = register_app("mastodon.social", redirect_uri)           # once per instance
    url = authorize_url("mastodon.social", app, redirect_uri, state)  # send the owner there
    account, credentials = exchange_code("mastodon.social", app, code, redirect_uri)

The instance may be typed as "mastodon.social", "https://mastodon.social/" or even the
handle "@shop@mastodon.social". Plain http is accepted only for loopback (tests, a server
on this machine). Before Porch talks to a server, its addresses are checked by the guarded
fetcher: one on a private network is refused unless PORCH_FETCH_ALLOW_PRIVATE is set.
"""

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from mastodon import Mastodon, MastodonError, MastodonIllegalArgumentError, MastodonNetworkError

from porch.core.fetch import AddressRefused, FetchError, vet_url
from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.mastodon.errors import to_network_error

SCOPES = ["read", "write"]
APP_NAME = "Porch"
USER_AGENT = "Porch (social media desk)"
TIMEOUT = 30.0
_HOST = re.compile(r"^[\w.-]+$")


def normalize_instance_url(instance_url: str) -> str:
    """`https://host[:port]` for what the owner typed, or a NetworkError saying what is wrong."""
    raw = instance_url.strip()
    if "://" not in raw:  # "mastodon.social/@shop" or "@shop@mastodon.social": the server
        raw = "https://" + raw.split("/", 1)[0].rsplit("@", 1)[-1]
    try:
        parts = urlsplit(raw)
        host, _ = parts.hostname or "", parts.port  # .port raises on a bad port
    except ValueError:
        raise _invalid(instance_url) from None
    named = bool(_HOST.match(host)) and "." in host
    if parts.scheme not in ("http", "https") or parts.username or not (named or _is_loopback(host)):
        raise _invalid(instance_url)
    if parts.scheme == "http" and not _is_loopback(host):
        raise NetworkError(
            "Use the https:// address of the Mastodon server.",
            permanent=True,
            code=ErrorCode.INVALID,
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def public_instance_url(instance_url: str) -> str:
    """normalize_instance_url, for a server whose addresses are all public (or allowed)."""
    base = normalize_instance_url(instance_url)
    try:
        vet_url(base)
    except AddressRefused as exc:
        raise NetworkError(
            str(exc), permanent=True, code=ErrorCode.UNREACHABLE, detail="private_address"
        ) from None
    except FetchError:  # an unknown name: Mastodon.py says it could not reach it
        pass
    return base


def _invalid(instance_url: str) -> NetworkError:
    return NetworkError(
        f"{instance_url.strip()!r} is not a Mastodon server address: type it like mastodon.social.",
        permanent=True,
        code=ErrorCode.INVALID,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_for(server_url: str, **kwargs: Any) -> Mastodon:
    """A Mastodon.py client that raises on rate limits instead of sleeping.

    Mastodon.py makes its own requests (requests, not httpx), so the guarded transport
    cannot go in: the instance's addresses are vetted only when the account is connected
    (public_instance_url), not at each request; a name that turns private later is not
    caught here. The notification stream (stream.py) does use the guarded transport.
    """
    return Mastodon(
        api_base_url=server_url,
        ratelimit_method="throw",
        request_timeout=kwargs.pop("timeout", TIMEOUT),
        version_check_mode="none",
        user_agent=USER_AGENT,
        **kwargs,
    )


def register_app(instance_url: str, redirect_uri: str) -> dict[str, str]:
    """Register Porch on the instance; returns its client_id and client_secret."""
    base = public_instance_url(instance_url)
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME,
            scopes=SCOPES,
            redirect_uris=redirect_uri,
            api_base_url=base,
            request_timeout=TIMEOUT,
            user_agent=USER_AGENT,
        )
    except MastodonNetworkError as exc:
        raise _registration_failed(base, exc) from exc
    except (KeyError, TypeError) as exc:  # an answer without client_id: not Mastodon
        raise _not_mastodon(base) from exc
    return {"client_id": client_id, "client_secret": client_secret}


def _registration_failed(base: str, exc: MastodonNetworkError) -> NetworkError:
    if isinstance(exc.__context__, ValueError):  # the answer was not JSON
        return _not_mastodon(base)
    return NetworkError(
        f"Could not reach {urlsplit(base).netloc}: check the address (the server in your "
        "handle, after the second @, like mastodon.social), or try again later if that "
        "server is down.",
        permanent=False,
        code=ErrorCode.UNREACHABLE,
    )


def _not_mastodon(base: str) -> NetworkError:
    return NetworkError(
        f"{urlsplit(base).netloc} does not answer like a Mastodon server: type the address "
        "of your Mastodon server (the part of your handle after the second @).",
        permanent=True,
        code=ErrorCode.NOT_SUPPORTED,
        detail="not_mastodon",
    )


def authorize_url(instance_url: str, app: dict[str, str], redirect_uri: str, state: str) -> str:
    """Where to send the owner to allow Porch; the instance redirects back with a code."""
    base = normalize_instance_url(instance_url)
    api = api_for(base, client_id=app["client_id"], client_secret=app["client_secret"])
    # force_login: the owner is often signed in with a personal account in that browser.
    return api.auth_request_url(
        redirect_uris=redirect_uri,
        scopes=SCOPES,
        force_login=True,
        state=state,
        skip_server_info=True,  # /oauth/authorize on Mastodon and its forks alike
    )


def exchange_code(
    instance_url: str, app: dict[str, str], code: str, redirect_uri: str
) -> tuple[AccountRef, dict[str, Any]]:
    """Trade the code for an access token; returns the account and its credentials."""
    base = public_instance_url(instance_url)
    api = api_for(base, client_id=app["client_id"], client_secret=app["client_secret"])
    token = _log_in(api, base, code, redirect_uri)
    try:
        me = api.account_verify_credentials()
        domain = str(api.instance_v2().get("domain") or urlsplit(base).hostname)
    except MastodonError as exc:
        raise to_network_error(exc, api=api) from exc
    account = AccountRef(
        network="mastodon",
        handle=f"{me.username}@{domain}",
        external_id=str(me.id),
        server_url=base,
    )
    app_keys = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    return account, {"access_token": token, "app": app_keys}


def _log_in(api: Mastodon, base: str, code: str, redirect_uri: str) -> str:
    host = urlsplit(base).hostname or ""
    try:
        return api.log_in(
            code=code, redirect_uri=redirect_uri, scopes=SCOPES, allow_http=_is_loopback(host)
        )
    except MastodonIllegalArgumentError as exc:
        # Mastodon.py wraps every failure of the token request in this one error.
        if isinstance(exc.__context__, MastodonError) and not _is_refusal(exc.__context__):
            raise to_network_error(exc.__context__, api=api) from exc
        raise NetworkError(
            "Mastodon did not accept the sign-in (it may have expired): connect again.",
            permanent=True,
            code=ErrorCode.UNAUTHORIZED,
            detail="invalid_grant",
        ) from exc
    except MastodonError as exc:  # granted scopes lack read or write
        raise NetworkError(
            "Porch needs to read and write on this account: allow both when connecting.",
            permanent=True,
            code=ErrorCode.FORBIDDEN,
            detail="scopes",
        ) from exc


def _is_refusal(exc: MastodonError) -> bool:
    """A 4xx answer to the token request: the code or the app was not accepted."""
    status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
    return 400 <= status < 500
