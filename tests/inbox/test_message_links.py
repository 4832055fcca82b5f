"""Only http and https addresses from a network become links on Porch's pages."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from porch.core.templatetags.porch_links import web_url
from porch.inbox.models import Conversation, Message
from porch.workspaces.models import ConnectedAccount, Workspace

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://bsky.app/profile/a/post/1", "https://bsky.app/profile/a/post/1"),
        ("http://example.com/x", "http://example.com/x"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("https:///no-host", ""),
        ("http://[bad", ""),
        ("", ""),
    ],
)
def test_web_url_keeps_only_http_and_https(url: str, shown: str) -> None:
    assert web_url(url) == shown


def test_a_javascript_message_link_is_not_rendered(signed_in: Client, workspace: Workspace) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="mastodon", handle="shop@m.example"
    )
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="1",
        contact_handle="mallory",
        first_message_at=AT,
        last_message_at=AT,
    )
    for n, url in enumerate(["javascript:alert(document.cookie)", "https://m.example/@a/2"]):
        Message.objects.create(
            workspace=workspace,
            account=account,
            conversation=convo,
            network="mastodon",
            external_id=str(n + 1),
            kind="mention",
            author_handle="mallory",
            text=f"hello {n}",
            url=url,
            sent_at=AT,
        )
    page = signed_in.get(reverse("conversation", args=[workspace.slug, convo.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "javascript:" not in html
    assert 'href="https://m.example/@a/2"' in html
