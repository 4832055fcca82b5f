"""The whole inbox path in a real browser: a customer's angry mention reaches the network,
Porch's worker task picks it up, the owner sees it at the top of the live inbox marked as
a complaint with its clock running, answers with a saved reply in at most three clicks,
and the reply is in the thread on the network; the alert email reaches a real SMTP server.

Bluesky runs against the real AT Protocol stack on loopback (`peers` marker: start it with
`eval $(scripts/peers-bluesky.sh start)`); Mastodon against mastodon-mock over HTTP.
"""

import mailbox

import pytest
from django.contrib.auth.models import User
from mastodon import Mastodon
from playwright.sync_api import Locator, Page, expect

from porch.core.worker import make_worker, new_worker_id
from porch.inbox.models import Conversation, MessageKind, SavedReply
from porch.networks.base import AccountRef
from porch.networks.connect import save_connection
from porch.networks.tasks import sync_due_accounts
from porch.workspaces.models import Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD
from tests.inbox.test_clock_alerts import smtp  # noqa: F401
from tests.networks.bluesky.conftest import DevNetwork, network  # noqa: F401
from tests.networks.bluesky.test_peer import mention
from tests.networks.conftest import require_peer  # noqa: F401
from tests.networks.mastodon.conftest import DOMAIN, Mock, mock, mock_server, pat  # noqa: F401

pytestmark = pytest.mark.browser

SORRY = "Sorry {name}, that should never happen. {business} is on it: we'll call you today."


class Clicks:
    """Counts the clicks a person makes, to hold the inbox to its three-click promise."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, target: Locator) -> None:
        self.count += 1
        target.click()


def set_up_inbox(page: Page, base: str, owner: User, workspace: Workspace) -> None:
    """The owner opens the inbox settings: open all week, alerts from urgency 0.3."""
    sign_in(page, base, owner.email, PASSWORD)
    page.goto(f"{base}/w/{workspace.slug}/inbox/")
    page.get_by_test_id("inbox-settings-link").click()
    for day in ("Saturday", "Sunday"):
        page.get_by_label(day).check()
    page.get_by_label("Opens at").fill("00:00")
    page.get_by_label("Closes at").fill("00:00")
    page.get_by_label("Alert for complaints at or above this urgency").fill("0.3")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Inbox settings saved.")).to_be_visible()
    SavedReply.objects.create(workspace=workspace, title="Sorry", text=SORRY)
    page.goto(f"{base}/w/{workspace.slug}/inbox/")  # open before the mention arrives
    expect(page.get_by_test_id("inbox")).to_contain_text("Nothing here")


def answer_from_the_inbox(page: Page, who: str) -> str:
    """With the inbox open, wait for the mention to appear at the top, then answer it."""
    top = page.get_by_test_id("inbox-row").first
    expect(top).to_contain_text(who, timeout=20_000)  # arrives without a reload (htmx)
    expect(top.get_by_test_id("intent")).to_have_text("Complaint")
    expect(top.get_by_test_id("clock")).to_have_attribute("data-running", "true")
    expect(top.get_by_test_id("clock")).to_contain_text("waiting")

    click = Clicks()
    click(top.get_by_test_id("open-conversation"))
    click(page.get_by_test_id("saved-reply").filter(has_text="Sorry"))
    box = page.get_by_label("Your reply on")
    filled: str = box.input_value()
    # {name} is the customer's first name, or left out where only a handle is known
    assert filled.startswith("Sorry") and "Corner Bakery is on it" in filled
    assert who.split(".")[0] not in filled and "{name}" not in filled
    expect(page.get_by_test_id("reply-length")).to_contain_text("characters on")
    click(page.get_by_role("button", name="Send reply"))
    assert click.count <= 3
    expect(page.get_by_role("status")).to_contain_text("Reply sent on")
    expect(page.get_by_test_id("thread-message").last).to_contain_text("Corner Bakery is on it")
    expect(page.get_by_test_id("clock")).to_contain_text("first answer in")
    return filled


def send_queued_alert() -> None:
    """A worker runs the alert task that storing the complaint enqueued."""
    make_worker(new_worker_id(), interval=0, max_tasks=1).run()


def one_alert(box: mailbox.Maildir, network_name: str) -> None:
    mails = list(box)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert mails[0]["To"] == "owner@bakery.example"
    assert f" on {network_name}" in mails[0]["Subject"] and "Complaint from" in mails[0]["Subject"]


@pytest.mark.peers
def test_bluesky_complaint_reaches_the_top_and_is_answered_in_three_clicks(
    page: Page,
    live_server: object,
    owner: User,
    workspace: Workspace,
    network: DevNetwork,  # noqa: F811
    smtp: mailbox.Maildir,  # noqa: F811
) -> None:
    base: str = live_server.url  # type: ignore[attr-defined]
    shop, customer = network.people("crumbs", "maria")
    save_connection(workspace, *network.connect(shop), workspace.timezone)
    set_up_inbox(page, base, owner, workspace)

    angry = "my wedding cake never arrived and nobody answers the phone. I want a refund!"
    uri = mention(customer, shop, angry)
    network.settle()
    assert sync_due_accounts.call() == 1  # the worker's sync task
    send_queued_alert()

    filled = answer_from_the_inbox(page, customer.handle)
    assert filled.startswith("Sorry, that should")  # no display name: no handle as a name
    network.settle()
    thread = customer.sdk.get_post_thread(uri).thread
    assert [(r.post.author.handle, r.post.record.text) for r in thread.replies or []] == [
        (shop.handle, filled)
    ]
    one_alert(smtp, "Bluesky")
    convo = Conversation.objects.get(workspace=workspace)
    assert convo.messages.filter(kind=MessageKind.OURS).count() == 1


def test_mastodon_complaint_reaches_the_top_and_is_answered_in_three_clicks(
    page: Page,
    live_server: object,
    owner: User,
    workspace: Workspace,
    mock: Mock,  # noqa: F811
    pat: Mastodon,  # noqa: F811
    smtp: mailbox.Maildir,  # noqa: F811
) -> None:
    base: str = live_server.url  # type: ignore[attr-defined]
    shop = AccountRef("mastodon", f"cornerbakery@{DOMAIN}", server_url=mock.base_url)
    save_connection(workspace, shop, {"access_token": "bakery"}, workspace.timezone)
    set_up_inbox(page, base, owner, workspace)

    angry = pat.status_post("@cornerbakery my order never arrived and nobody answers the phone")
    assert sync_due_accounts.call() == 1
    send_queued_alert()

    filled = answer_from_the_inbox(page, "pat")
    assert filled.startswith("Sorry Pat")
    thread = pat.status_context(angry["id"])["descendants"]
    assert [s["account"]["username"] for s in thread] == ["cornerbakery"]
    assert "Corner Bakery is on it" in thread[0]["content"]
    one_alert(smtp, "Mastodon")
