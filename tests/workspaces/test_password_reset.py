"""Password reset by email (Django's own views) and `porch resetpassword` where there is no mail."""

import re
from datetime import UTC, datetime

import time_machine
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from porch.cli import main
from porch.workspaces import services
from porch.workspaces.models import Workspace
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW = "a brand new kitchen password"
HOME = "198.51.100.7"


def pause(client: Client, email: str) -> None:
    for n in range(5):
        client.post(reverse("login"), {"email": email, "password": f"guess {n}"})


def signs_in(client: Client, email: str, password: str) -> bool:
    client.post(reverse("login"), {"email": email, "password": password})
    return "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
def test_reset_by_email_sets_a_new_password_and_lifts_the_pause(
    workspace: Workspace, owner: User, settings
) -> None:
    settings.PUBLIC_URL = "https://porch.example.com"
    client = Client(REMOTE_ADDR=HOME)
    pause(client, owner.email)
    response = client.post(reverse("password_reset"), {"email": "Owner@Bakery.example"})
    assert response["Location"] == reverse("password_reset_done")
    (sent,) = mail.outbox
    link = re.search(r"https://porch\.example\.com(/password-reset/\S+/)", str(sent.body))
    assert link and sent.to == [owner.email]

    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "Your password is changed" in done.content.decode()
    assert signs_in(client, owner.email, NEW)


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    client: Client, db: None
) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_used_reset_link_says_so(client: Client, owner: User) -> None:
    page = client.get("/password-reset/MQ/bad-token/", follow=True).content.decode()
    assert "This link cannot be used" in page


@time_machine.travel(NOW, tick=False)
def test_resetpassword_command_sets_it_and_lifts_the_pause(owner: User) -> None:
    client = Client(REMOTE_ADDR=HOME)
    pause(client, owner.email)
    result = CliRunner().invoke(main, ["resetpassword", owner.email, "--password", NEW])
    assert result.exit_code == 0, result.output
    assert signs_in(client, owner.email, NEW)


def test_resetpassword_command_asks_twice_without_echo(owner: User) -> None:
    result = CliRunner().invoke(main, ["resetpassword", owner.email], input=f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0 and NEW not in result.output
    assert User.objects.get(pk=owner.pk).check_password(NEW)


def test_resetpassword_command_refuses_in_one_line(owner: User) -> None:
    weak = CliRunner().invoke(main, ["resetpassword", owner.email, "--password", "1"])
    assert weak.exit_code == 1 and len(weak.output.strip().splitlines()) == 1
    assert "too short" in weak.output
    unknown = CliRunner().invoke(main, ["resetpassword", "who@x.example", "--password", NEW])
    assert unknown.output.strip() == "Error: There is no account for who@x.example."
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)


def test_createuser_refuses_a_weak_password_or_a_non_email_in_one_line(db: None) -> None:
    weak = CliRunner().invoke(main, ["createuser", "ana@bloom.example", "--password", "1"])
    assert weak.exit_code == 1 and len(weak.output.strip().splitlines()) == 1
    assert "This password is too short" in weak.output
    bad = CliRunner().invoke(main, ["createuser", "not an email", "--password", PASSWORD])
    assert (
        bad.output.strip() == "Error: 'not an email' is not an email address: use name@example.com"
    )
    assert not User.objects.exists()


def test_createuser_makes_the_first_user_the_admin(db: None) -> None:
    first = CliRunner().invoke(main, ["createuser", "ana@bloom.example", "--password", PASSWORD])
    second = CliRunner().invoke(main, ["createuser", "sam@bloom.example", "--password", PASSWORD])
    assert first.exit_code == second.exit_code == 0
    assert User.objects.get(username="ana@bloom.example").is_superuser
    assert not User.objects.get(username="sam@bloom.example").is_staff
    again = CliRunner().invoke(main, ["createuser", "SAM@bloom.example", "--password", PASSWORD])
    assert again.output.strip() == (
        "Error: An account for sam@bloom.example exists already: sign in instead."
    )
    assert services.signup_mode() == "invite"
