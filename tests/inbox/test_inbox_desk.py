"""The desk around the queue: inbox settings, the response clock in business hours, weekly
response times, filters, saved-reply placeholders, the reply box's length check, and
helpers' replies that wait for approval and then go out once (over real HTTP, to
mastodon-mock)."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from mastodon import Mastodon

from porch.inbox.models import (
    Conversation,
    InboxSettings,
    MessageKind,
    Reply,
    ReplyStatus,
    SavedReply,
)
from porch.networks.poller import sync_account
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import PASSWORD, add_member
from tests.inbox.test_inbox import conversation
from tests.networks.mastodon.conftest import DOMAIN, Mock, mock, mock_server, pat  # noqa: F401


def always_open(workspace: Workspace, target: int = 60) -> InboxSettings:
    config = InboxSettings.of(workspace)
    config.days, config.opens, config.closes = "0,1,2,3,4,5,6", time(0), time(0)
    config.first_response_target = target
    config.save()
    return config


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test"
    )


def settings_url(workspace: Workspace) -> str:
    return reverse("inbox_settings", args=[workspace.slug])


VALID = {
    "days": ["0", "1", "2", "3", "4", "5"],
    "opens": "08:30",
    "closes": "18:00",
    "timezone": "Europe/London",
    "first_response_target": "30",
    "alert_urgency": "0.5",
    "alert_emails": "ann@bakery.example,  bob@bakery.example",
    "quiet_from": "22:00",
    "quiet_until": "07:00",
    "helpers_need_approval": "on",
}


def test_owner_saves_business_hours_target_and_alerts(
    signed_in: Client, workspace: Workspace
) -> None:
    page = signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert settings_url(workspace) in page
    form = signed_in.get(settings_url(workspace)).content.decode()
    assert reverse("api:webhooks", args=[workspace.slug]) in form  # alerts to machines
    assert "alert_webhook" not in form
    saved = signed_in.post(settings_url(workspace), {**VALID, "timezone": "America/New_York"})
    assert saved.status_code == 302
    config = InboxSettings.of(workspace)
    assert (config.days, config.opens, config.closes) == ("0,1,2,3,4,5", time(8, 30), time(18))
    assert config.zone() == "America/New_York" and config.first_response_target == 30
    assert config.alert_emails == "ann@bakery.example, bob@bakery.example"
    assert (config.quiet_from, config.quiet_until) == (time(22), time(7))
    assert config.helpers_need_approval is True
    assert config.hours().days == frozenset(range(6))
    # The workspace's own zone is kept as "follow the workspace".
    signed_in.post(settings_url(workspace), VALID)
    assert InboxSettings.of(workspace).timezone == ""
    assert InboxSettings.of(workspace).zone() == "Europe/London"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closes": "08:00"}, "Closing time must be after opening time"),
        ({"days": []}, "Tick at least one day you are open."),
        ({"alert_emails": "ann@bakery.example; bob"}, "is not an email address"),
        ({"alert_urgency": "7"}, "Use a number from 0 to 1"),
        ({"first_response_target": "0"}, "The target must be at least 1 minute."),
        ({"quiet_until": ""}, "Set both ends of the quiet hours"),
        ({"opens": "nine"}, "Write a time like 09:00"),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_bad_settings_say_what_to_fix_and_change_nothing(
    signed_in: Client, workspace: Workspace, change: dict[str, object], message: str
) -> None:
    answer = signed_in.post(settings_url(workspace), {**VALID, **change})
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert InboxSettings.of(workspace).first_response_target == 60  # untouched default


def test_a_helper_cannot_change_inbox_settings(client: Client, workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert client.post(settings_url(workspace), VALID).status_code == 403


@pytest.mark.clock
def test_overdue_complaints_stand_out_with_words_and_answered_ones_show_their_time(
    signed_in: Client, account: ConnectedAccount
) -> None:
    always_open(account.workspace, target=60)
    now = timezone.now()
    conversation(account, 1, "complaint", now - timedelta(hours=3), urgency=0.9)
    conversation(
        account,
        2,
        "question",
        now - timedelta(hours=2),
        first_response_at=now - timedelta(hours=1, minutes=50),
    )
    conversation(account, 3, "praise", now - timedelta(minutes=5))
    page = signed_in.get(reverse("inbox", args=[account.workspace.slug])).content.decode()
    rows = page.split('data-testid="inbox-row"')[1:]
    assert "overdue-row" in page.split('data-testid="inbox-row"')[0]  # the complaint's <tr>
    assert "<b>Overdue</b> · waiting 3 h" in rows[0] and 'data-running="true"' in rows[0]
    assert "first answer in 10 min" in rows[1] and "Overdue" not in rows[1]
    # Praise needs no answer: no clock running, never overdue.
    assert "No answer needed" in rows[2] and 'data-overdue="false"' in rows[2]
    assert "Overdue" not in rows[2] and 'data-running="false"' in rows[2]


@pytest.mark.clock
def test_the_clock_counts_only_business_hours(signed_in: Client, account: ConnectedAccount) -> None:
    config = InboxSettings.of(account.workspace)
    config.days, config.opens, config.closes = "0,1,2,3,4", time(9), time(17)
    config.save()
    friday_4pm, monday_10am = (
        datetime(2026, 11, 20, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    )
    convo = conversation(
        account,
        1,
        "complaint",
        friday_4pm,
        first_response_at=monday_10am,
        resolved_at=monday_10am + timedelta(hours=3),
        status="resolved",
    )
    page = signed_in.get(reverse("conversation", args=[account.workspace.slug, convo.pk]))
    text = page.content.decode()
    assert "first answer in 2 h · <b>over the 1 h target</b> · resolved in 5 h" in text


@pytest.mark.clock
def test_weekly_median_p90_and_share_within_target_page(
    signed_in: Client, account: ConnectedAccount
) -> None:
    always_open(account.workspace, target=60)
    now = timezone.now()  # read once: two reads could fall either side of midnight
    monday = now - timedelta(days=now.weekday())
    start = monday.replace(hour=1, minute=0, second=0, microsecond=0)
    for n, minutes in enumerate([10, 20, 30, 90]):
        arrived = start + timedelta(minutes=n)
        conversation(
            account, n, "question", arrived, first_response_at=arrived + timedelta(minutes=minutes)
        )
    conversation(account, 9, "complaint", start)  # still waiting
    conversation(account, 10, "spam", start, first_response_at=start + timedelta(days=1))
    page = signed_in.get(reverse("response_times", args=[account.workspace.slug]))
    row = page.content.decode().split('data-testid="week-row"')[1]
    cells = [c.split("</td>")[0].strip() for c in re.split(r"<td[^>]*>", row)[1:]]
    assert cells[1:] == ["4", "25 min", "90 min", "75%", '<span class="bad">1</span>']


def test_filters_by_account_and_assignee(
    signed_in: Client, account: ConnectedAccount, owner: User
) -> None:
    other = ConnectedAccount.objects.create(
        workspace=account.workspace, network="mastodon", handle="shop@m.example"
    )
    now = timezone.now()
    conversation(account, 1, "question", now, assigned_to=owner)
    conversation(other, 2, "question", now)
    url = reverse("inbox", args=[account.workspace.slug])

    def shown(query: str) -> list[str]:
        page = signed_in.get(url + query).content.decode()
        return [part.split("</b>")[0] for part in page.split('"open-conversation"><b>')[1:]]

    assert shown(f"?account={other.pk}") == ["person2"]
    assert shown("?assignee=nobody") == ["person2"]
    assert shown(f"?assignee={owner.pk}") == ["person1"]
    assert shown("?assignee=me") == ["person1"]
    assert sorted(shown("?account=not-a-number")) == ["person1", "person2"]


def test_saved_reply_placeholders_and_unknown_ones_are_refused(
    signed_in: Client, account: ConnectedAccount
) -> None:
    url = reverse("saved_replies", args=[account.workspace.slug])
    refused = signed_in.post(url, {"title": "Oops", "text": "Hi {nmae}!"})
    assert "Porch does not know {nmae}: use {name}, {handle}, {business}." in (
        refused.content.decode()
    )
    signed_in.post(url, {"title": "Sorry", "text": "Sorry {name} ({handle}), {business} here."})
    assert SavedReply.objects.count() == 1
    convo = conversation(account, 1, "complaint", timezone.now())
    page = signed_in.get(reverse("conversation", args=[account.workspace.slug, convo.pk]))
    saved = page.content.decode().split('data-testid="saved-reply"')[0].rsplit("?text=", 1)[1]
    assert saved.startswith("Sorry%20Pat%20%28%40person1%29%2C%20Corner%20Bakery%20here.")


def test_saved_replies_can_be_edited_and_deleted_in_their_own_workspace_only(
    signed_in: Client, account: ConnectedAccount
) -> None:
    item = SavedReply.objects.create(workspace=account.workspace, title="Late", text="Sorry!")
    url = reverse("saved_reply_edit", args=[account.workspace.slug, item.pk])
    assert "Sorry!" in signed_in.get(url).content.decode()
    refused = signed_in.post(url, {"title": "Late", "text": "Sorry {nmae}"}).content.decode()
    assert "Porch does not know {nmae}" in refused
    signed_in.post(url, {"title": "Late order", "text": "Sorry {name}, it is on its way."})
    item.refresh_from_db()
    assert (item.title, item.text) == ("Late order", "Sorry {name}, it is on its way.")

    from porch.workspaces import services

    stranger = services.create_user("y@other.example", PASSWORD)
    theirs = services.create_workspace(stranger, "Other")
    outsider = Client()
    outsider.force_login(stranger)
    for slug in (theirs.slug, account.workspace.slug):
        stolen = reverse("saved_reply_edit", args=[slug, item.pk])
        assert outsider.post(stolen, {"delete": "1"}).status_code == 404
    assert SavedReply.objects.filter(pk=item.pk).exists()

    signed_in.post(url, {"delete": "1"})
    assert not SavedReply.objects.filter(pk=item.pk).exists()


def test_reply_box_counts_as_the_network_does(signed_in: Client, account: ConnectedAccount) -> None:
    convo = conversation(account, 1, "complaint", timezone.now())
    url = reverse("reply_check", args=[account.workspace.slug, convo.pk])
    accented = "e\u0301"  # two code points, one grapheme: Bluesky counts 1
    fits = signed_in.post(url, {"text": accented * 300}).content.decode()
    assert "300 of 300 characters on Bluesky" in fits
    over = signed_in.post(url, {"text": "a" * 302}).content.decode()
    assert "Too long for Bluesky by 2</b>: shorten it to 300." in over
    assert signed_in.get(url).status_code == 405


def test_another_workspace_cannot_approve_or_check(
    client: Client, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", timezone.now())
    approval = Reply.objects.create(conversation=convo, text="hi", status=ReplyStatus.PENDING)
    from porch.workspaces import services

    stranger = services.create_user("x@other.example", PASSWORD)
    theirs = services.create_workspace(stranger, "Other")
    client.force_login(stranger)
    assert client.post(reverse("approve_reply", args=[theirs.slug, approval.pk])).status_code == 404
    check = client.post(reverse("reply_check", args=[theirs.slug, convo.pk]), {"text": "x"})
    assert check.status_code == 404
    approval.refresh_from_db()
    assert approval.status == ReplyStatus.PENDING


@pytest.fixture
def shop(mock: Mock, workspace: Workspace) -> ConnectedAccount:  # noqa: F811
    account = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=mock.base_url,
    )
    account.set_credentials({"access_token": "bakery"})
    account.save()
    return account


@pytest.mark.django_db(transaction=True)
def test_a_helpers_reply_waits_for_approval_then_goes_out_once(
    client: Client,
    workspace: Workspace,
    owner: User,
    shop: ConnectedAccount,
    pat: Mastodon,  # noqa: F811
) -> None:
    config = InboxSettings.of(workspace)
    config.helpers_need_approval = True
    config.save()
    angry = pat.status_post("@cornerbakery my order never arrived and nobody answers the phone")
    assert sync_account(shop).new == 1
    convo = Conversation.objects.get(account=shop)

    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    page = client.get(reverse("conversation", args=[workspace.slug, convo.pk])).content.decode()
    assert "Send for approval" in page
    client.post(reverse("reply", args=[workspace.slug, convo.pk]), {"text": "So sorry Pat!"})
    approval = Reply.objects.get()
    assert approval.status == ReplyStatus.PENDING and approval.author == helper
    assert pat.status_context(angry["id"])["descendants"] == []  # nothing sent yet
    assert (
        client.post(reverse("approve_reply", args=[workspace.slug, approval.pk])).status_code == 403
    )

    client.force_login(owner)
    inbox = client.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert "1 reply to approve" in inbox
    approve = reverse("approve_reply", args=[workspace.slug, approval.pk])
    client.post(approve)
    again = client.post(approve, follow=True).content.decode()
    assert "already approved or sent back" in again

    thread = pat.status_context(angry["id"])["descendants"]
    assert [s["account"]["username"] for s in thread] == ["cornerbakery"]
    assert "So sorry Pat!" in thread[0]["content"]
    approval.refresh_from_db()
    assert approval.status == ReplyStatus.SENT and approval.decided_by == owner
    assert convo.messages.filter(kind=MessageKind.OURS).get() == approval.sent


def test_sending_back_needs_a_comment_and_the_helper_sees_it(
    client: Client, workspace: Workspace, owner: User, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", timezone.now())
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    approval = Reply.objects.create(
        conversation=convo, author=helper, text="k", status=ReplyStatus.PENDING
    )
    client.force_login(owner)
    url = reverse("send_back", args=[workspace.slug, approval.pk])
    empty = client.post(url, {"comment": " "}, follow=True).content.decode()
    assert "Say what to change, so the helper knows what to fix." in empty
    client.post(url, {"comment": "Say sorry and offer a refund.", "from": "conversation"})
    approval.refresh_from_db()
    assert approval.status == ReplyStatus.RETURNED
    client.force_login(helper)
    page = client.get(reverse("conversation", args=[workspace.slug, convo.pk])).content.decode()
    assert "Sent back" in page and "Say sorry and offer a refund." in page
