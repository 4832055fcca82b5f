"""Sign in, switch workspace, see the dashboard, sign out — in a real browser."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from porch.workspaces import services
from porch.workspaces.models import Workspace
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/signin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_switch_workspace_and_sign_out(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    services.create_workspace(owner, "Harbour Bikes")
    sign_in(page, live_server.url, owner.email, PASSWORD)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Corner Bakery")

    page.get_by_test_id("workspace-switcher").locator("summary").click()
    page.get_by_role("link", name="Harbour Bikes").click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Harbour Bikes")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/w/{workspace.slug}/")
    expect(page).to_have_url(f"{live_server.url}/signin/?next=/w/{workspace.slug}/")


def test_wrong_password_shows_a_clear_message(page: Page, live_server, owner: User) -> None:
    sign_in(page, live_server.url, owner.email, "not-my-password")
    expect(page.get_by_test_id("signin-error")).to_contain_text("Wrong email or password")
    expect(page).to_have_url(f"{live_server.url}/signin/")
