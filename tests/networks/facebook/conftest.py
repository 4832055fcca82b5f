from collections.abc import Iterator

import pytest

from porch.networks.base import AccountRef
from porch.networks.facebook.client import FacebookClient

from .fake_graph import PAGE_ID, PAGE_NAME, TOKEN, FakeGraph, serving


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with serving() as fake:
        yield fake


@pytest.fixture
def page_account(graph: FakeGraph) -> AccountRef:
    return AccountRef("facebook", PAGE_NAME, PAGE_ID, server_url=graph.base_url)


@pytest.fixture
def page(page_account: AccountRef) -> Iterator[FacebookClient]:
    client = FacebookClient(page_account, {"page_token": TOKEN, "expires_at": None})
    yield client
    client.close()
