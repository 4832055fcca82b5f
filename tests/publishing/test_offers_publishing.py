"""Publishing carries offers (issue 22): followers-only posts that go out publicly only where
the owner chose it, a composer prefilled from an offer's "Post it", the "Insert offer" list,
and tracked links that belong to no post."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from porch.core import snippets as core_snippets
from porch.core.fetch import AddressRefused
from porch.core.snippets import Snippet
from porch.publishing.compose import ComposeError, Draft, Version, add_target, check, create_post
from porch.publishing.engine import publish_due
from porch.publishing.links import follow, make_link, short_url
from porch.publishing.models import (
    Post,
    PostingSlot,
    PostStatus,
    PostTarget,
    TargetState,
    TrackedLink,
    Visibility,
)
from porch.workspaces.models import ConnectedAccount, Membership, Workspace
from tests.networks.mastodon.conftest import Mock

from .conftest import schedule
from .test_engine import statuses

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
OFFER = "Followers get a free cinnamon bun with any coffee this week: code CRUMB-SPRING"
NOTE = "Bluesky has no followers-only posts: this goes out publicly there."


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def account(workspace: Workspace, network: str, handle: str) -> ConnectedAccount:
    found = ConnectedAccount.objects.create(
        workspace=workspace, network=network, handle=handle, timezone="Europe/London"
    )
    for weekday in range(7):
        PostingSlot.objects.create(account=found, weekday=weekday, time=time(9, 0))
    return found


@pytest.fixture
def sky(workspace: Workspace) -> ConnectedAccount:
    return account(workspace, "bluesky", "cornerbakery.test")


@pytest.fixture
def fake(workspace: Workspace) -> ConnectedAccount:
    """The demo network: it has followers-only posts."""
    return account(workspace, "fake", "cornerbakery")


def owner_member(workspace: Workspace, owner: User) -> Membership:
    return Membership.objects.select_related("workspace").get(workspace=workspace, user=owner)


def followers_draft(*versions: Version) -> Draft:
    return Draft(OFFER, list(versions), "queue", visibility=Visibility.FOLLOWERS)


# The service: never silently public.


def test_a_followers_only_post_is_refused_where_it_would_go_out_publicly_unchosen(
    clock: TimeMachineFixture,
    workspace: Workspace,
    owner: User,
    sky: ConnectedAccount,
    fake: ConnectedAccount,
) -> None:
    draft = followers_draft(Version(fake, OFFER), Version(sky, OFFER))
    with pytest.raises(ComposeError) as refused:
        check(draft, NOW)
    assert refused.value.message.startswith(NOTE)
    assert (
        "post it publicly on Bluesky cornerbakery.test, or leave Bluesky cornerbakery.test out"
        in (refused.value.message)
    )
    with pytest.raises(ComposeError):  # the service itself refuses, whoever calls it
        create_post(owner_member(workspace, owner), owner, draft)
    assert not Post.objects.exists() and not PostTarget.objects.exists()


def test_posting_publicly_there_is_the_owners_choice_and_is_recorded(
    clock: TimeMachineFixture,
    workspace: Workspace,
    owner: User,
    sky: ConnectedAccount,
    fake: ConnectedAccount,
) -> None:
    # "Post publicly there" on a network that has followers-only posts changes nothing.
    draft = followers_draft(
        Version(fake, OFFER, public_there=True), Version(sky, OFFER, public_there=True)
    )
    assert check(draft, NOW) == []
    post = create_post(owner_member(workspace, owner), owner, draft)
    assert post.visibility == Visibility.FOLLOWERS and post.status == PostStatus.SCHEDULED
    on_fake, on_sky = post.targets.get(account=fake), post.targets.get(account=sky)
    assert (on_fake.public_there, on_fake.visibility()) == (False, Visibility.FOLLOWERS)
    assert (on_sky.public_there, on_sky.visibility()) == (True, Visibility.PUBLIC)


def test_a_public_post_needs_no_choice_and_an_unknown_visibility_is_refused(
    clock: TimeMachineFixture, workspace: Workspace, owner: User, sky: ConnectedAccount
) -> None:
    post = create_post(owner_member(workspace, owner), owner, Draft(OFFER, [Version(sky, OFFER)]))
    assert post.visibility == Visibility.PUBLIC
    assert post.targets.get().visibility() == Visibility.PUBLIC
    odd = Draft(OFFER, [Version(sky, OFFER)], visibility="friends")
    with pytest.raises(ComposeError, match="Pick who sees it"):
        check(odd, NOW)


def test_a_target_added_later_is_checked_too(
    clock: TimeMachineFixture, workspace: Workspace, sky: ConnectedAccount
) -> None:
    post = Post.objects.create(
        workspace=workspace, text=OFFER, status=PostStatus.DRAFT, visibility=Visibility.FOLLOWERS
    )
    with pytest.raises(ComposeError, match=re.escape(NOTE)):
        add_target(post, Version(sky, OFFER), None)
    assert add_target(post, Version(sky, OFFER, public_there=True), None).public_there


@pytest.mark.clock
def test_the_engine_posts_for_followers_only_on_mastodon(
    mastodon_account: ConnectedAccount, mock: Mock
) -> None:
    target = schedule(mastodon_account, OFFER)
    Post.objects.filter(pk=target.post_id).update(visibility=Visibility.FOLLOWERS)
    public = schedule(mastodon_account, "Fresh sourdough at 8")
    assert publish_due("w1") == 2
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    seen = {str(status["id"]): status["visibility"] for status in statuses(mock)}
    public.refresh_from_db()
    assert seen == {target.external_id: "private", public.external_id: "public"}


def test_the_engine_never_sends_a_followers_only_target_publicly_unchosen(
    clock: TimeMachineFixture, workspace: Workspace, sky: ConnectedAccount
) -> None:
    """A target made without the composer (no choice recorded) goes out as followers-only:
    a network without such posts refuses it and the owner reads why."""
    post = Post.objects.create(
        workspace=workspace, text=OFFER, status=PostStatus.SCHEDULED, visibility="followers"
    )
    PostTarget.objects.create(
        post=post, account=sky, text=OFFER, scheduled_at=NOW, state=TargetState.SCHEDULED
    )
    assert publish_due("w1") == 0
    failed = PostTarget.objects.get()
    assert failed.state == TargetState.FAILED and failed.external_id == ""
    assert "no followers-only posts" in failed.error


# Tracked links for offers.


def test_make_link_makes_a_tracked_link_of_its_own_for_no_post(workspace: Workspace) -> None:
    link = make_link(workspace, "https://cornerbakery.example/spring", campaign="spring-bun")
    assert link.post is None and link.workspace == workspace and link.network == ""
    assert link.url == (
        "https://cornerbakery.example/spring?utm_source=porch&utm_medium=social"
        "&utm_campaign=spring-bun"
    )
    again = make_link(workspace, "https://cornerbakery.example/spring", network="mastodon")
    assert again.code != link.code and "utm_source=mastodon" in again.url
    assert "utm_campaign=porch" in again.url
    assert short_url(link).endswith(f"/l/{link.code}")
    assert follow(link.code) == link.url
    assert TrackedLink.objects.get(pk=link.pk).clicks == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://cornerbakery.example/", "spring"])
def test_make_link_takes_only_web_addresses(workspace: Workspace, url: str) -> None:
    with pytest.raises(AddressRefused):
        make_link(workspace, url)
    assert not TrackedLink.objects.exists()


# The composer page.


@pytest.fixture
def offered() -> Iterator[None]:
    """An app that offers snippets (as porch.offers does from its AppConfig.ready())."""

    def source(workspace: Workspace) -> list[Snippet]:
        return [
            Snippet("Spring <b>bun</b>: code", "CRUMB-SPRING", "followers"),
            Snippet("Spring bun: link", "https://porch.example/l/abc"),
        ]

    before = list(core_snippets.SOURCES)
    core_snippets.register_snippets(source)
    yield
    core_snippets.SOURCES[:] = before


def compose_url(workspace: Workspace) -> str:
    return reverse("compose", args=[workspace.slug])


def test_post_it_lands_on_a_ready_composer(
    signed_in: Client, workspace: Workspace, sky: ConnectedAccount, fake: ConnectedAccount
) -> None:
    query = {"text": OFFER, "pillar": "Offers", "visibility": "followers"}
    page = signed_in.get(compose_url(workspace), query).content.decode()
    assert f'data-testid="text">{OFFER}</textarea>' in page
    assert "<option selected>Offers</option>" in page  # a theme not yet in the list
    assert re.search(r'value="followers" data-testid="visibility-followers" checked', page)
    block = re.search(r'<div class="warning public-there"[^>]*>', page)
    assert block and 'data-testid="public-there-bluesky"' in block[0]
    assert "hidden" not in block[0] and NOTE in page
    assert 'data-testid="public-there-fake"' not in page  # the demo network has them
    plain = signed_in.get(compose_url(workspace)).content.decode()
    assert re.search(r'value="public" data-testid="visibility-public" checked', plain)
    assert re.search(r'<div class="warning public-there"[^>]*hidden>', plain)


def test_the_owner_chooses_per_account_and_nothing_goes_out_publicly_unchosen(
    clock: TimeMachineFixture,
    signed_in: Client,
    workspace: Workspace,
    sky: ConnectedAccount,
    fake: ConnectedAccount,
) -> None:
    fields = {"text": OFFER, "accounts": [sky.pk, fake.pk], "visibility": "followers"}
    page = signed_in.post(compose_url(workspace), fields).content.decode()
    assert 'data-testid="compose-error"' in page and NOTE in page
    assert not Post.objects.exists()

    signed_in.post(compose_url(workspace), {**fields, f"public_{sky.pk}": "skip"})
    left_out = Post.objects.get()
    assert left_out.visibility == Visibility.FOLLOWERS
    assert [t.account for t in left_out.targets.all()] == [fake]

    signed_in.post(compose_url(workspace), {**fields, f"public_{sky.pk}": "public", "text": "2"})
    chosen = Post.objects.exclude(pk=left_out.pk).get()
    assert {(t.account, t.public_there) for t in chosen.targets.all()} == {
        (sky, True),
        (fake, False),
    }
    shown = signed_in.get(reverse("post", args=[workspace.slug, chosen.pk])).content.decode()
    assert 'data-testid="post-visibility">For followers only' in shown
    assert shown.count('data-testid="public-there"') == 1


def test_insert_offer_lists_the_snippets_escaped_and_without_inline_script(
    signed_in: Client, workspace: Workspace, offered: None
) -> None:
    page = signed_in.get(compose_url(workspace)).content.decode()
    assert 'data-testid="insert-offer"' in page and 'data-testid="snippet-list"' in page
    assert '<option value="CRUMB-SPRING" data-visibility="followers">' in page
    assert "Spring &lt;b&gt;bun&lt;/b&gt;: code" in page and "<b>bun</b>" not in page
    assert '<code class="snippet-text">https://porch.example/l/abc</code>' in page
    assert re.search(r'<p class="snippet-pick" hidden>', page)  # shown by publishing.js
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_no_snippets_no_insert_offer(signed_in: Client, workspace: Workspace) -> None:
    page = signed_in.get(compose_url(workspace)).content.decode()
    assert "insert-offer" not in page and "snippet-list" not in page
