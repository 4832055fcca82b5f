import pytest

from porch.workspaces.models import ConnectedAccount, Workspace


def connect(
    workspace: Workspace, network: str, handle: str, external_id: str = ""
) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace,
        network=network,
        handle=handle,
        external_id=external_id,
        timezone="Europe/London",
    )


@pytest.fixture
def x_account(workspace: Workspace) -> ConnectedAccount:
    return connect(workspace, "x", "cornerbakery", "1")


@pytest.fixture
def mastodon_account(workspace: Workspace) -> ConnectedAccount:
    return connect(workspace, "mastodon", "corner@bakery.social", "7")


@pytest.fixture
def bluesky_account(workspace: Workspace) -> ConnectedAccount:
    from tests.insights.files import DID

    return connect(workspace, "bluesky", "corner.bsky.social", DID)
