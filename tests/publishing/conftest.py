"""Publishing tests run against real networks where one can run here: mastodon-mock on
loopback (a stateful fake of Mastodon's REST API) and Bluesky's own dev network."""

from datetime import datetime

import pytest
from django.utils import timezone

from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.networks.bluesky.conftest import DevNetwork, network  # noqa: F401
from tests.networks.conftest import require_peer  # noqa: F401  (a shared fixture)
from tests.networks.mastodon.conftest import DOMAIN, Mock, mock, mock_server  # noqa: F401


@pytest.fixture
def mastodon_account(workspace: Workspace, mock: Mock) -> ConnectedAccount:  # noqa: F811
    account = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=mock.base_url,
        timezone="Europe/London",
    )
    account.set_credentials({"access_token": "bakery"})
    account.save()
    return account


def schedule(
    account: ConnectedAccount, text: str, at: datetime | None = None, parts: list[str] | None = None
) -> PostTarget:
    """A post with one target for `account`, due at `at` (now by default)."""
    post = Post.objects.create(workspace=account.workspace, text=text, status=PostStatus.SCHEDULED)
    return PostTarget.objects.create(
        post=post,
        account=account,
        text=text,
        more_parts=parts or [],
        scheduled_at=at or timezone.now(),
        state=TargetState.SCHEDULED,
    )


def bluesky_account(workspace: Workspace, dev: DevNetwork, name: str) -> ConnectedAccount:
    """A shop's account on the dev Bluesky network, connected with an app password."""
    (shop,) = dev.people(name)
    ref, credentials = dev.connect(shop)
    account = ConnectedAccount(
        workspace=workspace,
        network="bluesky",
        handle=ref.handle,
        external_id=ref.external_id,
        server_url=dev.pds,
        timezone="Europe/London",
    )
    account.set_credentials(credentials)
    account.save()
    return account


def bluesky_posts(dev: DevNetwork, account: ConnectedAccount) -> list[str]:
    """The texts of the account's post records, read from its PDS (newest first)."""
    from atproto_client import Client  # type: ignore[import-untyped, unused-ignore]

    sdk = Client(base_url=dev.pds)
    found = sdk.com.atproto.repo.list_records(
        {"repo": account.external_id, "collection": "app.bsky.feed.post", "limit": 100}
    )
    return [record.value.text for record in found.records]
