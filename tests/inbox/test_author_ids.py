"""The inbox keeps each author's stable network id (the client's Incoming.author_id), and
each conversation its contact's, so that a renamed account stays the same person.

The network is the fake one (porch/networks/fake/): its client gives "fake:<handle>".
"""

import pytest

from porch.inbox.models import Conversation, Message
from porch.networks.fake import store as fake
from porch.networks.poller import sync_account
from porch.workspaces.models import ConnectedAccount, Workspace


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="cornerbakery"
    )


def test_a_synced_mention_keeps_its_authors_id_and_the_conversation_its_contacts(
    account: ConnectedAccount,
) -> None:
    fake.customer_post("maria", "@cornerbakery is the rye back?", to="cornerbakery")

    assert sync_account(account).new == 1

    message = Message.objects.get(account=account)
    assert (message.author_handle, message.author_id) == ("maria", "fake:maria")
    conversation = Conversation.objects.get(account=account)
    assert (conversation.contact_handle, conversation.contact_id) == ("maria", "fake:maria")


def test_others_in_the_thread_keep_their_own_ids_and_the_contact_stays(
    account: ConnectedAccount,
) -> None:
    first = fake.customer_post("maria", "@cornerbakery is the rye back?", to="cornerbakery")
    fake.customer_post("dan", "@cornerbakery it was Tuesday", to="cornerbakery", reply_to=first)
    fake.customer_post("maria", "@cornerbakery thanks!", to="cornerbakery", reply_to=first)

    assert sync_account(account).new == 3

    found = Message.objects.filter(account=account).order_by("sent_at", "pk")
    assert [(m.author_handle, m.author_id) for m in found] == [
        ("maria", "fake:maria"),
        ("dan", "fake:dan"),
        ("maria", "fake:maria"),
    ]
    conversation = Conversation.objects.get(account=account)
    assert (conversation.contact_handle, conversation.contact_id) == ("maria", "fake:maria")


def test_a_conversation_stored_before_ids_were_kept_learns_its_contacts_from_the_contact(
    account: ConnectedAccount,
) -> None:
    first = fake.customer_post("maria", "@cornerbakery is the rye back?", to="cornerbakery")
    sync_account(account)
    Message.objects.update(author_id="")  # as the rows stored before the migration are
    Conversation.objects.update(contact_id="")

    fake.customer_post("dan", "@cornerbakery it was Tuesday", to="cornerbakery", reply_to=first)
    sync_account(account)
    assert Conversation.objects.get(account=account).contact_id == ""  # not dan's

    fake.customer_post("maria", "@cornerbakery thanks!", to="cornerbakery", reply_to=first)
    sync_account(account)
    assert Conversation.objects.get(account=account).contact_id == "fake:maria"
