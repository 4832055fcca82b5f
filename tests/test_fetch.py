"""The guarded fetcher (porch/core/fetch.py) against real local HTTP servers.

Private addresses are refused here (the rest of the suite allows them for its local
peers). Where a test needs a public host, a fake Network names it: "blog.example" resolves
to a public address, and connecting there reaches a server on loopback. No internet.
"""

import gzip
import time
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpcore
import pytest

from porch.core.fetch import AddressRefused, FetchError, Network, fetch, is_public, post_json
from tests.networks.loopback import LoopbackServer, running

PUBLIC = "93.184.215.14"
MB = 1024 * 1024

Route = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """A local web server: path -> route; every path asked for is kept in `asked`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.asked: list[str] = []
        self.posted: list[bytes] = []
        self.url = ""

    def page(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = send

    def redirect(self, path: str, to: str) -> None:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", to)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = send


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.asked.append(self.path)
            state.routes[self.path](self)

        def do_POST(self) -> None:
            state.posted.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    with running(LoopbackServer(Handler)) as url:
        state.url = url
        yield state


@pytest.fixture
def refused(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE = False


class FakeNetwork(Network):
    """Names of its own (`names`); connections to PUBLIC reach the local site instead."""

    def __init__(self, site: Site, names: dict[str, list[list[str]]]) -> None:
        self.port = int(site.url.rsplit(":", 1)[1])
        self.names = names  # host -> the answers it gives, one per lookup, the last repeated
        self.dialled: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.names:
            return super().resolve(host, port)
        answers = self.names[host]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def connect(
        self, address: str, port: int, timeout: float | None, options: Any
    ) -> httpcore.NetworkStream:
        self.dialled.append(address)
        local = ("127.0.0.1", self.port) if address == PUBLIC else (address, port)
        return super().connect(*local, timeout, options)


def test_a_page_on_a_public_host_is_fetched_through_its_redirects(
    refused: None, site: Site
) -> None:
    site.redirect("/old", "/new")
    site.page("/new", "Grüße".encode("latin-1"), {"Content-Type": "text/html; charset=latin-1"})
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})

    page = fetch("http://blog.example/old", network=network)

    assert (page.url, page.status_code, page.text) == ("http://blog.example/new", 200, "Grüße")
    assert site.asked == ["/old", "/new"] and set(network.dialled) == {PUBLIC}


def test_a_local_secret_is_refused(refused: None, site: Site) -> None:
    site.page("/secret", b"the admin password")
    with pytest.raises(AddressRefused, match="private network"):
        fetch(f"{site.url}/secret")
    assert site.asked == []


@pytest.mark.parametrize(
    "address",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/secret",
        "http://0x7f000001:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://0177.0.0.1:{port}/secret",
        "http://127.1:{port}/secret",
        "http://0.0.0.0:{port}/secret",
        "http://[::]:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://[64:ff9b::7f00:1]:{port}/secret",
        "http://[::7f00:1]:{port}/secret",  # IPv4-compatible ::127.0.0.1
        "http://[fec0::1]/",  # site-local
        "http://localhost:{port}/secret",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ],
)
def test_private_addresses_in_any_spelling_are_refused_before_connecting(
    refused: None, site: Site, address: str
) -> None:
    site.page("/secret", b"the admin password")
    network = FakeNetwork(site, {})
    url = address.format(port=site.url.rsplit(":", 1)[1])

    with pytest.raises(AddressRefused, match=r"private network|not a web address"):
        fetch(url, network=network)

    assert network.dialled == [] and site.asked == []


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher", "javascript"])
def test_only_web_addresses_are_fetched(refused: None, scheme: str) -> None:
    with pytest.raises(AddressRefused, match="starting with https://"):
        fetch(f"{scheme}://blog.example/feed.xml")


def test_a_redirect_from_a_public_host_to_a_private_one_is_refused(
    refused: None, site: Site
) -> None:
    site.page("/secret", b"the admin password")
    site.redirect("/start", f"{site.url}/secret")
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})

    with pytest.raises(AddressRefused, match="private network"):
        fetch("http://blog.example/start", network=network)

    assert site.asked == ["/start"] and network.dialled == [PUBLIC]


def test_a_name_that_turns_private_on_the_next_hop_is_refused(refused: None, site: Site) -> None:
    """DNS rebinding: the name is looked up for each connection and that answer is used."""
    site.page("/secret", b"the admin password")
    site.redirect("/start", "http://rebind.example/secret")
    network = FakeNetwork(site, {"rebind.example": [[PUBLIC], ["127.0.0.1"]]})

    with pytest.raises(AddressRefused, match="private network"):
        fetch("http://rebind.example/start", network=network)

    assert site.asked == ["/start"] and network.dialled == [PUBLIC]


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    refused: None, site: Site
) -> None:
    network = FakeNetwork(site, {"both.example": [[PUBLIC, "127.0.0.1"]]})
    with pytest.raises(AddressRefused, match="private network"):
        fetch("http://both.example/", network=network)
    assert network.dialled == []


def test_endless_redirects_stop(refused: None, site: Site) -> None:
    site.redirect("/loop", "/loop")
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match="redirects more than 5 times"):
        fetch("http://blog.example/loop", network=network)
    assert len(site.asked) == 6


def test_the_setting_lets_a_self_hosted_blog_through(site: Site) -> None:
    site.page("/feed.xml", b"<rss/>")  # the suite runs with PORCH_FETCH_ALLOW_PRIVATE=true
    assert fetch(f"{site.url}/feed.xml").content == b"<rss/>"


def endless(handler: BaseHTTPRequestHandler, chunk: bytes = b"x" * 65536) -> None:
    """A page that never ends (no Content-Length): 64 KB after 64 KB until the client leaves."""
    handler.send_response(200)
    handler.end_headers()
    handler.close_connection = True
    while True:
        handler.wfile.write(chunk)


def measured(action: Callable[[], object]) -> tuple[BaseException | None, int]:
    """What `action` raised, and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        action()
    except FetchError as exc:
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return None, 0


def test_a_page_that_never_ends_is_dropped_at_the_size_cap(refused: None, site: Site) -> None:
    site.routes["/huge"] = endless
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})

    error, peak = measured(lambda: fetch("http://blog.example/huge", max_bytes=MB, network=network))

    assert str(error) == "The page is larger than 1 MB: Porch stops there."
    assert peak < 4 * MB


def test_a_compressed_bomb_is_dropped_at_the_size_cap(refused: None, site: Site) -> None:
    bomb = gzip.compress(b"\0" * (50 * MB), compresslevel=9)  # about 50 KB
    site.page("/bomb", bomb, {"Content-Encoding": "gzip"})
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})

    error, peak = measured(lambda: fetch("http://blog.example/bomb", max_bytes=MB, network=network))

    assert str(error) == "The page is larger than 1 MB: Porch stops there."
    assert peak < 4 * MB


def test_a_declared_huge_page_is_not_read_at_all(refused: None, site: Site) -> None:
    def declared(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(300 * MB))
        handler.end_headers()

    site.routes["/declared"] = declared
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match="larger than 5 MB"):
        fetch("http://blog.example/declared", network=network)


def test_a_compressed_page_within_the_cap_is_read(refused: None, site: Site) -> None:
    site.page("/feed", gzip.compress(b"<rss>" * 1000), {"Content-Encoding": "gzip"})
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    assert fetch("http://blog.example/feed", network=network).content == b"<rss>" * 1000


def drip(handler: BaseHTTPRequestHandler) -> None:
    """A page that sends one byte every 20 ms, forever: each read is quick, the page is not."""
    handler.send_response(200)
    handler.end_headers()
    handler.close_connection = True
    while True:
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.02)


def test_a_slow_drip_is_stopped_by_the_total_time_cap(refused: None, site: Site) -> None:
    site.routes["/drip"] = drip
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match=r"^The page took longer than 0.3 s to load"):
        fetch("http://blog.example/drip", seconds=0.3, network=network)


def test_a_server_that_answers_nothing_is_stopped_by_the_time_cap(
    refused: None, site: Site
) -> None:
    def silent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(5)

    site.routes["/silent"] = silent
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match=r"^The page took longer than 0.3 s to load"):
        fetch("http://blog.example/silent", seconds=0.3, network=network)


def test_headers_sent_a_byte_at_a_time_are_stopped_by_the_time_cap(
    refused: None, site: Site
) -> None:
    """Each header byte comes well within GAP, so only the total cap can stop the page."""

    def dripped_headers(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(60):  # about 3 s of header, then an empty page (no body to time)
            handler.wfile.write(b"z")
            handler.wfile.flush()
            time.sleep(0.05)
        handler.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")

    site.routes["/slow-headers"] = dripped_headers
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match=r"^The page took longer than 0.3 s to load"):
        fetch("http://blog.example/slow-headers", seconds=0.3, network=network)


def test_a_header_that_is_not_ascii_is_a_fetch_error(refused: None, site: Site) -> None:
    """A feed's stored ETag goes back as If-None-Match: "é" cannot go in a request."""
    site.page("/feed.xml", b"<rss/>")
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    with pytest.raises(FetchError, match="a header is not plain text"):
        fetch("http://blog.example/feed.xml", {"If-None-Match": "é"}, network=network)
    assert site.asked == []


@pytest.mark.parametrize("charset", ["rot13", "base64", "hex", "zlib"])
def test_a_charset_that_is_not_a_text_encoding_is_read_as_utf_8(
    refused: None, site: Site, charset: str
) -> None:
    body = "<title>Grüße</title>".encode()
    site.page("/news", body, {"Content-Type": f"text/html; charset={charset}"})
    network = FakeNetwork(site, {"blog.example": [[PUBLIC]]})
    assert fetch("http://blog.example/news", network=network).text == "<title>Grüße</title>"


def test_a_server_that_is_not_there_is_named(refused: None, site: Site) -> None:
    network = FakeNetwork(site, {"gone.example": [[PUBLIC]]})
    network.port = 1  # nothing listens on port 1
    with pytest.raises(FetchError, match=r"Could not reach gone\.example: check the address"):
        fetch("http://gone.example/", network=network)


def test_a_webhook_gets_its_json_and_a_redirect_is_not_followed(refused: None, site: Site) -> None:
    site.redirect("/hook", f"{site.url}/secret")
    network = FakeNetwork(site, {"hooks.example": [[PUBLIC]]})

    answer = post_json("http://hooks.example/hook", {"text": "Cold bread"}, network=network)

    assert answer.status_code == 302 and site.posted == [b'{"text":"Cold bread"}']
    assert site.asked == ["/hook"]


def test_a_webhook_on_a_private_network_is_refused(refused: None, site: Site) -> None:
    site.page("/admin/delete", b"deleted")
    with pytest.raises(AddressRefused, match="private network"):
        post_json(f"{site.url}/admin/delete", {"text": "Cold bread"})
    assert site.posted == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::1", False),  # 6to4 around 127.0.0.1
        ("::7f00:1", False),  # IPv4-compatible (deprecated) ::127.0.0.1
        ("::a00:1", False),  # ::10.0.0.1
        ("fec0::1", False),  # site-local (deprecated)
        ("fefe::1", False),
        ("ff02::1", False),
        ("not an address", False),
    ],
)
def test_what_counts_as_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_a_fetched_address_and_its_token_are_not_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    site.page("/feed.xml?token=private-feed-token", b"<rss/>")
    fetch(f"{site.url}/feed.xml?token=private-feed-token")
    assert site.asked == ["/feed.xml?token=private-feed-token"]
    assert "private-feed-token" not in caplog.text
