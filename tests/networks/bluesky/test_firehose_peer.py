"""The Bluesky stream against the real AT Protocol stack: the dev PDS's own firehose
(`com.atproto.sync.subscribeRepos` on loopback) and its AppView's profiles.

A listener reads the PDS's firehose from its live end in a thread; the tests post through
the atproto SDK and wait (with a timeout, never a sleep) for the posts to come through.
"""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import NetworkError, StreamPost
from porch.networks.bluesky import firehose

from .conftest import DevNetwork, Person
from .test_peer import mention

pytestmark = pytest.mark.peers

APPVIEW = "http://localhost:2584"  # the dev AppView (peers/bluesky/start-network.mjs)
TIMEOUT = 15.0


class Listener:
    """The PDS's firehose, read in a thread from its live end."""

    def __init__(self, pds: str) -> None:
        self.url = pds.replace("http://", "ws://") + "/xrpc/" + firehose.FIREHOSE_PATH
        self.posts: list[tuple[float, StreamPost]] = []  # (when it came, the post)
        self.changed = threading.Condition()
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.error: NetworkError | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for batch in firehose.events(self.url, "", self.stop):
                self.connected.set()
                with self.changed:
                    self.posts.extend((time.monotonic(), post) for post in batch.posts)
                    self.changed.notify_all()
        except NetworkError as error:
            self.error = error
            self.connected.set()

    def wait_for(self, uri: str) -> tuple[float, StreamPost]:
        def found() -> tuple[float, StreamPost] | None:
            return next(((at, p) for at, p in self.posts if p.item.external_id == uri), None)

        with self.changed:
            self.changed.wait_for(lambda: found() is not None or self.error, timeout=TIMEOUT)
        arrived = found()
        assert arrived is not None, f"{uri} did not come through the firehose ({self.error})"
        return arrived


@pytest.fixture(scope="module")
def people(network: DevNetwork) -> list[Person]:
    return network.people("shop", "fan")


@pytest.fixture(scope="module")
def listener(network: DevNetwork) -> Iterator[Listener]:
    listening = Listener(network.pds)
    assert listening.connected.wait(TIMEOUT), "no batch from the PDS's firehose"
    assert listening.error is None, listening.error
    yield listening
    listening.stop.set()
    listening.thread.join(timeout=TIMEOUT)


def test_a_mention_comes_through_the_firehose_within_a_second_or_so(
    people: list[Person], listener: Listener
) -> None:
    shop, fan = people
    posted = time.monotonic()
    uri = mention(fan, shop, "your croissants are back!")
    arrived, post = listener.wait_for(uri)

    assert shop.did in post.mentions
    assert (post.item.author_id, post.item.lang) == (fan.did, "")
    assert post.item.text == f"@{shop.handle} your croissants are back!"
    assert arrived - posted < TIMEOUT


def test_a_reply_carries_the_author_it_answers(people: list[Person], listener: Listener) -> None:
    shop, fan = people
    original: Any = shop.sdk.send_post("Fresh sourdough at nine")
    ref = models.ComAtprotoRepoStrongRef.Main(uri=original.uri, cid=original.cid)
    reply: Any = fan.sdk.send_post(
        "Saving me one?", reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
    )
    _, post = listener.wait_for(reply.uri)

    assert post.reply_to_author == shop.did
    assert (post.item.in_reply_to, post.item.root_id) == (original.uri, original.uri)
    assert post.item.lang == "en"  # send_post says so
    assert post.mentions == ()


def test_profiles_come_from_the_appview(
    network: DevNetwork, people: list[Person], settings: Any
) -> None:
    settings.BLUESKY_APPVIEW_URL = APPVIEW
    network.settle()
    shop, fan = people
    found = firehose.profiles([shop.did, fan.did, shop.did])
    assert found == {shop.did: (shop.handle, ""), fan.did: (fan.handle, "")}
