"""The Bluesky stream against the real AT Protocol stack: the dev PDS's own firehose
(`com.atproto.sync.subscribeRepos` on loopback) and its AppView's profiles.

A listener reads the PDS's firehose from its live end in a thread; the tests post through
the atproto SDK and wait (with a timeout, never a sleep) for the posts to come through.
"""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]
from django.contrib.auth.models import User

from porch.inbox.models import Conversation, Message
from porch.listening import services
from porch.listening.models import Hit
from porch.networks.base import NetworkError, StreamPost
from porch.networks.bluesky import firehose
from porch.networks.connect import save_connection
from porch.networks.firehose import Firehoses
from porch.networks.models import FirehoseState
from porch.workspaces.models import Membership, Workspace

from .conftest import DevNetwork, Person
from .test_peer import mention

pytestmark = pytest.mark.peers

APPVIEW = "http://localhost:2584"  # the dev AppView (peers/bluesky/start-network.mjs)
TIMEOUT = 15.0


def firehose_url(pds: str) -> str:
    """The PDS's own firehose (subscribeRepos) on loopback."""
    return pds.replace("http://", "ws://") + "/xrpc/" + firehose.FIREHOSE_PATH


class Listener:
    """The PDS's firehose, read in a thread from its live end."""

    def __init__(self, pds: str) -> None:
        self.url = firehose_url(pds)
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


# Porch itself on the stream: the consumer (porch stream) in a thread, the real inbox and
# listening sinks, a real database shared with the test (hence transaction=True).


def eventually(check: Callable[[], bool], seconds: float = TIMEOUT) -> bool:
    """Whether `check()` came true within `seconds` (looked at every 20 ms)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def consumer(network: DevNetwork, settings: Any) -> Iterator[Firehoses]:
    """`porch stream` on the PDS's firehose, in a thread: stopped, joined and its lease given
    up at the end."""
    settings.BLUESKY_FIREHOSE_URL = firehose_url(network.pds)
    settings.BLUESKY_APPVIEW_URL = APPVIEW
    reading = Firehoses(["bluesky"], "peer-test")
    yield reading
    reading.stop()
    assert not any(thread.is_alive() for thread in reading.threads)
    state = FirehoseState.objects.get(network="bluesky")
    assert (state.holder, state.leased_until) == ("peer-test", None)


def read_by_the_consumer(network: DevNetwork, someone: Person) -> None:
    """Wait until the consumer reads the stream: it starts from the live end, so `someone`
    posts (again every few seconds) until it has stored a post."""
    reading = FirehoseState.objects.filter(network="bluesky", posts__gt=0).exists
    deadline = time.monotonic() + TIMEOUT
    while not eventually(reading, 3.0):
        assert time.monotonic() < deadline, "the consumer read no post from the PDS"
        someone.sdk.send_post("Ovens on, doors open at eight")


@pytest.mark.django_db(transaction=True)
def test_porch_on_the_stream_puts_a_mention_in_the_inbox_and_a_post_in_listening(
    network: DevNetwork, owner: User, workspace: Workspace, consumer: Firehoses
) -> None:
    shop, customer = network.people("crumbs", "maria")
    account = save_connection(workspace, *network.connect(shop), "Europe/London")
    member = Membership.objects.get(workspace=workspace, user=owner)
    search = services.create_search(member, "Sourdough", "sourdough", "niche", ["bluesky"])
    read_by_the_consumer(network, shop)

    posted = time.monotonic()
    uri = mention(customer, shop, "is the rye loaf back on Saturday?")
    assert eventually(Message.objects.filter(account=account, external_id=uri).exists)
    message = Message.objects.get(external_id=uri)
    assert time.monotonic() - posted < TIMEOUT
    assert (message.kind, message.author_handle) == ("mention", customer.handle)
    assert message.text == f"@{shop.handle} is the rye loaf back on Saturday?"
    assert Conversation.objects.get(account=account).contact_handle == customer.handle

    said: Any = customer.sdk.send_post("Best sourdough in town, honestly")
    assert eventually(Hit.objects.filter(workspace=workspace, external_id=said.uri).exists)
    hit = Hit.objects.get(external_id=said.uri)
    assert list(hit.searches.all()) == [search]
    assert (hit.author_handle, hit.author_id) == (customer.handle, customer.did)
    assert hit.text == "Best sourdough in town, honestly"
    assert not Hit.objects.filter(external_id=uri).exists()  # the mention is no sourdough
