"""The inbox as a shop owner reads it (issue 25): a clock only for what needs an answer,
said once when it is paused; opening hours from the workshop; {name} as a first name or
"there"; "Send and resolve"; keyboard shortcuts from a static script, listed on the page."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.errors import InputError
from porch.inbox import services
from porch.inbox.clock import BusinessHours, next_opening, response_clock, when_text
from porch.inbox.models import (
    ConversationStatus,
    HoursFrom,
    InboxSettings,
    Message,
    Reply,
    ReplyStatus,
    SavedReply,
)
from porch.workspaces import services as services_ws
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member
from tests.inbox.test_inbox import conversation
from tests.inbox.test_inbox_desk import always_open

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test"
    )


# The clock: only complaints, questions and leads wait for an answer.


@pytest.mark.parametrize(
    ("intent", "overdue"),
    [
        ("complaint", True),
        ("question", True),
        ("lead", True),
        ("praise", False),
        ("spam", False),
        ("other", False),
    ],
)
def test_only_what_needs_an_answer_can_be_overdue(
    account: ConnectedAccount, intent: str, overdue: bool
) -> None:
    config = always_open(account.workspace, target=60)
    convo = conversation(account, 1, intent, MONDAY_NOON - timedelta(hours=5))
    clock = services.clock_of(convo, config, MONDAY_NOON)
    assert clock.overdue is overdue and clock.waiting is overdue
    assert clock.first_response == 5 * 3600  # the time is still known


def test_the_plain_words_say_how_long_it_waits_and_how_long_is_left() -> None:
    hours = BusinessHours("UTC", time(0), time(0), frozenset(range(7)))
    clock = response_clock(hours, 60, MONDAY_NOON - timedelta(minutes=25), None, None, MONDAY_NOON)
    assert (clock.first_response_text, clock.left_text, clock.target_text) == (
        "25 min",
        "35 min",
        "1 h",
    )


def test_the_next_opening_is_said_as_a_day_and_a_time() -> None:
    tue_to_sat = BusinessHours("Europe/London", time(7), time(16), frozenset({1, 2, 3, 4, 5}))
    sunday_evening = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    opening = next_opening(tue_to_sat, sunday_evening)
    assert opening == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert opening is not None and when_text(opening, sunday_evening, "Europe/London") == "Tue 7:00"
    tuesday_dawn = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert when_text(next_opening(tue_to_sat, tuesday_dawn), tuesday_dawn, "UTC") == "7:00"  # type: ignore[arg-type]
    open_now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert next_opening(tue_to_sat, open_now) == open_now
    assert next_opening(BusinessHours(days=frozenset()), open_now) is None


@pytest.mark.clock
def test_the_list_says_once_that_the_clock_is_paused(
    signed_in: Client, account: ConnectedAccount
) -> None:
    services.use_opening_hours(
        account.workspace, days=[1, 2, 3, 4, 5], opens=time(7), closes=time(16)
    )
    sunday = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    for n in range(3):
        conversation(account, n, "question", sunday - timedelta(hours=n + 30))
    with time_machine.travel(sunday, tick=False):
        page = signed_in.get(reverse("inbox", args=[account.workspace.slug])).content.decode()
    assert page.count("the response clock is paused until Tue 7:00") == 1
    assert "outside business hours)" not in page  # not on every row
    assert page.count('data-testid="inbox-row"') == 3


@pytest.mark.clock
def test_praise_is_never_overdue_in_red_on_the_page(
    signed_in: Client, account: ConnectedAccount
) -> None:
    always_open(account.workspace, target=60)
    conversation(account, 1, "praise", timezone.now() - timedelta(hours=30))
    page = signed_in.get(reverse("inbox", args=[account.workspace.slug])).content.decode()
    assert "Overdue" not in page and "overdue-row" not in page
    assert "No answer needed" in page


# Opening hours: a Monday-to-Saturday default; the workshop's hours through the service.


def test_a_new_workspace_is_open_monday_to_saturday(workspace: Workspace) -> None:
    config = InboxSettings.of(workspace)
    assert config.day_numbers() == [0, 1, 2, 3, 4, 5]
    assert config.hours_from == HoursFrom.DEFAULT


def test_use_opening_hours_sets_the_business_hours_and_says_where_from(
    signed_in: Client, workspace: Workspace
) -> None:
    services.use_opening_hours(workspace, days=[5, 1, 2, 3, 4, 4], opens=time(7), closes=time(16))
    config = InboxSettings.of(workspace)
    assert (config.days, config.opens, config.closes) == ("1,2,3,4,5", time(7), time(16))
    assert config.hours().days == frozenset({1, 2, 3, 4, 5})
    page = signed_in.get(reverse("inbox_settings", args=[workspace.slug])).content.decode()
    assert "These hours are your opening hours in the plan&#x27;s workshop." in page


@pytest.mark.parametrize(
    ("days", "opens", "closes"),
    [([], time(9), time(17)), ([7], time(9), time(17)), ([0], time(17), time(9))],
)
def test_use_opening_hours_refuses_hours_that_cannot_be(
    workspace: Workspace, days: list[int], opens: time, closes: time
) -> None:
    with pytest.raises(InputError):
        services.use_opening_hours(workspace, days=days, opens=opens, closes=closes)
    assert InboxSettings.of(workspace).hours_from == HoursFrom.DEFAULT


def test_hours_changed_on_the_settings_page_are_the_owners_own(
    signed_in: Client, workspace: Workspace
) -> None:
    services.use_opening_hours(workspace, days=[1, 2, 3, 4, 5], opens=time(7), closes=time(16))
    url = reverse("inbox_settings", args=[workspace.slug])
    form = {
        "days": ["1", "2", "3", "4", "5"],
        "opens": "07:00",
        "closes": "16:00",
        "timezone": "Europe/London",
        "first_response_target": "45",
        "alert_urgency": "0.7",
    }
    assert signed_in.post(url, form).status_code == 302  # the same hours: still the workshop's
    assert InboxSettings.of(workspace).hours_from == HoursFrom.WORKSHOP
    assert signed_in.post(url, {**form, "closes": "17:00"}).status_code == 302
    assert InboxSettings.of(workspace).hours_from == HoursFrom.SETTINGS
    assert "These hours are set on this page." in signed_in.get(url).content.decode()


# {name}: the first name, never the handle; "there" after a greeting when there is none.


def _message(account: ConnectedAccount, handle: str, name: str) -> Message:
    convo = conversation(account, 1, "question", MONDAY_NOON)
    message = convo.messages.get()
    message.author_handle, message.author_name = handle, name
    return message


@pytest.mark.parametrize(
    ("handle", "name", "text", "filled"),
    [
        ("maria_runs", "Maria Lopez", "Hi {name}, thanks!", "Hi Maria, thanks!"),
        ("maria_runs", "", "Hi {name}, thanks!", "Hi there, thanks!"),
        ("maria_runs", "maria_runs", "Hello {name}! See you", "Hello there! See you"),
        ("maria_runs", "@Maria_Runs", "Hey {name},", "Hey there,"),
        ("maria_runs", "", "Thanks, {name}! {business}", "Thanks! Corner Bakery"),
        ("maria_runs", "", "Thanks {name}.", "Thanks."),
        ("maria_runs", "", "Sorry {handle}", "Sorry @maria_runs"),
        ("maria_runs", "", "{name}, your order is ready", "Your order is ready"),
        ("maria_runs", "", "Dear {name},\nthank you", "Hello,\nthank you"),
        ("maria_runs", "Maria", "{name}, your order is ready", "Maria, your order is ready"),
    ],
)
def test_name_is_a_first_name_or_a_friendly_greeting(
    account: ConnectedAccount, handle: str, name: str, text: str, filled: str
) -> None:
    saved = SavedReply(workspace=account.workspace, title="t", text=text)
    result = saved.fill(_message(account, handle, name))
    assert result == filled
    assert "maria_runs" not in result or "{handle}" in text


# "Send and resolve": resolved once the reply is stored for sending; a helper's on approval.


def _send_as(monkeypatch: pytest.MonkeyPatch, status: str) -> None:
    def fake_send(reply: Reply) -> None:
        Reply.objects.filter(pk=reply.pk).update(status=status)

    monkeypatch.setattr(services, "send_now", fake_send)


def _member(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


@pytest.mark.parametrize(
    ("sent_as", "resolved"),
    [(ReplyStatus.SENT, True), (ReplyStatus.QUEUED, True), (ReplyStatus.FAILED, False)],
)
def test_send_and_resolve_resolves_once_the_reply_is_stored_for_sending(
    monkeypatch: pytest.MonkeyPatch,
    account: ConnectedAccount,
    owner: User,
    sent_as: str,
    resolved: bool,
) -> None:
    _send_as(monkeypatch, sent_as)
    convo = conversation(account, 1, "complaint", MONDAY_NOON)
    member = _member(account.workspace, owner)
    services.submit_reply(member, owner, convo, "So sorry!", resolve=True)
    convo.refresh_from_db()
    assert (convo.status == ConversationStatus.RESOLVED) is resolved
    assert (convo.resolved_at is not None) is resolved


def test_send_alone_leaves_the_conversation_open(
    monkeypatch: pytest.MonkeyPatch, account: ConnectedAccount, owner: User
) -> None:
    _send_as(monkeypatch, ReplyStatus.SENT)
    convo = conversation(account, 1, "complaint", MONDAY_NOON)
    services.submit_reply(_member(account.workspace, owner), owner, convo, "On it")
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.OPEN


def test_a_helpers_send_and_resolve_resolves_when_approved(
    monkeypatch: pytest.MonkeyPatch, client: Client, account: ConnectedAccount, owner: User
) -> None:
    _send_as(monkeypatch, ReplyStatus.SENT)
    workspace = account.workspace
    convo = conversation(account, 1, "complaint", MONDAY_NOON)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    page = client.get(reverse("conversation", args=[workspace.slug, convo.pk])).content.decode()
    assert "Send for approval, then resolve" in page
    answer = client.post(
        reverse("reply", args=[workspace.slug, convo.pk]),
        {"text": "So sorry!", "resolve": "1"},
        follow=True,
    )
    assert "resolved when your reply is approved" in answer.content.decode()
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.OPEN  # nothing sent yet
    waiting = Reply.objects.get()
    assert waiting.status == ReplyStatus.PENDING and waiting.resolves
    services.approve(_member(workspace, owner), owner, waiting)
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.RESOLVED


def test_the_send_and_resolve_button_goes_through_the_reply_service(
    monkeypatch: pytest.MonkeyPatch, signed_in: Client, account: ConnectedAccount
) -> None:
    _send_as(monkeypatch, ReplyStatus.SENT)
    workspace = account.workspace
    convo = conversation(account, 1, "complaint", MONDAY_NOON)
    page = signed_in.get(reverse("conversation", args=[workspace.slug, convo.pk])).content.decode()
    assert 'name="resolve" value="1"' in page and "Send and resolve" in page
    answer = signed_in.post(
        reverse("reply", args=[workspace.slug, convo.pk]),
        {"text": "Sorted, thanks!", "resolve": "1"},
        follow=True,
    )
    assert "Conversation resolved." in answer.content.decode()
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.RESOLVED
    assert Reply.objects.get().text == "Sorted, thanks!"


def test_the_resolve_button_resolves_and_another_workspace_cannot(
    signed_in: Client, account: ConnectedAccount
) -> None:
    workspace = account.workspace
    convo = conversation(account, 1, "question", MONDAY_NOON)
    url = reverse("conversation_resolve", args=[workspace.slug, convo.pk])
    stranger = services_ws.create_user("stranger@else.example", "a long enough password")
    elsewhere = services_ws.create_workspace(stranger, "Elsewhere")
    other = Client()
    other.force_login(stranger)
    theirs = reverse("conversation_resolve", args=[elsewhere.slug, convo.pk])
    assert other.post(url).status_code in (403, 404)  # not their workspace
    assert other.post(theirs).status_code == 404  # their workspace, not their conversation
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.OPEN
    assert signed_in.get(url).status_code == 405
    assert signed_in.post(url).status_code == 302
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.RESOLVED and convo.resolved_at is not None


# Keyboard shortcuts and the conversation's neighbours.


def test_inbox_pages_load_the_shortcuts_script_and_list_them(
    signed_in: Client, account: ConnectedAccount
) -> None:
    workspace = account.workspace
    first = conversation(account, 1, "complaint", MONDAY_NOON, urgency=0.9)
    second = conversation(account, 2, "question", MONDAY_NOON)
    pages = [
        signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode(),
        signed_in.get(reverse("conversation", args=[workspace.slug, first.pk])).content.decode(),
    ]
    for page in pages:
        assert 'src="/static/porch/inbox.js" defer' in page
        assert 'href="/static/porch/inbox.css"' in page
        assert "Keyboard shortcuts" in page and "<kbd>j</kbd>" in page and "<kbd>?</kbd>" in page
        assert "<script>" not in page  # no inline script (CSP)
    conversation_page = pages[1]
    assert reverse("conversation", args=[workspace.slug, second.pk]) in conversation_page
    assert 'data-shortcut="next"' in conversation_page
    assert 'data-shortcut="previous"' not in conversation_page  # the first of the queue
    assert 'data-shortcut="resolve"' in conversation_page
    back = signed_in.get(reverse("conversation", args=[workspace.slug, second.pk]))
    assert 'data-shortcut="previous"' in back.content.decode()


def test_the_conversation_page_has_unique_ids_and_labelled_fields(
    signed_in: Client, account: ConnectedAccount
) -> None:
    convo = conversation(account, 1, "complaint", MONDAY_NOON)
    page = signed_in.get(
        reverse("conversation", args=[account.workspace.slug, convo.pk])
    ).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for field in re.findall(r"<(?:textarea|select)[^>]*\sid=\"([^\"]+)\"", page):
        assert f'for="{field}"' in page, field


def test_a_week_is_named_by_its_monday() -> None:
    from porch.inbox.clock import week_stats

    assert week_stats("2026-W49", [60.0], 60).starts.isoformat() == "2026-11-30"


@pytest.mark.clock
def test_response_times_count_only_what_needs_an_answer(
    signed_in: Client, account: ConnectedAccount
) -> None:
    always_open(account.workspace, target=60)
    arrived = timezone.now() - timedelta(hours=2)
    conversation(account, 1, "question", arrived, first_response_at=arrived + timedelta(minutes=20))
    conversation(account, 2, "praise", arrived)  # never answered: nobody waits
    conversation(account, 3, "complaint", arrived)  # waits
    page = signed_in.get(reverse("response_times", args=[account.workspace.slug]))
    row = page.content.decode().split('data-testid="week-row"')[1]
    cells = [c.split("</td>")[0].strip() for c in re.split(r"<td[^>]*>", row)[1:]]
    assert cells[1] == "1" and cells[-1] == '<span class="bad">1</span>'
