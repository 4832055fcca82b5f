"""Compose a special for Bluesky and Mastodon in a real browser: the Bluesky counter turns
red past 300, the text is split into a thread, queued, shown on the calendar, and goes out
to the local Bluesky network (and mastodon-mock) when its slot comes."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from porch.publishing.engine import publish_due
from porch.publishing.models import PostingSlot, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.networks.bluesky.conftest import DevNetwork, network  # noqa: F401
from tests.networks.conftest import require_peer  # noqa: F401
from tests.networks.mastodon.conftest import Mock, mock, mock_server  # noqa: F401
from tests.publishing.conftest import bluesky_account, bluesky_posts, mastodon_account  # noqa: F401
from tests.publishing.test_engine import texts

from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.peers]

SPECIAL = (
    "This week only at Corner Bakery: buy any two loaves and the third is on us. "
    "Our rye, spelt and sourdough come out of the oven at seven every morning. "
    "Bring a friend, bring a bag, and tell us which loaf is your favourite. "
    "The offer runs until Sunday at closing time, while the bread lasts. "
    "Thank you for ten years of coming round to our little shop on the corner!"
)


def go_out(sky: ConnectedAccount, dev: DevNetwork) -> None:
    """The slot comes: run the publishing a worker would run, until both went out."""
    PostTarget.objects.update(scheduled_at=timezone.now() - timedelta(seconds=1))
    for _ in range(10):
        publish_due("browser-test")
        if not PostTarget.objects.exclude(state=TargetState.PUBLISHED).exists():
            return
        dev.settle()  # Bluesky's AppView must see part 1 before part 2 can reply to it
        PostTarget.objects.update(retry_at=None)
    raise AssertionError(list(PostTarget.objects.values_list("state", "error")))


@pytest.mark.django_db(transaction=True)
def test_compose_split_queue_calendar_and_publish(
    page: Page,
    live_server,
    owner: User,
    workspace: Workspace,
    network: DevNetwork,  # noqa: F811
    mastodon_account: ConnectedAccount,  # noqa: F811
    mock: Mock,  # noqa: F811
) -> None:
    sky = bluesky_account(workspace, network, "cornerloaf")
    for account in (sky, mastodon_account):
        for weekday in range(7):
            PostingSlot.objects.create(account=account, weekday=weekday, time=time(9, 0))
    base = live_server.url
    sign_in(page, base, owner.email, "correct horse battery staple")
    page.goto(f"{base}/w/{workspace.slug}/publishing/compose/")
    page.get_by_role("checkbox", name=str(sky), exact=True).check()
    page.get_by_role("checkbox", name=str(mastodon_account), exact=True).check()
    page.get_by_test_id("text").fill(SPECIAL)

    bluesky_counter = page.get_by_test_id("counter-bluesky")
    expect(bluesky_counter).to_have_text(f"{len(SPECIAL)} / 300")
    expect(bluesky_counter).to_have_class("counter over")  # red
    expect(page.get_by_test_id("counter-mastodon")).to_have_text(f"{len(SPECIAL)} / 500")
    expect(page.get_by_test_id("counter-mastodon")).to_have_class("counter")
    expect(bluesky_counter).to_have_css("color", "rgb(180, 35, 24)")

    page.get_by_test_id("split-bluesky").click()
    preview = page.get_by_test_id("preview-bluesky").locator(".part")
    expect(preview).to_have_count(2)
    expect(preview.first).to_contain_text("1/2 This week only")
    page.get_by_test_id("schedule").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Scheduled")

    target = PostTarget.objects.get(account=sky)
    assert target.scheduled_at is not None and len(target.parts()) == 2
    day = target.scheduled_at.astimezone(ZoneInfo("Europe/London")).date()
    page.goto(f"{base}/w/{workspace.slug}/publishing/calendar/?start={day:%Y-%m-%d}")
    cell = page.locator(f'td[data-day="{day:%Y-%m-%d}"]')
    expect(cell).to_contain_text("09:00 Bluesky")
    expect(cell).to_contain_text("09:00 Mastodon")

    go_out(sky, network)
    page.goto(f"{base}/w/{workspace.slug}/publishing/posts/{target.post_id}/")
    expect(page.get_by_test_id("target-bluesky").get_by_test_id("state")).to_have_text("Published")
    expect(page.get_by_test_id("post-status")).to_have_text("Published")
    posted = bluesky_posts(network, sky)
    assert sorted(posted) == sorted(target.parts()) and len(posted) == 2
    assert len(texts(mock)) == 1
