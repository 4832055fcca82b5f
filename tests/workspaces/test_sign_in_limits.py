"""Sign-in limits (django-axes): per account and address, per address, admin too, atomic."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from porch.workspaces import services
from porch.workspaces.models import Workspace
from porch.workspaces.signin import client_ip
from tests.conftest import PASSWORD
from tests.workspaces.hashers import CountingHasher

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STRANGER = "203.0.113.9"
OWNER_HOME = "198.51.100.7"


def sign_in(client: Client, email: str, password: str, **meta: Any) -> int:
    response = client.post(reverse("login"), {"email": email, "password": password}, **meta)
    return response.status_code


def guesses(client: Client, email: str, times: int, **meta: Any) -> list[int]:
    return [sign_in(client, email, f"guess {n}", **meta) for n in range(times)]


@time_machine.travel(NOW, tick=False)
def test_a_stranger_cannot_lock_the_owner_out_from_another_address(
    workspace: Workspace, owner: User
) -> None:
    stranger = Client(REMOTE_ADDR=STRANGER)
    assert guesses(stranger, owner.email, 5) == [200, 200, 200, 200, 429]
    assert sign_in(stranger, owner.email, PASSWORD) == 429  # the stranger stays paused

    at_home = Client(REMOTE_ADDR=OWNER_HOME)
    assert sign_in(at_home, owner.email, PASSWORD) == 302
    assert "_auth_user_id" in at_home.session


@time_machine.travel(NOW, tick=False)
def test_the_pause_is_plain_words_and_ends_after_the_window(
    workspace: Workspace, owner: User
) -> None:
    client = Client(REMOTE_ADDR=OWNER_HOME)
    guesses(client, owner.email, 5)
    response = client.post(reverse("login"), {"email": owner.email, "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "paused for 15 minutes" in page and "Traceback" not in page
    assert reverse("password_reset") in page

    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        assert sign_in(client, owner.email, PASSWORD) == 302


@time_machine.travel(NOW, tick=False)
def test_the_right_password_starts_the_count_again(workspace: Workspace, owner: User) -> None:
    client = Client(REMOTE_ADDR=OWNER_HOME)
    guesses(client, owner.email, 4)
    assert sign_in(client, owner.email, PASSWORD) == 302
    client.logout()
    assert guesses(client, owner.email, 4) == [200] * 4


@time_machine.travel(NOW, tick=False)
def test_signing_in_to_ones_own_account_buys_no_more_guesses(
    workspace: Workspace, owner: User
) -> None:
    services.create_user("me@elsewhere.example", PASSWORD)
    stranger = Client(REMOTE_ADDR=STRANGER)
    guesses(stranger, owner.email, 4)
    assert sign_in(stranger, "me@elsewhere.example", PASSWORD) == 302
    stranger.logout()
    assert guesses(stranger, owner.email, 1) == [429]


@time_machine.travel(NOW, tick=False)
def test_one_address_trying_many_accounts_is_paused(
    workspace: Workspace, owner: User, settings
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    stranger = Client(REMOTE_ADDR=STRANGER)
    codes = [sign_in(stranger, f"user{n}@shop.example", "password1") for n in range(8)]
    assert codes == [200] * 7 + [429]
    assert sign_in(stranger, owner.email, PASSWORD) == 429
    assert sign_in(Client(REMOTE_ADDR=OWNER_HOME), owner.email, PASSWORD) == 302


@time_machine.travel(NOW, tick=False)
def test_behind_a_trusted_proxy_each_client_is_counted_apart(
    workspace: Workspace, owner: User, settings
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 5
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    assert guesses(proxy, owner.email, 5, HTTP_X_FORWARDED_FOR=STRANGER)[-1] == 429
    helper = services.create_user("helper@bakery.example", PASSWORD)
    assert sign_in(proxy, helper.email, PASSWORD, HTTP_X_FORWARDED_FOR=OWNER_HOME) == 302


@time_machine.travel(NOW, tick=False)
def test_forwarded_for_from_anyone_else_is_ignored(workspace: Workspace, owner: User) -> None:
    client = Client(REMOTE_ADDR=STRANGER)
    codes = [
        sign_in(client, owner.email, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(5)
    ]
    assert codes[-1] == 429


@time_machine.travel(NOW, tick=False)
def test_tries_from_one_ipv6_64_are_counted_together(workspace: Workspace, owner: User) -> None:
    """Anyone with one IPv6 address has its whole /64: a new address each try is no way round."""
    codes = [
        sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2:{n:x}::9"), owner.email, f"guess {n}")
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:2::1"), owner.email, PASSWORD) == 429
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), owner.email, PASSWORD) == 302


@time_machine.travel(NOW, tick=False)
def test_a_hundred_wrong_passwords_from_anywhere_pause_the_account(
    workspace: Workspace, owner: User
) -> None:
    """The backstop: 99 tries from 33 addresses pause nothing; the 100th pauses the account."""
    helper = services.create_user("helper@bakery.example", PASSWORD)
    codes = [
        c for n in range(33) for c in guesses(Client(REMOTE_ADDR=f"192.0.2.{n}"), owner.email, 3)
    ]
    assert codes == [200] * 99
    assert guesses(Client(REMOTE_ADDR="192.0.2.200"), owner.email, 1) == [429]
    assert sign_in(Client(REMOTE_ADDR=OWNER_HOME), owner.email, PASSWORD) == 429
    assert sign_in(Client(REMOTE_ADDR=OWNER_HOME), helper.email, PASSWORD) == 302

    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        assert sign_in(Client(REMOTE_ADDR=OWNER_HOME), owner.email, PASSWORD) == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "192.0.2.1", "203.0.113.9"),  # not a proxy: its header is not read
        ("10.0.0.2", "192.0.2.1", "192.0.2.1"),
        ("10.0.0.2", "1.1.1.1, 192.0.2.1", "192.0.2.1"),  # a client's own entry is ignored
        ("10.0.0.2", "192.0.2.1, 10.0.0.7", "192.0.2.1"),  # two proxies
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "garbage", "10.0.0.2"),
        ("2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::"),  # an IPv6 client counts as its /64
        ("::ffff:203.0.113.9", "", "203.0.113.9"),  # IPv4-mapped: the IPv4 address
        ("::ffff:10.0.0.2", "2001:db8::1, 10.0.0.7", "2001:db8::"),
        ("fd00::2", "", "fd00::"),  # a trusted IPv6 proxy with no header: its /64
    ],
)
def test_client_address_reads_forwarded_for_only_from_trusted_proxies(
    settings, remote: str, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::2/128"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@time_machine.travel(NOW, tick=False)
def test_the_admin_sign_in_is_limited_too(db: None) -> None:
    admin = services.new_account("admin@porch.example", PASSWORD, admin=True)
    client = Client(REMOTE_ADDR=STRANGER)
    url = reverse("admin:login")
    for n in range(5):
        client.post(url, {"username": admin.username, "password": f"guess {n}"})
    response = client.post(url, {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "Too many wrong passwords" in response.content.decode()


def test_thirty_tries_at_once_check_at_most_five_passwords(transactional_db: None) -> None:
    owner = services.create_user("owner@bakery.example", PASSWORD)
    CountingHasher.checked = 0
    start = threading.Barrier(30)
    codes: list[int] = []

    def try_once(n: int) -> None:
        try:
            start.wait()
            codes.append(sign_in(Client(REMOTE_ADDR=STRANGER), owner.email, f"guess {n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=try_once, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CountingHasher.checked == 5  # each try is counted before its password is checked
    assert len(codes) == 30 and set(codes) <= {200, 429} and codes.count(429) >= 26
