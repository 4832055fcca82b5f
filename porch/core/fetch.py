"""The guarded fetcher: every web address a user gives is fetched here, or vetted here.

    page = fetch("https://blog.example/feed.xml", headers={"If-None-Match": etag})
    post_json("https://hooks.example/porch", {"text": "..."})  # a webhook: one hop, 10 s
    vet_url("https://mastodon.social")          # its addresses are public, or AddressRefused
    httpx.Client(transport=GuardedTransport())  # for a library that takes an httpx client

What it guards against, and how:

    a scheme other than http(s)     refused before anything is sent
    a private address: loopback,    every address the host name resolves to is checked when
    private, link-local, shared,    the connection is made (on every redirect hop too), and the
    multicast, reserved or          connection goes to the address that was checked, so the name
    unspecified, also inside an     cannot point elsewhere a moment later (DNS rebinding). Odd
    IPv4-mapped or NAT64 address    spellings (0x7f000001, 2130706433, 0177.0.0.1) are resolved
                                    like any name, then checked
    endless redirects               at most MAX_REDIRECTS hops
    a huge page                     the body is read (and decompressed) a chunk at a time and
                                    dropped once it passes `max_bytes`
    a slow page                     one deadline for the whole fetch, redirects included: every
                                    connect, TLS handshake and read (the headers' too) waits at
                                    most until then, and none longer than GAP seconds. Looking
                                    the name up (socket.getaddrinfo) has no timeout of its own:
                                    it is bounded only by the system resolver's (resolv.conf)

Every failure is one FetchError whose message can be shown to the user as it is;
AddressRefused (a FetchError) says the address itself is not allowed. Self-hosters whose
blog or instance is on their own network, and tests with local servers, set
PORCH_FETCH_ALLOW_PRIVATE=true (settings.FETCH_ALLOW_PRIVATE).
"""

import codecs
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings

from porch.errors import InputError

MAX_BYTES = 5 * 1024 * 1024
SECONDS = 20.0
GAP = 5.0
MAX_REDIRECTS = 5
WEBHOOK_ANSWER_BYTES = 64 * 1024
USER_AGENT = "Porch (social media desk; fetches the addresses its users give it)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d, e.g. ::7f00:1
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, yet still routed privately
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)

SocketOptions = Iterable[httpcore.SOCKET_OPTION] | None


class FetchError(InputError):
    """The address could not be fetched: the message says why, in words for the user."""


class AddressRefused(FetchError):
    """The address is not one Porch fetches (not http(s), or on a private network)."""


PRIVATE = "That address is on a private network: Porch only fetches public web addresses."


def too_large(max_bytes: int) -> FetchError:
    return FetchError(f"The page is larger than {max_bytes / 1024 / 1024:g} MB: Porch stops there.")


def too_slow(seconds: float) -> FetchError:
    return FetchError(f"The page took longer than {seconds:g} s to load: try again later.")


def is_public(address: str) -> bool:
    """Whether `address` (an IP address) is one anybody on the internet could reach."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not is_public(str(inner)):
            return False
        if ip in _IPV4_COMPATIBLE or ip in _SITE_LOCAL:
            return False
    return ip.is_global and not ip.is_multicast


class Network:
    """How names become addresses and addresses become connections: this machine's own.

    Tests without internet give a fake one, whose public-looking names lead to local servers.
    """

    def resolve(self, host: str, port: int) -> list[str]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def connect(
        self, address: str, port: int, timeout: float | None, options: SocketOptions
    ) -> httpcore.NetworkStream:
        return httpcore.SyncBackend().connect_tcp(address, port, timeout, socket_options=options)


def checked_addresses(host: str, port: int, network: Network) -> list[str]:
    """The addresses of `host`, each allowed; AddressRefused if any is private."""
    addresses = network.resolve(host.strip("[]"), port)
    if not settings.FETCH_ALLOW_PRIVATE and not all(map(is_public, addresses)):
        raise AddressRefused(PRIVATE)
    return addresses


def _within(timeout: float | None, deadline: float | None) -> float | None:
    """`timeout`, cut to the time left before `deadline`; a ReadTimeout once it has passed."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self.stream, self.deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _within(timeout, self.deadline))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _within(timeout, self.deadline))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within(timeout, self.deadline)
        secured = self.stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(secured, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to the checked addresses of a host (and, given one, by a deadline)."""

    def __init__(self, network: Network, deadline: float | None = None) -> None:
        self.network, self.deadline = network, deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host, port, self.network)
        except (OSError, UnicodeError) as exc:  # the name is not known
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                stream = self.network.connect(
                    address, port, _within(timeout, self.deadline), socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
            else:
                return stream if self.deadline is None else _DeadlineStream(stream, self.deadline)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused(PRIVATE)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport whose connections go only to checked addresses, never via a proxy.

    Given a `deadline` (time.monotonic()), no connect, read or write waits past it.
    """

    def __init__(self, network: Network | None = None, deadline: float | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_GuardedBackend(network or Network(), deadline),
        )


def checked_url(url: str | httpx.URL) -> httpx.URL:
    """`url` parsed, if it is a web address; AddressRefused otherwise."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise AddressRefused("That is not a web address: give one starting with https://") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise AddressRefused("Give a web address starting with https:// (or http://).")
    return parsed


def vet_url(url: str, network: Network | None = None) -> None:
    """Check, without fetching, that `url` is a web address on public addresses only.

    For clients that cannot take GuardedTransport: the address may still change between this
    check and their own connection, so use the transport where a client allows it.
    """
    parsed = checked_url(url)
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        checked_addresses(parsed.host, port, network or Network())
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"Could not find {parsed.host}: check the address.") from exc


@dataclass(frozen=True)
class Fetched:
    """A page that was fetched: its final address (after redirects), status, headers, body."""

    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        found = _CHARSET.search(self.headers.get("content-type", ""))
        charset = found.group(1) if found else "utf-8"
        try:
            if not codecs.lookup(charset)._is_text_encoding:  # rot13, base64, hex: not text
                charset = "utf-8"
        except LookupError:
            charset = "utf-8"
        return self.content.decode(charset, errors="replace")


def fetch(
    url: str,
    headers: dict[str, str] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    seconds: float = SECONDS,
    network: Network | None = None,
) -> Fetched:
    """GET `url` within the guards above; a FetchError says what stopped it."""
    deadline = time.monotonic() + seconds
    target: str | httpx.URL = url
    with _client(network, deadline) as client:
        for _ in range(MAX_REDIRECTS + 1):
            request = _request(client, "GET", checked_url(target), headers, deadline, seconds)
            outcome = _send(client, request, max_bytes, deadline, seconds, follow=True)
            if isinstance(outcome, Fetched):
                return outcome
            target = outcome
    raise FetchError(f"The address redirects more than {MAX_REDIRECTS} times: use the final one.")


def post_json(
    url: str, payload: Any, *, seconds: float = 10.0, network: Network | None = None
) -> Fetched:
    """POST `payload` as JSON to `url` (a webhook) within the guards; redirects are not followed."""
    deadline = time.monotonic() + seconds
    with _client(network, deadline) as client:
        request = _request(client, "POST", checked_url(url), None, deadline, seconds, payload)
        outcome = _send(client, request, WEBHOOK_ANSWER_BYTES, deadline, seconds, follow=False)
        assert isinstance(outcome, Fetched)  # not following, it is the answer itself
        return outcome


def post_bytes(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    seconds: float = 10.0,
    network: Network | None = None,
) -> Fetched:
    """POST these exact bytes with these headers (a signed webhook) within the guards;
    redirects are not followed (a 3xx is the answer), the answer is read up to
    WEBHOOK_ANSWER_BYTES."""
    deadline = time.monotonic() + seconds
    with _client(network, deadline) as client:
        request = _request(client, "POST", checked_url(url), headers, deadline, seconds, body=body)
        outcome = _send(client, request, WEBHOOK_ANSWER_BYTES, deadline, seconds, follow=False)
        assert isinstance(outcome, Fetched)  # not following, it is the answer itself
        return outcome


def _client(network: Network | None, deadline: float) -> httpx.Client:
    return httpx.Client(transport=GuardedTransport(network, deadline), trust_env=False)


def _request(
    client: httpx.Client,
    method: str,
    url: httpx.URL,
    headers: dict[str, str] | None,
    deadline: float,
    seconds: float,
    payload: Any = None,
    body: bytes | None = None,
) -> httpx.Request:
    left = deadline - time.monotonic()
    if left <= 0:
        raise too_slow(seconds)
    timeout = httpx.Timeout(min(left, GAP), connect=left, pool=left)
    try:
        return client.build_request(
            method, url, headers=_headers(headers), json=payload, content=body, timeout=timeout
        )
    except (UnicodeError, ValueError):  # a header only Latin-1 or Unicode can spell
        raise FetchError("The request could not be made: a header is not plain text.") from None


def _send(
    client: httpx.Client,
    request: httpx.Request,
    max_bytes: int,
    deadline: float,
    seconds: float,
    follow: bool,
) -> Fetched | httpx.URL:
    """The answer to `request`, or (when following) the address it redirects to."""
    try:
        response = client.send(request, stream=True)
        try:
            location = _redirect(response) if follow else None
            if location is not None:
                return location
            body = _body(response, max_bytes, deadline, seconds)
            return Fetched(str(request.url), response.status_code, response.headers, body)
        finally:
            response.close()
    except httpx.TimeoutException:
        raise too_slow(seconds) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"Could not reach {request.url.host}: check the address.") from exc


def _headers(given: dict[str, str] | None) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(given or {})}


def _redirect(response: httpx.Response) -> httpx.URL | None:
    location = response.headers.get("location")
    if response.status_code not in _REDIRECTS or not location:
        return None
    try:
        return response.url.join(location)
    except httpx.InvalidURL:
        raise FetchError("The address redirects to something that is not a web address.") from None


def _body(response: httpx.Response, max_bytes: int, deadline: float, seconds: float) -> bytes:
    """The decoded body, read a chunk at a time within `max_bytes` and the deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    decode = _decoder(response.headers.get("content-encoding", ""), max_bytes)
    body = bytearray()
    for chunk in response.iter_raw():  # each network read as it comes, at most 64 KB
        body += decode(chunk, max_bytes - len(body))
        if time.monotonic() > deadline:
            raise too_slow(seconds)
    return bytes(body)


def _decoder(encoding: str, max_bytes: int) -> Callable[[bytes, int], bytes]:
    """decode(chunk, room): the chunk decoded, or FetchError once it would pass `room`."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        inflate = None
    elif name in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in name else 32))
    else:
        raise FetchError(f"The page is sent in an encoding Porch cannot read ({name}).")

    def decode(chunk: bytes, room: int) -> bytes:
        try:  # at most room + 1 bytes come out, so a small bomb cannot blow up in memory
            out = inflate.decompress(chunk, room + 1) if inflate else chunk
        except zlib.error as exc:
            raise FetchError("The page is not compressed properly: it cannot be read.") from exc
        if len(out) > room:
            raise too_large(max_bytes)
        return out

    return decode
