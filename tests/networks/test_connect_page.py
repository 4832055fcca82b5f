"""The connect page and the account pages ask the registry, not a list of networks: every
installed network with a connect card has one, with its label and blurb, and a network
that cannot be connected on this install says why instead of offering a button."""

from typing import Any

from django.test import Client
from django.urls import reverse

from porch.networks import registry
from porch.workspaces.models import ConnectedAccount, Workspace


def test_every_installed_network_with_a_card_is_offered(
    signed_in: Client, workspace: Workspace, settings: Any
) -> None:
    settings.X_CLIENT_ID = ""
    page = signed_in.get(reverse("connect", args=[workspace.slug])).content.decode()
    with_cards = [network for network in registry.descriptors() if network.connect_card]
    assert with_cards and page.count('data-testid="connect-card"') == len(with_cards)
    for network in with_cards:
        assert f"<h2>{network.label}</h2>" in page and network.blurb in page
    assert "must first set PORCH_X_CLIENT_ID" in page
    assert reverse("connect_x", args=[workspace.slug]) not in page
    assert reverse("connect_mastodon", args=[workspace.slug]) in page

    settings.X_CLIENT_ID = "an-app"
    page = signed_in.get(reverse("connect", args=[workspace.slug])).content.decode()
    assert "must first set PORCH_X_CLIENT_ID" not in page
    assert f'action="{reverse("connect_x", args=[workspace.slug])}"' in page


def test_the_cost_cap_is_offered_only_where_reads_cost_money(
    signed_in: Client, workspace: Workspace
) -> None:
    for network in registry.descriptors():
        account = ConnectedAccount.objects.create(
            workspace=workspace, network=network.name, handle=f"bakery-{network.name}"
        )
        page = signed_in.get(reverse("account_settings", args=[workspace.slug, account.pk]))
        has_cap = "Monthly cost cap" in page.content.decode()
        assert has_cap == network.can.paid_reads, network.name
    accounts = signed_in.get(reverse("accounts", args=[workspace.slug])).content.decode()
    paid = [network for network in registry.descriptors() if network.can.paid_reads]
    assert accounts.count('data-testid="cost"') == len(paid)


def test_a_sign_in_coming_back_for_a_network_without_oauth_connects_nothing(
    signed_in: Client, workspace: Workspace
) -> None:
    session = signed_in.session
    session["porch_oauth"] = {"network": "bluesky", "state": "s"}
    session.save()
    url = reverse("connect_callback", args=[workspace.slug, "bluesky"])
    page = signed_in.get(url, {"code": "c", "state": "s"}, follow=True).content.decode()
    assert "The sign-in was not completed" in page
    assert not ConnectedAccount.objects.filter(workspace=workspace).exists()
