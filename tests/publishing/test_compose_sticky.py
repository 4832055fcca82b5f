"""After an error the composer names every network over its limit and keeps everything the
owner typed and chose: the texts, the theme, the time, the accounts, the descriptions."""

import re

from django.test import Client
from django.urls import reverse

from porch.publishing.models import Pillar, Post
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.publishing.test_compose_problems import fake_account, x_account


def _selected(page: str, name: str) -> list[str]:
    """The values of the <select name=...>'s selected options."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    return re.findall(r"<option selected>([^<]*)</option>", select.group(1))


def _checked(page: str, name: str) -> list[str]:
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [_attr(i, "value") or "on" for i in inputs if " checked" in i]


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', tag)
    return found.group(1) if found else ""


def _value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_an_over_limit_post_to_two_networks_names_both_and_keeps_theme_and_time(
    signed_in: Client, workspace: Workspace
) -> None:
    short = fake_account(workspace, "shortbakery", max_length=20)
    x = x_account(workspace, "cornerbakery")
    roomy = fake_account(workspace, "roomy")  # not picked: stays unticked
    Pillar.objects.create(workspace=workspace, name="Behind the scenes")
    Pillar.objects.create(workspace=workspace, name="Specials")
    text = ("Sourdough loaves are back on Saturday mornings. " * 7).strip()  # 335 characters
    answer = signed_in.post(
        reverse("compose", args=[workspace.slug]),
        {
            "text": text,
            "accounts": [short.pk, x.pk],
            f"text_{x.pk}": text + " #bread",
            "pillar": "Specials",
            "when": "at",
            "at": "2026-12-12T07:30",
            "visibility": "public",
            "repeat_every_days": "7",
            "track_links": "on",
            "alt_1": "A sourdough loaf on the counter",
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and not Post.objects.exists()
    start = page.index('data-testid="compose-error"')
    error = page[start : page.index("</div>", start)]
    assert "Too long for " in error and "shortbakery by" in error
    assert "cornerbakery by" in error and "split it into a thread" in error
    assert _selected(page, "pillar") == ["Specials"]  # the theme, not reset to (none)
    assert _checked(page, "when") == ["at"]  # not back to "Add to queue"
    assert _value(page, "at") == "2026-12-12T07:30"  # the time, as typed (workspace zone)
    assert sorted(_checked(page, "accounts")) == sorted([str(short.pk), str(x.pk)])
    assert str(roomy.pk) not in _checked(page, "accounts")
    assert _checked(page, "visibility") == ["public"]
    assert _checked(page, "track_links") == ["on"]
    assert _value(page, "repeat_every_days") == "7"
    assert _value(page, "alt_1") == "A sourdough loaf on the counter"
    assert text in page and text + " #bread" in page  # the text, and X's own version


def test_the_chosen_time_is_shown_in_the_workspace_zone_after_a_later_problem(
    signed_in: Client, workspace: Workspace
) -> None:
    """A time in the past is refused after the texts pass: the time and choice stay."""
    account = fake_account(workspace, "roomy")
    answer = signed_in.post(
        reverse("compose", args=[workspace.slug]),
        {
            "text": "Hot cross buns",
            "accounts": [account.pk],
            "when": "at",
            "at": "2020-03-29T01:30",
        },
    )
    page = answer.content.decode()
    assert "Pick a time in the future" in page
    assert _checked(page, "when") == ["at"]
    assert _value(page, "at") == "2020-03-29T01:30"


def test_a_fresh_composer_adds_to_the_queue_and_labels_every_field(
    signed_in: Client, workspace: Workspace
) -> None:
    fake_account(workspace, "roomy")
    page = signed_in.get(reverse("compose", args=[workspace.slug])).content.decode()
    assert _checked(page, "when") == ["queue"]
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', page):
        assert f'for="{field_id}"' in page, field_id
    accounts = ConnectedAccount.objects.filter(workspace=workspace)
    assert accounts.count() == 1
