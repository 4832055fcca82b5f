"""The composer in a real browser, at desktop and phone width: each check box and radio
button sits before its words on one line, nothing scrolls sideways, and an over-limit post
to two networks names both and keeps the theme and the time the owner picked."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from porch.publishing.models import Pillar
from porch.workspaces.models import Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD
from tests.publishing.test_compose_problems import fake_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ("Sourdough loaves are back on Saturday mornings, come early. " * 6).strip()

# For each check box or radio button shown: is it left of its label's words, on their line?
BESIDE = """form => [...form.querySelectorAll('input[type=checkbox], input[type=radio]')]
  .filter(box => box.offsetParent !== null)
  .map(box => {
    const label = box.closest('label');
    const range = document.createRange();
    const words = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
    range.selectNodeContents(words);
    const text = range.getClientRects()[0], b = box.getBoundingClientRect();
    const middle = b.top + b.height / 2;
    return {name: label.textContent.trim(), before: b.right <= text.left + 1,
            oneLine: middle > text.top && middle < text.bottom};
  })"""


@pytest.mark.parametrize("width", [1280, 390])
def test_boxes_sit_before_their_words_and_an_error_keeps_theme_and_time(
    page: Page,
    live_server,
    owner: User,
    workspace: Workspace,
    width: int,
) -> None:
    short = fake_account(workspace, "shortbakery", max_length=40)
    other = fake_account(workspace, "otherbakery", max_length=100)
    Pillar.objects.create(workspace=workspace, name="Specials")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/w/{workspace.slug}/publishing/compose/")
    page.get_by_test_id("text").fill(TEXT)
    page.get_by_role("checkbox", name=str(short), exact=True).check()
    page.get_by_role("checkbox", name=str(other), exact=True).check()
    page.get_by_label("Theme").select_option("Specials")
    page.get_by_test_id("when-at").check()
    page.get_by_test_id("at").fill("2027-01-09T07:30")

    placed = page.locator("#composer").evaluate(BESIDE)
    assert placed and all(p["before"] and p["oneLine"] for p in placed), placed
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_test_id("schedule").click()
    error = page.get_by_test_id("compose-error")
    expect(error).to_contain_text(f"Too long for {short} by")
    expect(error).to_contain_text(f"Too long for {other} by")
    expect(page.get_by_label("Theme")).to_have_value("Specials")
    expect(page.get_by_test_id("when-at")).to_be_checked()
    expect(page.get_by_test_id("at")).to_have_value("2027-01-09T07:30")
    expect(page.get_by_role("checkbox", name=str(short), exact=True)).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
