"""The demo workspace is a living, clearly-marked fictional bakery."""

from django.test import Client
from django.urls import reverse

from porch.core.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from porch.inbox.models import Message
from porch.publishing.models import Post


def test_demo_loads_once_and_is_marked_everywhere(db: None) -> None:
    workspace, created = load_demo()
    again, created_again = load_demo()
    assert created and not created_again and again == workspace
    assert workspace.is_demo
    assert workspace.accounts.count() == 4 and all(a.is_demo for a in workspace.accounts.all())
    assert Message.objects.filter(workspace=workspace, is_demo=False).count() == 0
    assert Message.objects.filter(workspace=workspace).count() >= 10
    assert Post.objects.filter(workspace=workspace, is_demo=True).exists()


def test_demo_dashboard_shows_the_banner_and_complaints(client: Client, db: None) -> None:
    workspace, _ = load_demo()
    assert client.login(username=DEMO_EMAIL, password=DEMO_PASSWORD)
    page = client.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert "This is the demo workspace" in page
    assert "birthday cake" in page
