"""The owner's first hour, in a real browser, on a laptop and on a phone: a new owner signs
up, answers the plan workshop, connects the shop's Mastodon account (mastodon-mock on
loopback: the real sign-in dance), sees a customer's complaint arrive, answers and resolves
it, schedules a post and opens the weekly report. Every page visited is saved as a
screenshot (PORCH_SCREENSHOTS, or test-screenshots/first-hour/<width>/NN-name.png) to look at;
the test asserts on what the owner must see at each step: texts and roles, never pixels.
"""

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mastodon import Mastodon
from playwright.sync_api import Browser, Page, ViewportSize, expect

from porch.inbox.models import Conversation
from porch.insights.report import week_label
from porch.networks.tasks import sync_due_accounts
from tests.browser.walk import DESKTOP, PHONE, page_width
from tests.networks.mastodon.conftest import Mock, mock, mock_server, pat  # noqa: F401

pytestmark = pytest.mark.browser

BUSINESS = "Hilltop Bakery"
COMPLAINT = "@cornerbakery my birthday cake order never arrived and nobody answers the phone"
# The workshop's questions, by a word in their label, and a bakery owner's answers.
ANSWERS = [  # the most specific first: "Competitors your customers could go to" is not customers
    (r"blog|feed", ""),  # optional: left empty
    (r"newsletter", "The Hilltop Loaf"),
    (r"competitor", "Big Bread Co"),
    (r"next to|neighbour|nearby|peer", "Riverside Books"),
    (r"problem", "bread that goes stale\nbirthday cakes at short notice"),
    (r"product", "sourdough loaf\ncelebration cakes"),
    (r"customers", "families and walkers passing through town"),
    (r"sell", "sourdough bread, cakes and coffee"),
    (r"where", "Hebden Bridge"),
    (r"web", "https://hilltop.example"),
    (r"hours a week|how many", "3"),
]
FALLBACK = "fresh bread every morning"
KINDS = (
    "textarea",
    "input:not([type])",
    "input[type=text]",
    "input[type=url]",
    "input[type=number]",
)
FIELDS = ", ".join(f"{kind}:visible" for kind in KINDS)


class Camera:
    """Saves a numbered screenshot of each page the owner visits, and checks its width."""

    def __init__(self, page: Page, width: str) -> None:
        root = Path(os.environ.get("PORCH_SCREENSHOTS", "test-screenshots/first-hour"))
        self.folder = root / width
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.page = page
        self.count = 0
        self.too_wide: dict[str, int] = {}

    def __call__(self, name: str) -> None:
        self.count += 1
        self.page.wait_for_load_state()
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)
        width = page_width(self.page)
        if width > (self.page.viewport_size or DESKTOP)["width"]:
            self.too_wide[name] = width


def nav(page: Page, name: str) -> None:
    """Follow a link of the site's navigation, opening the menu first where it is folded away."""
    link = page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name=name, exact=True
    )
    if not link.is_visible():
        page.get_by_role("button", name="Menu").click()
    link.click()


def answer(label: str) -> str:
    for pattern, text in ANSWERS:
        if re.search(pattern, label, re.IGNORECASE):
            return text
    return FALLBACK


def answer_the_step(page: Page) -> None:
    """Fill every empty field on the workshop's step, and pick a choice where none is picked."""
    form = page.locator("form").filter(has=page.get_by_role("button", name="Make my plan"))
    for field in form.locator(FIELDS).all():
        if not field.input_value():
            label = field.evaluate("e => e.labels && e.labels[0] ? e.labels[0].innerText : e.name")
            if text := answer(label):
                field.fill(text)
    for times in form.locator("input[type=time]:visible").all():
        if not times.input_value():
            times.fill(
                "16:00" if (times.get_attribute("name") or "").endswith("closes") else "07:00"
            )
    for group in form.locator("fieldset").all():
        choices = group.locator("input[type=checkbox], input[type=radio]")
        if group.locator("input:checked").count() or not choices.count():
            continue
        if group.get_by_label("Saturday", exact=True).count():  # the bakery's days
            for day in ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"):
                group.get_by_label(day, exact=True).check()
        elif group.get_by_label("Mastodon", exact=True).count():
            group.get_by_label("Mastodon", exact=True).check()
        else:
            choices.first.check()


def sign_up(page: Page, base: str, shot: Camera, email: str) -> None:
    page.goto(f"{base}/signup/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot("sign-up")
    page.get_by_label("Business name").fill(BUSINESS)
    page.get_by_label("Your email").fill(email)
    page.get_by_label("Password").fill("a long bakery password 42")
    page.get_by_role("button", name="Create my workspace").click()
    expect(page).to_have_url(re.compile(r"/w/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(BUSINESS)
    shot("dashboard-new")
    # A new workspace is guided: the workshop and connecting an account are one click away.
    expect(
        page.get_by_role("link", name=re.compile("workshop", re.IGNORECASE)).first
    ).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("connect", re.IGNORECASE)).first
    ).to_be_visible()


def workshop(page: Page, shot: Camera) -> None:
    page.get_by_role("link", name=re.compile("workshop", re.IGNORECASE)).first.click()
    for step in range(1, 20):
        expect(page.get_by_test_id("wizard-progress")).to_contain_text(f"Step {step} of")
        answer_the_step(page)
        shot(f"workshop-step-{step}")
        next_button = page.get_by_role("button", name="Next", exact=True)
        if next_button.count() == 0:
            break
        next_button.click()
    page.get_by_role("button", name="Make my plan", exact=True).click()
    expect(page.get_by_test_id("plan-title")).to_contain_text(BUSINESS)
    expect(page.get_by_test_id("plan-bios")).to_contain_text(f"{BUSINESS}: sourdough bread")
    shot("plan")
    page.get_by_role("button", name="Accept plan").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Accepted")
    expect(page.get_by_test_id("listening-searches")).to_contain_text("Big Bread Co")
    shot("plan-accepted")


def connect(page: Page, base: str, slug: str, shot: Camera, mastodon_url: str) -> None:
    page.goto(f"{base}/w/{slug}/")
    page.get_by_role("link", name=re.compile("connect", re.IGNORECASE)).first.click()
    expect(page.get_by_role("heading", name="Connect an account")).to_be_visible()
    shot("connect")
    page.get_by_role("link", name="Connect Mastodon").click()
    page.get_by_label("Instance").fill(mastodon_url)
    shot("connect-mastodon")
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name=re.compile("@cornerbakery")).click()  # on the instance
    expect(page.get_by_text(re.compile("Connected Mastodon cornerbakery@"))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("cornerbakery@mock"))).to_be_visible()
    shot("connected")


def complaint(page: Page, base: str, slug: str, shot: Camera, customer: Mastodon) -> None:
    customer.status_post(COMPLAINT)
    assert sync_due_accounts.call() == 1  # the worker's sync task
    page.goto(f"{base}/w/{slug}/")
    main = page.get_by_role("main")
    expect(main).to_contain_text(re.compile("1 complaint waiting", re.IGNORECASE))
    expect(main).to_contain_text("birthday cake order never arrived")
    shot("dashboard-complaint")
    nav(page, "Inbox")
    row = page.get_by_test_id("inbox-row").first
    expect(row).to_contain_text("birthday cake")
    expect(row.get_by_test_id("intent")).to_have_text("Complaint")
    shot("inbox")
    row.get_by_test_id("open-conversation").click()
    expect(page.get_by_role("main")).to_contain_text("never arrived")
    shot("conversation")
    page.get_by_label(re.compile("^Your reply on")).fill(
        "So sorry, Pat. We're ringing you now to put this right."
    )
    page.get_by_role("button", name="Send and resolve").click()
    expect(page.get_by_role("status").filter(has_text="Reply sent on")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="resolved")).to_be_visible()
    expect(page.get_by_test_id("thread-message").last).to_contain_text("ringing you now")
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)
    shot("conversation-resolved")


def schedule_a_post(page: Page, base: str, slug: str, shot: Camera) -> None:
    page.goto(f"{base}/w/{slug}/")
    page.get_by_role("link", name="Write a post").first.click()  # one click from home
    expect(page.get_by_role("heading", name="Write a post")).to_be_visible()
    page.get_by_label("What do you want to say?").fill(
        "Saturday's sourdough comes out of the oven at 8. Come early for a warm loaf!"
    )
    page.get_by_role("checkbox", name=re.compile("cornerbakery")).check()
    # A time the owner picks: tomorrow at ten (the workspace's zone is UTC until they change it).
    page.get_by_test_id("when-at").check()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    page.get_by_label(re.compile("^Date and time")).fill(f"{tomorrow.isoformat()}T10:00")
    shot("compose")
    page.get_by_test_id("schedule").click()
    expect(page.get_by_role("status").filter(has_text="Scheduled.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/publishing/posts/\d+/$"))
    expect(page.get_by_role("main")).to_contain_text("Saturday's sourdough")
    shot("scheduled")


def weekly_report(page: Page, base: str, slug: str, shot: Camera) -> None:
    page.goto(f"{base}/w/{slug}/")
    nav(page, "Insights")
    shot("insights")
    page.get_by_role("link", name="Weekly report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your week")
    # a workspace made this week sees this week so far: the complaint it just answered
    # (on the real clock a Monday may have begun since: then its week is asked for)
    arrived = Conversation.objects.get(workspace__slug=slug).first_message_at
    week = week_label(arrived.astimezone(UTC).date())
    if week != week_label(datetime.now(UTC).date()):
        page.goto(f"{base}/w/{slug}/insights/report/?week={week}")
    answered = page.get_by_test_id("report-figures").locator("tr", has_text="answered")
    expect(answered).to_contain_text("1 (0 not yet)")
    shot("weekly-report")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_new_owner_s_first_hour(
    live_server,
    browser: Browser,
    transactional_db,
    mock: Mock,  # noqa: F811
    pat: Mastodon,  # noqa: F811
    width: str,
) -> None:
    viewport: ViewportSize = DESKTOP if width == "desktop" else PHONE
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    base = live_server.url
    shot = Camera(page, width)
    try:
        sign_up(page, base, shot, f"owner-{width}@hilltop.example")
        slug = page.url.rstrip("/").rsplit("/", 1)[-1]
        workshop(page, shot)
        connect(page, base, slug, shot, mock.base_url)
        complaint(page, base, slug, shot, pat)
        schedule_a_post(page, base, slug, shot)
        weekly_report(page, base, slug, shot)
    except Exception:
        shot("where-it-stopped")
        raise
    finally:
        context.close()
    assert shot.too_wide == {}, f"pages wider than the {width} window: {shot.too_wide}"
