"""A blog's feed, served by a local HTTP server: a new entry becomes one draft, polled
with conditional requests; a newsletter becomes a draft; the footer links the accounts."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.urls import reverse

from porch.publishing.feeds import INVITE, FeedError, add_feed, newsletter_draft, poll
from porch.publishing.models import Post, PostSource
from porch.workspaces.models import ConnectedAccount, Workspace

ENTRY = """<item><title>{title}</title><link>https://bakery.example/blog/{slug}</link>
<guid>https://bakery.example/blog/{slug}</guid></item>"""


class Blog:
    def __init__(self) -> None:
        self.entries = [("How we make sourdough", "sourdough")]
        self.version = 1
        self.seen: list[dict[str, str]] = []

    def body(self) -> bytes:
        items = "".join(ENTRY.format(title=t, slug=s) for t, s in self.entries)
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Corner Bakery blog</title>'
            f"{items}</channel></rss>"
        ).encode()


@pytest.fixture
def blog() -> Iterator[tuple[Blog, str]]:
    state = Blog()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append(dict(self.headers))
            etag = f'"v{state.version}"'
            if self.path == "/newsletter":
                self._send(200, b"<html><title>May news &amp; offers</title></html>", etag)
            elif self.headers.get("If-None-Match") == etag:
                self._send(304, b"", etag)
            else:
                self._send(200, state.body(), etag)

        def _send(self, status: int, body: bytes, etag: str) -> None:
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Mon, 23 Nov 2026 08:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_new_blog_entry_becomes_one_draft(workspace: Workspace, blog: tuple[Blog, str]) -> None:
    state, base = blog
    feed = add_feed(workspace, f"{base}/feed.xml")
    assert feed.title == "Corner Bakery blog" and not Post.objects.exists()  # old ones: no
    assert poll(feed) == [] and state.seen[-1].get("If-None-Match") == '"v1"'  # a 304
    assert state.seen[-1].get("If-Modified-Since") == "Mon, 23 Nov 2026 08:00:00 GMT"
    state.entries.append(("Our new rye loaf", "rye"))
    state.version = 2
    (draft,) = poll(feed)
    assert draft.source == PostSource.FEED and draft.status == "draft"
    assert draft.text == f"Our new rye loaf\n\nhttps://bakery.example/blog/rye\n\n{INVITE}"
    state.version = 3  # changed feed, nothing new in it
    assert poll(feed) == [] and Post.objects.count() == 1


def test_a_bad_feed_address_says_what_to_do(workspace: Workspace, blog: tuple[Blog, str]) -> None:
    with pytest.raises(FeedError, match="starting with https://"):
        add_feed(workspace, "bakery.example/feed")
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        add_feed(workspace, f"{blog[1]}/newsletter")


def test_a_newsletter_becomes_a_draft_and_the_footer_links_the_accounts(
    signed_in: Client, workspace: Workspace, blog: tuple[Blog, str]
) -> None:
    draft = newsletter_draft(workspace, url=f"{blog[1]}/newsletter")
    assert draft.text.startswith("May news & offers\n\n") and INVITE in draft.text
    pasted = newsletter_draft(workspace, pasted="\n  Spring menu is here\nMore text")
    assert pasted.text.startswith("Spring menu is here")
    ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="bakery.test")
    page = signed_in.get(reverse("publishing_feeds", args=[workspace.slug])).content.decode()
    assert "Continue the conversation" in page and "https://bsky.app/profile/bakery.test" in page
