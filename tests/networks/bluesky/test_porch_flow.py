"""The whole Bluesky path through Porch on the real AT Protocol stack: connect in the web
UI with an app password, a customer's angry mention arrives through `porch sync`, it is
stored in its conversation, and Porch's reply from the inbox appears in the thread."""

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from porch.cli import main
from porch.inbox.models import Conversation
from porch.workspaces.models import ConnectedAccount, Workspace

from .conftest import DevNetwork
from .test_peer import mention

pytestmark = pytest.mark.peers


@pytest.mark.django_db(transaction=True)
def test_connect_sync_and_reply_in_the_thread(
    network: DevNetwork, signed_in: Client, workspace: Workspace
) -> None:
    shop, customer = network.people("crumbs", "maria")
    connected = signed_in.post(
        reverse("connect_bluesky", args=[workspace.slug]),
        {"handle": shop.handle, "app_password": shop.app_password(), "pds_url": network.pds},
    )
    assert connected.status_code == 302, connected.content.decode()[:500]
    account = ConnectedAccount.objects.get(workspace=workspace, network="bluesky")
    assert account.external_id == shop.did

    uri = mention(customer, shop, "my wedding cake never arrived and the party starts at 3!!")
    network.settle()
    synced = CliRunner().invoke(main, ["sync", "--account", str(account.pk)])
    assert synced.exit_code == 0, synced.output
    assert "1 new" in synced.output and "wedding cake never arrived" in synced.output

    convo = Conversation.objects.get(account=account)
    assert convo.contact_handle == customer.handle
    signed_in.post(
        reverse("reply", args=[workspace.slug, convo.pk]),
        {"text": "So sorry Maria! Calling you now, a cake is on its way."},
    )
    network.settle()
    thread = customer.sdk.get_post_thread(uri).thread
    replies = [(r.post.author.handle, r.post.record.text) for r in thread.replies or []]
    assert replies == [(shop.handle, "So sorry Maria! Calling you now, a cake is on its way.")]
