"""Facebook Pages and people: Graph gives a Page no list of its followers, so the client
reads none and says why; the people Porch knows are those who comment or message."""

import pytest

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.facebook.client import FacebookClient
from porch.networks.registry import descriptor

from .fake_graph import FakeGraph


def test_facebook_says_it_gives_no_follower_list() -> None:
    can = descriptor("facebook").can
    assert can.followers == ""
    assert can.followers_note == (
        "Facebook does not tell Pages who follows them: Porch knows the people who comment "
        "on or message the Page."
    )


def test_people_reads_are_not_supported_and_ask_nothing(
    graph: FakeGraph, page: FacebookClient
) -> None:
    before = len(graph.requests)
    for read in (
        page.followers,
        lambda: page.follows_of("1234567890"),
        lambda: page.profiles(["1234567890"]),
    ):
        with pytest.raises(NetworkError) as caught:
            read()
        assert caught.value.code == ErrorCode.NOT_SUPPORTED
        assert caught.value.permanent
    assert page.suggested_follows() == []
    assert len(graph.requests) == before
