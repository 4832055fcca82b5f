"""Credentials saved under another PORCH_SECRET_KEY: the account needs reconnecting, no 500."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.networks.poller import sync_account
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OLD_KEY = "the-key-the-tokens-were-saved-with-" + "a" * 16
NEW_KEY = "another-key-set-after-a-reinstall--" + "b" * 16


@pytest.fixture
def locked_out(workspace: Workspace, settings) -> ConnectedAccount:
    """An X account whose token was encrypted under a key Porch no longer has."""
    settings.SECRET_KEY = OLD_KEY
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="cornerbakery", timezone="Europe/London"
    )
    account.set_credentials({"access_token": "t", "refresh_token": "r", "expires_at": 0})
    account.save()
    settings.SECRET_KEY = NEW_KEY
    return account


def sign_in(client: Client, owner: User) -> Client:
    client.force_login(owner)  # after the key changed: sessions are signed with it
    return client


@time_machine.travel(NOW, tick=False)
def test_the_composer_works_and_marks_the_account(
    client: Client, owner: User, workspace: Workspace, locked_out: ConnectedAccount
) -> None:
    sign_in(client, owner)
    count = client.post(
        reverse("compose_count", args=[workspace.slug]),
        {"text": "Fresh bread", "accounts": [locked_out.pk]},
    )
    assert count.status_code == 200
    assert count.json()["accounts"][str(locked_out.pk)]["fits"] is True
    answer = client.post(
        reverse("compose", args=[workspace.slug]),
        {"text": "Fresh bread", "accounts": [locked_out.pk], "when": "draft"},
    )
    assert answer.status_code in (200, 302)
    locked_out.refresh_from_db()
    assert locked_out.status == AccountStatus.NEEDS_RECONNECT
    assert "PORCH_SECRET_KEY" in locked_out.status_detail


@time_machine.travel(NOW, tick=False)
def test_the_accounts_page_says_needs_reconnecting_with_a_notice(
    client: Client, owner: User, workspace: Workspace, locked_out: ConnectedAccount
) -> None:
    page = sign_in(client, owner).get(reverse("accounts", args=[workspace.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Needs reconnecting" in html and "Connected</td>" not in html
    (notice,) = Notice.objects.filter(workspace=workspace)
    assert "reconnect" in notice.text and notice.text in html


@time_machine.travel(NOW, tick=False)
def test_a_sync_reports_it_instead_of_raising(locked_out: ConnectedAccount) -> None:
    report = sync_account(locked_out)
    assert "needs reconnecting" in report.error
    locked_out.refresh_from_db()
    assert locked_out.status == AccountStatus.NEEDS_RECONNECT
