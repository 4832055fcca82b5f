"""The composer through the web: each network's own counting, threads, duplicates, X's
rule on identical text, slots, approvals, retry, tracked links, and workspace walls."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.networks.bluesky.rules import graphemes
from porch.networks.x.rules import RULES as X_RULES
from porch.networks.x.rules import weighted_length
from porch.publishing.compose import split_thread
from porch.publishing.models import (
    Post,
    PostingSlot,
    PostStatus,
    PostTarget,
    TargetState,
    TrackedLink,
)
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import PASSWORD, add_member

SPECIAL = "Two-for-one cinnamon buns today! Show this post at the till. 🥐🎉 https://cornerbakery.example/menu"


def account(workspace: Workspace, network: str, handle: str) -> ConnectedAccount:
    found = ConnectedAccount.objects.create(
        workspace=workspace, network=network, handle=handle, timezone="Europe/London"
    )
    for weekday in range(7):
        PostingSlot.objects.create(account=found, weekday=weekday, time=time(9, 0))
        PostingSlot.objects.create(account=found, weekday=weekday, time=time(17, 0))
    return found


@pytest.fixture
def x(workspace: Workspace) -> ConnectedAccount:
    return account(workspace, "x", "cornerbakery")


@pytest.fixture
def sky(workspace: Workspace) -> ConnectedAccount:
    return account(workspace, "bluesky", "cornerbakery.test")


def compose(client: Client, workspace: Workspace, **fields: object) -> str:
    answer = client.post(reverse("compose", args=[workspace.slug]), fields, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_counter_uses_each_networks_own_rules(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount, sky: ConnectedAccount
) -> None:
    answer = signed_in.post(
        reverse("compose_count", args=[workspace.slug]),
        {"text": SPECIAL, "accounts": [x.pk, sky.pk]},
    ).json()["accounts"]
    assert answer[str(x.pk)]["length"] == weighted_length(SPECIAL)  # URL 23, emoji 2
    assert weighted_length(SPECIAL) != len(SPECIAL)
    assert answer[str(sky.pk)]["length"] == graphemes(SPECIAL)
    assert answer[str(x.pk)] | {"parts": None} == {
        "length": weighted_length(SPECIAL),
        "max": 280,
        "fits": True,
        "parts": None,
    }
    long = "Fresh bread every morning. " * 20
    over = signed_in.post(
        reverse("compose_count", args=[workspace.slug]), {"text": long, "accounts": [x.pk]}
    ).json()["accounts"][str(x.pk)]
    assert over["fits"] is False and len(over["parts"]) == 2
    assert all(X_RULES.fits(part) and part.endswith(".") for part in over["parts"])


def test_a_thread_splits_at_sentence_ends_and_loses_nothing() -> None:
    text = " ".join(f"Sentence number {n} is about our {n} loaves of rye bread." for n in range(30))
    parts = split_thread(text, X_RULES)
    assert len(parts) > 1 and all(X_RULES.fits(p) for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text
    giant = "a" * 700
    assert "".join(split_thread(giant, X_RULES)) == giant


def test_too_long_asks_to_shorten_or_split_and_a_thread_is_saved(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount
) -> None:
    long = "Our bakery turns ten this week, thank you all. " * 8
    page = compose(signed_in, workspace, text=long, accounts=[x.pk], when="queue")
    assert "Too long for X cornerbakery by" in page and "split it into a thread" in page
    assert not Post.objects.exists()
    compose(
        signed_in, workspace, text=long, accounts=[x.pk], when="queue", **{f"thread_{x.pk}": "on"}
    )
    target = PostTarget.objects.get()
    assert len(target.parts()) == 2 and all(X_RULES.fits(p) for p in target.parts())
    assert target.state == TargetState.SCHEDULED and target.scheduled_at is not None


@pytest.mark.clock
def test_add_to_queue_fans_out_to_each_accounts_next_free_slot(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount, sky: ConnectedAccount
) -> None:
    compose(signed_in, workspace, text=SPECIAL, accounts=[x.pk, sky.pk], when="queue")
    compose(
        signed_in,
        workspace,
        text="Tomorrow: rye.",
        accounts=[x.pk, sky.pk],
        when="queue",
        **{f"text_{sky.pk}": "Tomorrow: rye, and pretzels on Bluesky only."},
    )
    first, second = Post.objects.order_by("pk")
    times = [t.scheduled_at for t in first.targets.order_by("account__network")]
    later = [t.scheduled_at for t in second.targets.order_by("account__network")]
    assert all(a is not None and b is not None and b > a for a, b in zip(times, later, strict=True))
    assert second.targets.get(account=sky).text.endswith("Bluesky only.")
    assert second.targets.get(account=x).text == "Tomorrow: rye."
    for target in PostTarget.objects.all():
        assert target.scheduled_at is not None
        assert target.scheduled_at.astimezone(ZoneInfo("Europe/London")).hour in (9, 17)


def test_nearly_the_same_text_warns_before_scheduling(
    signed_in: Client, workspace: Workspace, sky: ConnectedAccount
) -> None:
    compose(signed_in, workspace, text=SPECIAL, accounts=[sky.pk], when="queue")
    page = compose(
        signed_in,
        workspace,
        text=SPECIAL.replace("today", "today!!"),
        accounts=[sky.pk],
        when="queue",
    )
    assert 'data-testid="duplicate-warning"' in page and "nearly the same" in page
    assert Post.objects.count() == 1
    compose(
        signed_in, workspace, text=SPECIAL, accounts=[sky.pk], when="queue", confirm_duplicates="on"
    )
    assert Post.objects.count() == 2


def test_identical_text_on_two_x_accounts_is_refused(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount
) -> None:
    other = account(workspace, "x", "cornerbakery_cafe")
    page = compose(signed_in, workspace, text=SPECIAL, accounts=[x.pk, other.pk], when="queue")
    assert "X does not allow the same text on several accounts" in page
    assert not Post.objects.exists()


@pytest.mark.clock
def test_a_helpers_post_waits_for_approval_and_can_be_sent_back(
    client: Client, workspace: Workspace, owner: User, sky: ConnectedAccount
) -> None:
    add_member(workspace, "helper@bakery.example", Role.HELPER)
    assert client.login(username="helper@bakery.example", password=PASSWORD)
    compose(client, workspace, text="Pie of the week: rhubarb", accounts=[sky.pk], when="queue")
    post = Post.objects.get()
    assert post.status == PostStatus.AWAITING_APPROVAL
    assert post.targets.get().state == TargetState.DRAFT  # never picked by a worker
    action = reverse("post_action", args=[workspace.slug, post.pk])
    assert client.post(action, {"action": "approve"}).status_code == 403
    client.force_login(owner)
    client.post(action, {"action": "send_back", "comment": "Say it is gluten-free"})
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and post.review_comment == "Say it is gluten-free"
    post.status = PostStatus.AWAITING_APPROVAL
    post.save()
    client.post(action, {"action": "approve"})
    assert post.targets.get().state == TargetState.SCHEDULED
    assert Post.objects.get().status == PostStatus.SCHEDULED


@pytest.mark.clock
def test_a_failed_target_can_be_edited_and_retried(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount
) -> None:
    compose(signed_in, workspace, text="Soup!", accounts=[x.pk], when="queue")
    target = PostTarget.objects.get()
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.FAILED, error="X refused it")
    url = reverse("target_action", args=[workspace.slug, target.pk])
    signed_in.post(url, {"action": "edit_retry", "text": "Leek and potato soup, today only"})
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED and target.error == ""
    assert target.text == "Leek and potato soup, today only"
    assert target.scheduled_at is not None and target.scheduled_at <= timezone.now()


def test_tracked_links_redirect_with_utm_and_count_clicks(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount, sky: ConnectedAccount
) -> None:
    compose(
        signed_in, workspace, text=SPECIAL, accounts=[x.pk, sky.pk], when="queue", track_links="on"
    )
    x_target = PostTarget.objects.get(account=x)
    assert "cornerbakery.example" not in x_target.text and "/l/" in x_target.text
    code = x_target.text.split("/l/")[1].split()[0]
    anyone = Client()
    for _ in range(2):
        answer = anyone.get(f"/l/{code}")
        assert answer.status_code == 302
    assert answer["Location"].startswith("https://cornerbakery.example/menu?")
    assert "utm_source=x" in answer["Location"] and "utm_medium=social" in answer["Location"]
    assert TrackedLink.objects.get(code=code).clicks == 2
    assert TrackedLink.objects.get(network="bluesky").clicks == 0  # counted per network
    assert anyone.get("/l/nope").status_code == 404


def test_another_workspaces_posts_are_not_found(
    client: Client, workspace: Workspace, sky: ConnectedAccount
) -> None:
    post = Post.objects.create(workspace=workspace, text="ours")
    target = PostTarget.objects.create(post=post, account=sky, text="ours")
    from porch.workspaces import services

    stranger = services.create_user("other@shop.example", PASSWORD)
    theirs = services.create_workspace(stranger, "Other Shop", "UTC")
    client.force_login(stranger)
    assert client.get(reverse("post", args=[workspace.slug, post.pk])).status_code == 404
    assert client.get(reverse("post", args=[theirs.slug, post.pk])).status_code == 404
    url = reverse("target_action", args=[theirs.slug, target.pk])
    assert client.post(url, {"action": "retry"}).status_code == 404


@pytest.mark.clock
def test_calendar_shows_the_week_and_the_month(
    signed_in: Client, workspace: Workspace, sky: ConnectedAccount
) -> None:
    at = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in London (BST)
    post = Post.objects.create(workspace=workspace, text="Easter hot cross buns")
    PostTarget.objects.create(post=post, account=sky, text=post.text, scheduled_at=at)
    url = reverse("calendar", args=[workspace.slug])
    week = signed_in.get(url, {"start": "2026-04-01"}).content.decode()
    assert 'data-day="2026-03-30"' in week and "09:00 Bluesky" in week and "hot cross" in week
    month = signed_in.get(url, {"view": "month", "start": "2026-03-10"}).content.decode()
    assert "March 2026" in month and "09:00 Bluesky" in month
    other = signed_in.get(url, {"start": "2026-04-08"}).content.decode()
    assert "hot cross" not in other


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def test_images_need_a_description_and_fit_each_networks_limits(
    signed_in: Client, workspace: Workspace, x: ConnectedAccount
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(data: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile("buns.png", data, content_type="image/png")

    fields = {"text": "Buns!", "accounts": [x.pk], "when": "queue"}
    page = compose(signed_in, workspace, **fields, image_1=upload(PNG))
    assert "Describe image 1 (alt text)" in page and not Post.objects.exists()
    big = PNG + b"\0" * (6 * 1024 * 1024)
    page = compose(signed_in, workspace, **fields, image_1=upload(big), alt_1="Cinnamon buns")
    assert "Image 1 is too big for X cornerbakery" in page and not Post.objects.exists()
    compose(signed_in, workspace, **fields, image_1=upload(PNG), alt_1="Cinnamon buns on a tray")
    (image,) = Post.objects.get().images.all()
    assert bytes(image.data) == PNG and image.alt_text == "Cinnamon buns on a tray"


def test_themes_are_added_on_the_queue_page_and_offered_in_the_composer(
    signed_in: Client, workspace: Workspace
) -> None:
    url = reverse("publishing_queue", args=[workspace.slug])
    signed_in.post(url, {"action": "pillar", "name": "Specials", "account": "0"})
    queue = signed_in.get(url).content.decode()
    assert "<li>Specials</li>" in queue and "Posting times" in queue
    composer = signed_in.get(reverse("compose", args=[workspace.slug])).content.decode()
    assert "<option>Specials</option>" in composer


@pytest.mark.clock
def test_the_health_page_counts_overdue_posts(
    signed_in: Client, owner: User, workspace: Workspace, sky: ConnectedAccount
) -> None:
    post = Post.objects.create(workspace=workspace, text="late")
    PostTarget.objects.create(
        post=post, account=sky, text="late", scheduled_at=timezone.now() - timedelta(hours=1)
    )
    page = signed_in.get(reverse("health")).content.decode()
    assert "1 scheduled post is late going out." in page  # the owner, in words
    User.objects.filter(pk=owner.pk).update(is_staff=True)
    page = signed_in.get(reverse("health")).content.decode()
    assert 'data-testid="posts-overdue">1<' in page and "posts overdue" in page


@pytest.mark.clock
def test_reschedule_takes_the_accounts_local_time_and_a_repeat_can_stop(
    signed_in: Client, workspace: Workspace
) -> None:
    sydney = ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="bakery.test", timezone="Australia/Sydney"
    )
    post = Post.objects.create(workspace=workspace, text="Anzac biscuits", repeat_every_days=7)
    target = PostTarget.objects.create(post=post, account=sydney, text=post.text)
    url = reverse("target_action", args=[workspace.slug, target.pk])
    signed_in.post(url, {"action": "reschedule", "at": "2030-04-07T09:00"})  # AEST, UTC+10
    target.refresh_from_db()
    assert target.scheduled_at == datetime(2030, 4, 6, 23, 0, tzinfo=UTC)
    past = signed_in.post(url, {"action": "reschedule", "at": "2001-01-01T09:00"}, follow=True)
    assert "Pick a time in the future." in past.content.decode()
    page = signed_in.get(reverse("post", args=[workspace.slug, post.pk])).content.decode()
    assert "Sun 7 Apr 09:00 (Australia/Sydney)" in page and "Repeats every 7 days" in page
    signed_in.post(
        reverse("post_action", args=[workspace.slug, post.pk]), {"action": "stop_repeating"}
    )
    assert Post.objects.get(pk=post.pk).repeat_every_days is None
