"""Porch's shell: the header, the web app manifest and icons, error pages, the inbox's pulse."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from porch.inbox.models import Conversation, Message
from porch.insights.models import ActiveTime
from porch.workspaces import services
from porch.workspaces.access import SESSION_KEY
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import add_member

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def complaint(workspace: Workspace, n: int, text: str = "The loaf was stale") -> Conversation:
    account, _ = ConnectedAccount.objects.get_or_create(
        workspace=workspace, network="fake", handle="shop.test"
    )
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id=f"r{n}",
        contact_handle=f"person{n}",
        intent="complaint",
        first_message_at=T0,
        last_message_at=T0,
    )
    Message.objects.create(
        workspace=workspace,
        account=account,
        conversation=convo,
        network="fake",
        external_id=f"r{n}",
        kind="mention",
        author_handle=f"person{n}",
        text=text,
        sent_at=T0,
        intent="complaint",
    )
    return convo


def test_the_manifest_is_served_as_a_manifest_with_icons_that_exist(
    signed_in: Client, workspace: Workspace
) -> None:
    page = signed_in.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert 'rel="manifest" href="/static/porch/manifest.webmanifest"' in page
    assert '<meta name="theme-color"' in page and 'rel="apple-touch-icon"' in page
    answer = signed_in.get("/static/porch/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(b"".join(answer.streaming_content))  # type: ignore[attr-defined]
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(f"porch/{icon['src']}"), icon["src"]


def test_the_favicon_answers(client: Client, db: None) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/x-icon"
    assert b"".join(answer.streaming_content)[:4] == b"\x00\x00\x01\x00"  # type: ignore[attr-defined]


def test_health_sits_in_the_header_for_staff_only(
    signed_in: Client, owner: User, workspace: Workspace
) -> None:
    page = signed_in.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert 'data-testid="health-link"' not in page
    assert 'data-testid="background-work-link"' in page  # members reach their own work
    assert signed_in.get(reverse("health")).status_code == 200
    owner.is_staff = True
    owner.save()
    page = signed_in.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert 'data-testid="health-link"' in page


def test_the_current_section_is_marked(signed_in: Client, workspace: Workspace) -> None:
    page = signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert f'<a href="/w/{workspace.slug}/inbox/" aria-current="page">Inbox</a>' in page
    assert f'<a href="/w/{workspace.slug}/">Home</a>' in page
    home = signed_in.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert f'<a href="/w/{workspace.slug}/" aria-current="page">Home</a>' in home


def test_a_missing_page_uses_porchs_404(signed_in: Client) -> None:
    answer = signed_in.get("/no-such-page/")
    assert answer.status_code == 404
    assert "404.html" in [t.name for t in answer.templates]
    assert "We could not find that page" in answer.content.decode()


def test_the_500_page_stands_alone_without_a_request() -> None:
    page = get_template("500.html").render()
    assert "Something went wrong" in page and 'href="/"' in page
    assert "/static/porch/porch.css" in page
    assert "Porch could not read that request" in get_template("400.html").render()


def test_a_request_for_another_host_gets_the_400_page_not_a_server_error(db: None) -> None:
    """The 400 is raised before the sign-in middleware: the page must not need request.user."""
    answer = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert answer.status_code == 400
    assert "Porch could not read that request" in answer.content.decode()


def test_the_pulse_names_the_newest_complaint_and_where_it_is(
    signed_in: Client, workspace: Workspace
) -> None:
    url = reverse("inbox_pulse", args=[workspace.slug])
    assert signed_in.get(url).json() == {
        "open_complaints": 0,
        "latest_complaint": None,
        "url": None,
        "text": "",
    }
    complaint(workspace, 1)
    newest = complaint(workspace, 2, "<b>Burnt</b>   crust " + "x" * 200)
    answer = signed_in.get(url).json()
    assert answer["open_complaints"] == 2 and answer["latest_complaint"] == newest.pk
    assert answer["url"] == reverse("conversation", args=[workspace.slug, newest.pk])
    assert answer["text"].startswith("@person2: <b>Burnt</b> crust x")  # plain text: shown as text
    assert len(answer["text"]) <= 90
    assert signed_in.get(url)["Cache-Control"].startswith("max-age=0")


def test_the_pulse_is_for_the_workspaces_members_helpers_included(
    client: Client, workspace: Workspace
) -> None:
    url = reverse("inbox_pulse", args=[workspace.slug])
    complaint(workspace, 1)
    stranger = services.create_user("stranger@else.example", "a long enough password")
    services.create_workspace(stranger, "Elsewhere")
    client.force_login(stranger)
    assert client.get(url).status_code in (403, 404)
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert client.get(url).json()["open_complaints"] == 1
    assert client.post(url).status_code == 405


def test_polling_one_workspace_does_not_switch_the_workspace_another_tab_shows(
    signed_in: Client, workspace: Workspace
) -> None:
    user = User.objects.get(pk=signed_in.session["_auth_user_id"])
    other = services.create_workspace(user, "Second shop")
    signed_in.get(reverse("dashboard", args=[workspace.slug]))
    signed_in.get(reverse("inbox_pulse", args=[other.slug]))
    assert signed_in.session[SESSION_KEY] == workspace.slug


def test_polling_the_pulse_is_not_counted_as_time_at_work(
    signed_in: Client, workspace: Workspace
) -> None:
    url = reverse("inbox_pulse", args=[workspace.slug])
    for _ in range(3):
        signed_in.get(url)
    assert not ActiveTime.objects.exists()


@pytest.mark.parametrize("path", ["/", "/signin/"])
def test_signed_out_pages_carry_the_icons_but_no_poll(client: Client, db: None, path: str) -> None:
    page = client.get(path, follow=True).content.decode()
    assert 'rel="icon"' in page and "notify.js" not in page
