"""The people pages: the list (search, status, tag, leads first, counts, pages), a person's
page (identities, follows, the owner's status/tags/note, won, merges, erase, export, the
history a page at a time), the author on the conversation page and in the listening
stream; everything escaped, only http(s) links, each change by role, bad input a message."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from porch.inbox.models import Conversation, Message
from porch.listening.models import Hit, Search, SearchHit
from porch.people import search
from porch.people.models import (
    Follow,
    FollowSync,
    Identity,
    Merge,
    MergeSuggestion,
    Person,
    Status,
    SuggestionState,
)
from porch.people.services import LIST_PAGE, identify
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


def person(
    workspace: Workspace,
    handle: str,
    network: str = "bluesky",
    seen_minutes_ago: int = 0,
    **fields: object,
) -> Person:
    found = identify(workspace, network, f"id:{handle}", handle).person
    Person.objects.filter(pk=found.pk).update(
        last_seen_at=AT - timedelta(minutes=seen_minutes_ago), **fields
    )
    search.refresh([found.pk])  # as every rename in porch.people does
    found.refresh_from_db()
    return found


def url(workspace: Workspace, name: str, *args: object) -> str:
    return reverse(f"people:{name}", args=[workspace.slug, *args])


def html(client: Client, address: str) -> str:
    answer = client.get(address)
    assert answer.status_code == 200, answer.status_code
    return answer.content.decode()


def said(answer: object) -> list[str]:
    return [str(m) for m in get_messages(answer.wsgi_request)]  # type: ignore[attr-defined]


# The list


def test_the_list_shows_the_last_seen_first_with_counts(
    signed_in: Client, workspace: Workspace
) -> None:
    person(workspace, "old.example", seen_minutes_ago=90, status=Status.CUSTOMER)
    person(workspace, "new.example", seen_minutes_ago=5, status=Status.LEAD)
    person(workspace, "mid.example", seen_minutes_ago=30)

    page = html(signed_in, url(workspace, "list"))

    assert page.index("new.example") < page.index("mid.example") < page.index("old.example")
    assert "3 people" in page
    assert 'data-testid="count-lead">Lead</a> 1' in page
    assert 'data-testid="count-customer">Customer</a> 1' in page


def test_find_by_name_or_handle_status_and_tag(signed_in: Client, workspace: Workspace) -> None:
    person(workspace, "ana.example", display_name="Ana Baker", tags=["rye", "regular"])
    person(workspace, "ben.example", status=Status.PRESS, tags=["Ryebread"])
    person(workspace, "cat.example", tags=["regular"])
    base = url(workspace, "list")

    assert "ana.example" in html(signed_in, f"{base}?q=baker")
    assert "ben.example" in html(signed_in, f"{base}?q=%40ben")  # with the @ typed
    assert "ana.example" not in html(signed_in, f"{base}?q=ben")
    only_press = html(signed_in, f"{base}?status=press")
    assert "ben.example" in only_press and "cat.example" not in only_press
    rye = html(signed_in, f"{base}?tag=rye")  # the whole tag, not part of another
    assert "ana.example" in rye and "ben.example" not in rye
    regulars = html(signed_in, f"{base}?tag=REGULAR")
    assert "ana.example" in regulars and "cat.example" in regulars


def test_leads_first_then_the_rest_across_pages(signed_in: Client, workspace: Workspace) -> None:
    for n in range(LIST_PAGE + 5):
        person(workspace, f"p{n}.example", seen_minutes_ago=n)
    person(workspace, "lead-a.example", seen_minutes_ago=500, status=Status.LEAD)
    person(workspace, "lead-b.example", seen_minutes_ago=400, status=Status.LEAD)
    base = url(workspace, "list")

    first = html(signed_in, f"{base}?leads=1")
    assert first.index("lead-b.example") < first.index("lead-a.example") < first.index("p0.example")
    assert "page 1 of 2" in first and "p47.example" in first and "p48.example" not in first
    second = html(signed_in, f"{base}?leads=1&page=2")
    assert "p48.example" in second and "p54.example" in second and "lead-a" not in second
    assert 'data-testid="older"' not in second and "leads=1&amp;page=1" in second


def test_search_ignores_case_and_accents_and_follows_renames(
    signed_in: Client, workspace: Workspace
) -> None:
    identify(workspace, "bluesky", "did:plc:zoe", "zoe.example", "Zoë Müller")
    base = url(workspace, "list")
    assert "Zoë Müller" in html(signed_in, f"{base}?q=MULLER")
    assert "Zoë Müller" in html(signed_in, f"{base}?q=zoe")

    identify(workspace, "bluesky", "did:plc:zoe", "zoe-bakes.example", "Zoë Bakes")

    assert "zoe-bakes.example" in html(signed_in, f"{base}?q=%40zoe-bakes")
    assert "No one matches" in html(signed_in, f"{base}?q=muller")
    assert "1 person" in html(signed_in, f"{base}?q=bakes")


def test_search_finds_a_merged_persons_other_handles_until_undone(
    signed_in: Client, workspace: Workspace
) -> None:
    older, newer, found = suggestion(workspace)
    signed_in.post(url(workspace, "merge_confirm", found.pk))
    by_handle = html(signed_in, f"{url(workspace, 'list')}?q=toot.example")
    assert f"/people/{older.pk}/" in by_handle and "1 person" in by_handle

    signed_in.post(url(workspace, "merge_undo", Merge.objects.get().pk))

    again = html(signed_in, f"{url(workspace, 'list')}?q=toot.example")
    assert f"/people/{newer.pk}/" in again and f"/people/{older.pk}/" not in again


def test_a_search_finding_many_pages_on_like_one_finding_few(
    signed_in: Client, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(LIST_PAGE + 5):
        person(workspace, f"fan{n}.example", seen_minutes_ago=n)
    person(workspace, "other.example")
    base = f"{url(workspace, 'list')}?q=fan"
    pages = {}
    for few in (5, 10_000):  # more than FEW found, then fewer
        monkeypatch.setattr("porch.people.services.FEW", few)
        pages[few] = tuple(
            html(signed_in, address).split('data-testid="people-total"')[1].split("</main>")[0]
            for address in (base, f"{base}&page=2")
        )
    for first, second in pages.values():
        assert f"{LIST_PAGE + 5} people" in first and "page 1 of 2" in first
        assert first.index("fan0.example") < first.index("fan1.example")
        assert "fan49.example" in first and "fan50.example" not in first
        assert "fan54.example" in second and "other.example" not in first + second
    assert pages[5] == pages[10_000]


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-3",
        "page=999999999999",
        "page=abc",
        "status=king",
        "q=" + "x" * 500,
        "leads=maybe",
    ],
)
def test_bad_list_input_is_never_an_error_page(
    signed_in: Client, workspace: Workspace, query: str
) -> None:
    person(workspace, "ana.example")
    assert signed_in.get(f"{url(workspace, 'list')}?{query}").status_code == 200


def test_another_workspaces_people_are_not_listed_nor_shown(
    signed_in: Client, workspace: Workspace
) -> None:
    stranger = workspaces.create_user("other@shop.example", "pw-pw-pw-pw-pw")
    elsewhere = workspaces.create_workspace(stranger, "Other shop", "UTC")
    theirs = person(elsewhere, "theirs.example")
    assert "theirs.example" not in html(signed_in, url(workspace, "list"))
    assert signed_in.get(url(workspace, "person", theirs.pk)).status_code == 404
    assert signed_in.get(url(elsewhere, "person", theirs.pk)).status_code == 404
    answer = signed_in.post(url(workspace, "update", theirs.pk), {"status": "vip"})
    assert answer.status_code == 404


# A person's page


def test_the_page_shows_each_identity_and_whether_it_follows(
    signed_in: Client, workspace: Workspace
) -> None:
    shop = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    ConnectedAccount.objects.create(workspace=workspace, network="facebook", handle="Shop page")
    ConnectedAccount.objects.create(workspace=workspace, network="x", handle="shopx")
    ana = person(workspace, "ana.example")
    blue = ana.identities.get()
    Identity.objects.filter(pk=blue.pk).update(
        profile_url="https://bsky.app/profile/ana.example",
        bio="I bake <b>rye</b>",
        website="https://ana.example",
        followers_count=42,
        display_name="Ana B",
    )
    for network, handle in (("facebook", "Ana F"), ("x", "ana_x")):
        extra = identify(workspace, network, f"id:{handle}", handle)
        Identity.objects.filter(pk=extra.pk).update(person=ana)
        Person.objects.filter(pk=extra.person_id).delete()
    Follow.objects.create(account=shop, identity=blue, seen_at=AT)
    FollowSync.objects.create(account=shop, synced_at=AT)

    page = html(signed_in, url(workspace, "person", ana.pk))

    assert 'href="https://bsky.app/profile/ana.example"' in page
    assert "I bake &lt;b&gt;rye&lt;/b&gt;" in page and "42 followers" in page
    assert 'href="https://ana.example"' in page
    assert "Follows @shop" in page
    assert "Facebook does not tell Pages who follows them" in page
    assert "Not known yet if they follow @shopx" in page and "X charges for each follower" in page


def test_user_text_is_escaped_and_only_web_addresses_are_links(
    signed_in: Client, workspace: Workspace
) -> None:
    ana = person(workspace, "ana.example", display_name="<script>alert(1)</script>")
    ana.tags = ['<img src=x onerror="alert(2)">']
    ana.note = "<i>note</i>"
    ana.save()
    Identity.objects.filter(person=ana).update(
        profile_url="javascript:alert(3)", website="javascript:alert(4)", display_name="<b>x</b>"
    )
    page = html(signed_in, url(workspace, "person", ana.pk))
    listed = html(signed_in, url(workspace, "list"))
    for shown in (page, listed):
        assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)" in shown
        assert "<img src=x" not in shown
    assert 'href="javascript:' not in page and "<b>x</b>" not in page


def test_an_owner_sets_status_tags_note_and_joint_venture(
    signed_in: Client, workspace: Workspace
) -> None:
    ana = person(workspace, "ana.example")
    answer = signed_in.post(
        url(workspace, "update", ana.pk),
        {
            "status": "peer",
            "tags": " rye, regular , Rye,",
            "note": "Bakes too",
            "venture": "talking",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == url(workspace, "person", ana.pk)
    ana.refresh_from_db()
    assert (ana.status, ana.tags, ana.note, ana.venture) == (
        "peer",
        ["rye", "regular"],
        "Bakes too",
        "talking",
    )
    page = html(signed_in, url(workspace, "person", ana.pk))
    assert "joint venture: Talking" in page


def test_made_a_lead_it_is_a_lead_since_now(signed_in: Client, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example")
    signed_in.post(url(workspace, "update", ana.pk), {"status": "lead", "tags": "", "note": ""})
    ana.refresh_from_db()
    assert ana.status == Status.LEAD and ana.lead_at == AT


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"status": "king", "tags": "", "note": ""}, "Select a valid choice"),
        ({"status": "vip", "tags": "x" * 41, "note": ""}, "A tag is at most 40 characters"),
        (
            {"status": "vip", "tags": ",".join(f"t{n}" for n in range(21)), "note": ""},
            "At most 20 tags",
        ),
        ({"status": "vip", "tags": "", "note": "", "venture": "married"}, "Select a valid choice"),
        ({"status": "vip", "tags": "", "note": "n" * 5001}, "at most 5000 characters"),
    ],
)
def test_bad_changes_are_a_message_not_an_error_page(
    signed_in: Client, workspace: Workspace, form: dict[str, str], message: str
) -> None:
    ana = person(workspace, "ana.example")
    answer = signed_in.post(url(workspace, "update", ana.pk), form)
    assert answer.status_code == 302
    assert any(message in m for m in said(answer)), said(answer)
    ana.refresh_from_db()
    assert ana.status == Status.OTHER


def test_a_helper_reads_but_does_not_change(client: Client, workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    ana = person(workspace, "ana.example")
    page = html(client, url(workspace, "person", ana.pk))
    assert 'data-testid="person-form"' not in page and 'data-testid="erase-link"' not in page
    form = {"status": "vip", "tags": "", "note": ""}
    assert client.post(url(workspace, "update", ana.pk), form).status_code == 403
    assert client.post(url(workspace, "erase", ana.pk)).status_code == 403
    assert client.get(url(workspace, "export", ana.pk)).status_code == 403
    ana.refresh_from_db()
    assert ana.status == Status.OTHER and Person.objects.filter(pk=ana.pk).exists()


def test_the_page_needs_a_member(client: Client, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example")
    assert client.get(url(workspace, "person", ana.pk)).status_code == 302  # to sign in


def test_mark_a_lead_won_with_an_amount(signed_in: Client, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example", status=Status.LEAD, lead_at=AT)
    answer = signed_in.post(
        url(workspace, "won", ana.pk), {"amount": "120.50", "day": "2026-11-17"}
    )
    assert answer.status_code == 302
    ana.refresh_from_db()
    assert ana.won_amount == Decimal("120.50") and ana.won_at is not None
    assert ana.won_at.date().isoformat() == "2026-11-17"
    assert "Won 120.50" in html(signed_in, url(workspace, "person", ana.pk))


@pytest.mark.parametrize("amount", ["", "-5", "abc", "0", "1e20", "99999999999"])
def test_a_bad_amount_is_a_message(signed_in: Client, workspace: Workspace, amount: str) -> None:
    ana = person(workspace, "ana.example", status=Status.LEAD)
    answer = signed_in.post(url(workspace, "won", ana.pk), {"amount": amount, "day": "2026-11-17"})
    assert answer.status_code == 302 and said(answer)
    ana.refresh_from_db()
    assert ana.won_amount is None


def suggestion(workspace: Workspace) -> tuple[Person, Person, MergeSuggestion]:
    older = person(workspace, "ana.example", "bluesky", display_name="Ana")
    newer = person(workspace, "ana@toot.example", "mastodon", display_name="Ana B")
    found = MergeSuggestion.objects.create(
        workspace=workspace,
        a=older,
        b=newer,
        score=0.9,
        evidence=["Her Bluesky handle is ana.example, and her <Mastodon> profile links to it"],
    )
    return older, newer, found


def test_a_merge_is_suggested_on_both_pages_and_confirmed_then_undone(
    signed_in: Client, workspace: Workspace
) -> None:
    older, newer, found = suggestion(workspace)
    page = html(signed_in, url(workspace, "person", newer.pk))
    assert "her &lt;Mastodon&gt; profile links to it" in page
    assert "1 possible merge" in html(signed_in, url(workspace, "list"))
    assert "ana@toot.example" in html(signed_in, url(workspace, "merges"))

    answer = signed_in.post(url(workspace, "merge_confirm", found.pk))
    assert answer["Location"] == url(workspace, "person", older.pk)
    assert set(Identity.objects.filter(person=older).values_list("network", flat=True)) == {
        "bluesky",
        "mastodon",
    }
    assert not Person.objects.filter(pk=newer.pk).exists()
    merge = Merge.objects.get()
    merges = html(signed_in, url(workspace, "merges"))
    assert "No suggestions now" in merges and 'data-testid="merge-undo"' in merges

    back = signed_in.post(
        url(workspace, "merge_undo", merge.pk), {"next": url(workspace, "merges")}
    )
    assert back["Location"] == url(workspace, "merges")
    assert Identity.objects.filter(person=older).count() == 1
    assert Person.objects.count() == 2


def test_a_dismissed_suggestion_is_gone_and_a_second_confirm_is_a_message(
    signed_in: Client, workspace: Workspace
) -> None:
    _, newer, found = suggestion(workspace)
    here = url(workspace, "person", newer.pk)
    answer = signed_in.post(url(workspace, "merge_dismiss", found.pk), {"next": here})
    assert answer["Location"] == here
    found.refresh_from_db()
    assert found.state == SuggestionState.DISMISSED
    assert 'data-testid="merge-suggestion"' not in html(signed_in, here)
    again = signed_in.post(url(workspace, "merge_confirm", found.pk))
    assert again.status_code == 302 and any("already settled" in m for m in said(again))
    evil = signed_in.post(
        url(workspace, "merge_dismiss", found.pk), {"next": "https://evil.example/"}
    )
    assert evil["Location"] == url(workspace, "merges")


def test_erase_asks_first_then_erases(signed_in: Client, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example")
    confirm = html(signed_in, url(workspace, "erase", ana.pk))
    assert "cannot be undone" in confirm and 'data-testid="erase-confirm"' in confirm
    assert Person.objects.filter(pk=ana.pk).exists()
    answer = signed_in.post(url(workspace, "erase", ana.pk))
    assert answer["Location"] == url(workspace, "list")
    assert not Person.objects.filter(pk=ana.pk).exists()
    assert signed_in.get(url(workspace, "person", ana.pk)).status_code == 404


def test_export_is_a_json_download(signed_in: Client, workspace: Workspace) -> None:
    ana = person(workspace, "ana.example", note="likes rye")
    answer = signed_in.get(url(workspace, "export", ana.pk))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert "attachment" in answer["Content-Disposition"]
    data = json.loads(answer.content)
    assert "likes rye" in json.dumps(data) and "ana.example" in json.dumps(data)


def test_the_history_pages_on_with_older(signed_in: Client, workspace: Workspace) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    ana = person(workspace, "ana.example")
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="r1",
        contact_handle="ana.example",
        contact_id="id:ana.example",
        first_message_at=AT,
        last_message_at=AT,
    )
    for n in range(60):
        Message.objects.create(
            workspace=workspace,
            account=account,
            conversation=convo,
            network="bluesky",
            external_id=f"m{n}",
            kind="mention",
            author_handle="ana.example",
            author_id="id:ana.example",
            text=f"message number {n:02d}",
            sent_at=AT - timedelta(hours=n),
            sentiment="negative" if n % 2 else "positive",
        )
    first = signed_in.get(url(workspace, "person", ana.pk))
    page = first.content.decode()
    assert "message number 00" in page and "message number 49" in page
    assert "message number 50" not in page and 'data-testid="feeling-chart"' in page
    assert "<script" not in page.split('data-testid="feeling-chart"')[1].split("</figure>")[0]
    older = first.context["page"].next.text
    second = html(signed_in, f"{url(workspace, 'person', ana.pk)}?older={older}")
    assert "message number 50" in second and "message number 59" in second
    assert "message number 49" not in second
    assert f'href="{reverse("conversation", args=[workspace.slug, convo.pk])}"' in second
    assert signed_in.get(f"{url(workspace, 'person', ana.pk)}?older=junk").status_code == 200


def test_the_feeling_chart_is_a_small_svg_with_a_summary(
    signed_in: Client, workspace: Workspace
) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    ana = person(workspace, "ana.example")
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="r1",
        contact_handle="ana.example",
        contact_id="id:ana.example",
        first_message_at=AT,
        last_message_at=AT,
    )
    for n, sentiment in enumerate(["negative", "negative", "positive"]):
        Message.objects.create(
            workspace=workspace,
            account=account,
            conversation=convo,
            network="bluesky",
            external_id=f"m{n}",
            kind="mention",
            author_handle="ana.example",
            author_id="id:ana.example",
            text="<b>hi</b>",
            sent_at=AT - timedelta(days=31 * n),
            sentiment=sentiment,
        )

    page = html(signed_in, url(workspace, "person", ana.pk))

    chart = page.split('data-testid="feeling-chart">')[1].split("</figure>")[0]
    assert chart.startswith("<svg") and 'role="img"' in chart and "<script" not in chart
    assert "<title" in chart and "Nov 2026: 1 negative, 0 neutral, 0 positive" in chart
    assert "Sep 2026: 0 negative, 0 neutral, 1 positive" in chart
    assert chart.count("<rect") == 3 + 3  # the three months' bars and the legend's keys
    assert "<b>" not in chart


# Who the author is, on the inbox's and listening's pages


def test_the_conversation_page_names_the_author_with_a_link_to_their_page(
    signed_in: Client, workspace: Workspace
) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    ana = person(workspace, "ana.example", display_name="Ana <Baker>", status=Status.VIP)
    Follow.objects.create(account=account, identity=ana.identities.get(), seen_at=AT)
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="r1",
        contact_handle="ana.example",
        contact_id="id:ana.example",
        first_message_at=AT,
        last_message_at=AT,
        intent="complaint",
    )
    Message.objects.create(
        workspace=workspace,
        account=account,
        conversation=convo,
        network="bluesky",
        external_id="m1",
        kind="mention",
        author_handle="ana.example",
        author_id="id:ana.example",
        text="cold bread",
        sent_at=AT,
    )
    page = html(signed_in, reverse("conversation", args=[workspace.slug, convo.pk]))
    card = page.split('data-testid="author-card"')[1].split("</p>")[0]
    assert f'href="{url(workspace, "person", ana.pk)}"' in card
    assert "Ana &lt;Baker&gt;" in card and "VIP" in card and "follows you" in card
    assert 'data-testid="message-author"' in page


def test_the_stream_links_each_known_author_to_their_page(
    signed_in: Client, workspace: Workspace, owner: User
) -> None:
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    search = Search.objects.create(workspace=workspace, name="Rye", query="rye", networks=["fake"])
    ana = identify(workspace, "fake", "fake:ana", "ana").person
    Person.objects.filter(pk=ana.pk).update(status=Status.LEAD)
    for n, (handle, author_id) in enumerate([("ana", "fake:ana"), ("stranger", "fake:stranger")]):
        hit = Hit.objects.create(
            workspace=workspace,
            network="fake",
            external_id=f"h{n}",
            author_handle=handle,
            author_id=author_id,
            text=f"rye {handle}",
            sent_at=AT - timedelta(minutes=n),
        )
        SearchHit.objects.create(search=search, hit=hit, sent_at=hit.sent_at)
    page = html(signed_in, reverse("listening_stream_all", args=[workspace.slug]))
    assert page.count('data-testid="hit-person"') == 1
    assert f'href="{url(workspace, "person", ana.pk)}"' in page and ">Lead<" in page


def test_the_nav_links_to_people(signed_in: Client, workspace: Workspace) -> None:
    assert f'href="{url(workspace, "list")}"' in html(signed_in, url(workspace, "merges"))
