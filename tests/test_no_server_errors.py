"""No page answers 5xx, whatever it is given.

Two sweeps over the demo workspace (porch/demo.py):
- a crawler signs in as each role, starts at the dashboard and follows every same-site
  link breadth-first: no 5xx anywhere, and no 404 for a link the page itself showed;
- property tests send every view (enumerated from porch/urls.py) every query and form
  parameter the views read, with arbitrary values: unicode digits, huge numbers, far
  dates and ISO weeks, empty and very long text. Each request runs in a transaction that
  is rolled back, so one example never changes the next one's data.
"""

import copy
import os
import re
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import porch
from porch.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from porch.core.params import parse_date, parse_id, parse_int, parse_local_time
from porch.demo import DEMO_EMAIL, load_demo
from porch.inbox.models import Conversation, SavedReply
from porch.insights.models import HistoryImport
from porch.listening.models import Hit, Mute, Search, SearchHit
from porch.networks import registry
from porch.networks.base import ErrorCode, NetworkError
from porch.networks.facebook.forms import FacebookForm
from porch.networks.sync import client_for
from porch.offers.models import Offer, StaffLink, TillImport
from porch.people.models import Merge, MergeSuggestion, PeerSuggestion, Person
from porch.plans.questions import STEPS
from porch.publishing.models import Post, PostTarget
from porch.urls import urlpatterns
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Invitation, Notice, Role, Workspace
from tests.conftest import add_member

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SKIPPED = ("/signout/", "/static/", "/admin/")  # signing out ends the crawl; not Porch pages
NUMBERED = re.compile(r"/\d+/")
MAX_URLS = 600  # per role: a runaway generator of links fails the test instead of hanging


class Links(HTMLParser):
    """Every a href and hx-get of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name == "hx-get"):
                self.found.append(value)


def same_site(link: str, page: str) -> str | None:
    """The link as a path with its query, or None when it leaves Porch or is skipped."""
    parts = urlsplit(link)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path or urlsplit(page).path
    if not path.startswith("/"):
        path = urlsplit(page).path.rsplit("/", 1)[0] + "/" + path
    if path.startswith(SKIPPED):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: str) -> dict[str, int]:
    """Status of every page reachable from `start`; fails on 5xx, and on a link shown to
    this user that answers 404 or 403 (a page offering what the role may not do)."""
    seen, queue, problems = {start: 0}, deque([start]), []
    variants: Counter[str] = Counter()
    while queue:
        url = queue.popleft()
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code >= 500 or response.status_code in (403, 404):
            problems.append(f"{url} answered {response.status_code}")
        targets: list[str] = []
        if response.status_code in (301, 302):
            targets = [response["Location"]]
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = Links()
            parser.feed(response.content.decode())
            targets = parser.found
        for link in targets:
            found = same_site(link, url)
            if found is None or found in seen:
                continue
            shape = NUMBERED.sub("/N/", found.split("?")[0])  # one person, post… as the next
            if variants[shape] < 8:
                variants[shape] += 1  # calendars link on without end; the demo's year of rows
                seen[found] = 0
                queue.append(found)
        assert len(seen) <= MAX_URLS, f"more than {MAX_URLS} links from {start}"
    assert not problems, "\n".join(problems)
    return seen


@pytest.fixture
def demo(db: None) -> Iterator[Workspace]:
    with time_machine.travel(NOW, tick=False):
        workspace, _ = load_demo()
        yield workspace


def signed_in_as(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_link_of_the_demo_works_for_every_role(demo: Workspace) -> None:
    dashboard = reverse("dashboard", args=[demo.slug])
    users = {
        "owner": User.objects.get(username=DEMO_EMAIL),
        "manager": add_member(demo, "manager@crumb.example", Role.MANAGER),
        "helper": add_member(demo, "helper@crumb.example", Role.HELPER),
    }
    visited = {role: crawl(signed_in_as(user), dashboard) for role, user in users.items()}
    outsider = services.create_user("stranger@elsewhere.example", "long enough password 1")
    theirs = services.create_workspace(outsider, "Elsewhere", "UTC")
    visited["outsider"] = crawl(signed_in_as(outsider), reverse("dashboard", args=[theirs.slug]))
    # Every page of the demo the owner saw is hidden from a member of another workspace.
    stranger = signed_in_as(outsider)
    for url in visited["owner"]:
        if url.startswith(f"/w/{demo.slug}/"):
            answer = stranger.get(url).status_code
            assert answer in (302, 403, 404), f"{url} answered {answer} to an outsider"
    for role, pages in visited.items():
        print(f"CRAWL {role}: {len(pages)} URLs")
    assert len(visited["owner"]) > 40 and len(visited["helper"]) > 20


# Property tests ---------------------------------------------------------------------------

ROOT = Path(porch.__file__).parent
_READS = re.compile(r"""(?:GET|POST)\.(?:get|getlist)\(\s*f?["']([A-Za-z_]\w*)""")


def parameter_names() -> list[str]:
    """Every query or form parameter a view reads by name, and every form field."""
    names: set[str] = set()
    for source in ROOT.glob("*/*.py"):  # views.py, and views kept beside it (till_views.py)
        names.update(_READS.findall(source.read_text()))
    for source in ROOT.glob("*/forms*.py"):
        module = "porch." + source.parent.name + "." + source.stem
        loaded = __import__(module, fromlist=["*"])
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                names.update(getattr(value, "base_fields", {}))
    names.update(_wizard_fields())
    return sorted(names)


def _wizard_fields() -> set[str]:
    """The plan workshop's questions are data: their keys are its form fields (opening
    hours send three: <key>_days, <key>_opens, <key>_closes)."""
    found = {question.key for step in STEPS for question in step.questions}
    found |= {
        f"{question.key}_{part}"
        for step in STEPS
        for question in step.questions
        if question.kind == "opening"
        for part in ("days", "opens", "closes")
    }
    return found


# Which row a view's pk names (the rest name a conversation).
BY_VIEW = {
    "saved_reply_edit": "saved",
    "post": "post",
    "post_action": "post",
    "target_action": "target",
    "account_settings": "account",
    "disconnect": "account",
    "insights_import_progress": "import",
    "listening_stream": "search",
    "listening_say": "search",
    "listening_edit": "search",
    "listening_pause": "search",
    "hit_take": "hit",
    "hit_engage": "hit",
    "hit_reply": "hit",
    "hit_not_relevant": "hit",
    "hit_relevant": "hit",
    "unmute": "mute",
    "people:person": "person",
    "people:update": "person",
    "people:won": "person",
    "people:erase": "person",
    "people:export": "person",
    "people:merge_confirm": "suggestion",
    "people:merge_dismiss": "suggestion",
    "people:merge_undo": "merge",
    "plan_peer_action": "peer",
    "offers:offer": "offer",
    "offers:edit": "offer",
    "offers:send": "offer",
    "offers:qr": "offer",
    "offers:print": "offer",
    "offers:staff_link_revoke": "staff_link",
    "offers:till_import_confirm": "till_import",
    "api:webhook": "webhook",
    "api:webhook_action": "webhook",
    "api:delivery_redeliver": "delivery",
    "api:token_revoke": "api_token",
}


def sample_paths(workspace: Workspace) -> list[tuple[str, str]]:
    """(route, path) for every view in porch/urls.py, with path arguments from the demo."""
    first = {
        "conversation": Conversation.objects.filter(workspace=workspace).first(),
        "post": Post.objects.filter(workspace=workspace).first(),
        "target": PostTarget.objects.filter(post__workspace=workspace).first(),
        "account": ConnectedAccount.objects.filter(workspace=workspace, network="mastodon").first(),
        "saved": SavedReply.objects.filter(workspace=workspace).first(),
        "import": HistoryImport.objects.filter(account__workspace=workspace).first(),
        "search": Search.objects.filter(workspace=workspace).first(),
        "hit": Hit.objects.filter(workspace=workspace).first(),
        "mute": Mute.objects.filter(workspace=workspace).first(),
        "person": Person.objects.filter(workspace=workspace).first(),
        "suggestion": MergeSuggestion.objects.filter(workspace=workspace).first(),
        "merge": Merge.objects.filter(workspace=workspace).first(),
        "peer": PeerSuggestion.objects.filter(workspace=workspace).first(),
        "offer": Offer.objects.filter(workspace=workspace).first(),
        "staff_link": StaffLink.objects.filter(workspace=workspace).first(),
        "till_import": TillImport.objects.filter(workspace=workspace).first(),
        "webhook": WebhookEndpoint.objects.filter(workspace=workspace).first(),
        "delivery": WebhookDelivery.objects.filter(endpoint__workspace=workspace).first(),
        "api_token": ApiToken.objects.filter(membership__workspace=workspace).first(),
    }
    found = []
    for name, route in named_routes(urlpatterns):
        kwargs: dict[str, object] = {}
        for converter, arg in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            row = first[BY_VIEW.get(name, "conversation")]
            kwargs[arg] = {
                "slug": workspace.slug,
                "network": "mastodon",
                "step": STEPS[0].key,
                "token": "no-such-token",
                "code": "nosuchcode",
            }.get(arg, row.pk if row is not None else 1)
            if converter == "uuid":
                kwargs[arg] = uuid.UUID(int=1)
        found.append((name, reverse(name, kwargs=kwargs)))
    return found


def named_routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """(name, whole route) of every named view, through the apps' includes (not the admin's)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and pattern.app_name != "admin":
            space = f"{pattern.namespace}:" if pattern.namespace else ""
            for name, found in named_routes(pattern.url_patterns, route):
                yield space + name, found
        elif isinstance(pattern, URLPattern) and pattern.name is not None:
            yield pattern.name, route


ODD = [
    "",
    " ",
    "0",
    "-1",
    "²",
    "١٢",
    "\U0001d7d7",
    "1e309",
    "99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "9999-12-31",
    "0001-01-01",
    "9999-W52",
    "9999-W53",
    "2026-W99",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-02-30",
    "nan",
    "on",
    "all",
    "nobody",
    "me",
    "month",
    "\x00",
    "<script>alert(1)</script>",
    "x" * 5000,
]
VALUES = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda at: at.isoformat(timespec="minutes")),
)
PROBES = settings(
    max_examples=int(os.environ.get("PORCH_PROBE_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@pytest.fixture
def prober(demo: Workspace) -> tuple[Client, list[tuple[str, str]], list[str]]:
    """The owner's client, every view's sample path, and every parameter name."""
    owner = User.objects.get(username=DEMO_EMAIL)
    Invitation.objects.create(workspace=demo, email="new@crumb.example", invited_by=owner)
    listen(demo)
    dynamic = [f"{field}_{a.pk}" for a in demo.accounts.all() for field in ("text", "thread")]
    views = [(name, path) for name, path in sample_paths(demo) if name not in REACH_OUT]
    return signed_in_as(owner), views, [*parameter_names(), *dynamic, "alt_1"]


def listen(demo: Workspace) -> None:
    """A search, a hit it found and a mute, for the listening pages' paths."""
    search = Search.objects.create(workspace=demo, name="Rye", query="rye", networks=["fake"])
    hit = Hit.objects.create(
        workspace=demo,
        network="fake",
        external_id="probe-1",
        author_handle="maya",
        text="rye on Sundays?",
        sent_at=NOW,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=NOW)
    Mute.objects.create(workspace=demo, kind="word", value="crypto")


def test_every_listening_view_is_probed_on_its_own_row(demo: Workspace) -> None:
    """A listening view's sample path names a search or a hit that is there (a wrong kind
    of row answers 404 and the probes never reach the view's code)."""
    listen(demo)
    listening = [
        name
        for name, route in named_routes(urlpatterns)
        if name.startswith(("listening", "hit_")) and "<int:pk>" in route
    ]
    assert "hit_reply" in listening and "listening_say" in listening
    for name in listening:
        assert BY_VIEW.get(name) == ("hit" if name.startswith("hit_") else "search"), name
    client = signed_in_as(User.objects.get(username=DEMO_EMAIL))
    for name, path in sample_paths(demo):
        if name in listening:
            for method in ("get", "post"):
                status = send(client, method, path, {}, {})
                assert status not in (404, 403) and status < 500, f"{method} {name}: {status}"


# Views whose valid forms reach a network or a user's URL: tests never leave the machine,
# so their forms are checked on their own (tests/networks, tests/publishing/test_feeds.py).
REACH_OUT = {
    "connect_bluesky",
    "connect_mastodon",
    "connect_x",
    "connect_facebook",
    "connect_callback",
    "publishing_feeds",
}


def send(client: Client, method: str, path: str, query: dict[str, str], form: object) -> int:
    """One request, rolled back with everything it wrote (a sign-out's cookie too)."""
    url = path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else "")
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        status: int = getattr(client, method)(url, form).status_code
        transaction.set_rollback(True)
    client.cookies = cookies
    return status


SWEEP = ["²", "99999999999999999999999", "9999-12-31", "9999-W53"]


def test_every_view_survives_every_parameter_set_to_odd_values(
    prober: tuple[Client, list[tuple[str, str]], list[str]],
) -> None:
    client, views, names = prober
    failures = []
    for name, path in views:
        for value in SWEEP:  # the query string reaches what a view reads from GET on a POST
            every = dict.fromkeys(names, value)
            if send(client, "post", path, every, every) >= 500:
                failures.append(f"POST {name} with every parameter {value!r}")
    print(f"SWEEP {len(views) * len(SWEEP)} requests: {len(views)} views, {len(names)} names")
    assert not failures, "\n".join(failures)


def test_no_view_answers_5xx_to_any_parameter(
    prober: tuple[Client, list[tuple[str, str]], list[str]],
) -> None:
    client, views, names = prober
    tried: Counter[str] = Counter()

    @PROBES
    @given(
        view=st.sampled_from(views),
        method=st.sampled_from(["get", "post"]),
        form=st.dictionaries(st.sampled_from(names), st.lists(VALUES, max_size=3), max_size=6),
        query=st.dictionaries(st.sampled_from(names), VALUES, max_size=3),
    )
    def probe(
        view: tuple[str, str], method: str, form: dict[str, list[str]], query: dict[str, str]
    ) -> None:
        status = send(client, method, view[1], query, form)
        tried["requests"] += 1
        tried["values"] += sum(map(len, form.values())) + len(query)
        assert status < 500, f"{method.upper()} {view[1]}?{query!r} {form!r}"

    probe()
    print(f"PROBE {tried['requests']} requests, {tried['values']} values")


PATH_ARGUMENTS = ["invitation", "plan_step", "tracked_link"]


def test_no_view_answers_5xx_to_any_path_argument(demo: Workspace) -> None:
    client = signed_in_as(User.objects.get(username=DEMO_EMAIL))

    @PROBES
    @given(
        view=st.sampled_from(PATH_ARGUMENTS),
        value=st.one_of(st.sampled_from(ODD), st.text(min_size=1, max_size=60)),
    )
    def probe(view: str, value: str) -> None:
        cleaned = value.replace("/", "")
        if not cleaned:
            return
        kwargs = {"invitation": {"token": cleaned}, "tracked_link": {"code": cleaned}}.get(
            view,
            {"slug": demo.slug, "step": cleaned},
        )
        response = client.get(reverse(view, kwargs=kwargs))
        assert response.status_code < 500, f"{view} {cleaned!r}"

    probe()


# The findings of issue 17, one by one ----------------------------------------------------

REPORTED = [
    "inbox/?account=²",
    "inbox/?account=99999999999999999999999",
    "inbox/?assignee=²",
    "inbox/?assignee=99999999999999999999999",
    "plan/plan.md?version=²",
    "plan/plan.md?version=99999999999999999999999",
    "publishing/calendar/?start=9999-12-31",
    "publishing/calendar/?start=9999-12-31&view=month",
    "insights/report/?week=9999-W52",
    "insights/report.pdf?week=9999-W53",
]


@pytest.mark.parametrize("path", REPORTED)
def test_the_reported_odd_values_answer_a_page(demo: Workspace, path: str) -> None:
    client = signed_in_as(User.objects.get(username=DEMO_EMAIL))
    answer = client.get(f"/w/{demo.slug}/{path}")
    assert answer.status_code in (200, 302, 404), path


@pytest.mark.parametrize("repeat", ["²", "١٢", "99999999999999999999999", "0", "366"])
def test_an_odd_repeat_is_no_repeat(demo: Workspace, repeat: str) -> None:
    client = signed_in_as(User.objects.get(username=DEMO_EMAIL))
    account = demo.accounts.get(network="bluesky")
    form = {"accounts": [str(account.pk)], "text": "Rye today", "when": "draft"}
    answer = client.post(
        reverse("compose", args=[demo.slug]), {**form, "repeat_every_days": repeat}
    )
    assert answer.status_code == 302
    assert Post.objects.filter(workspace=demo, is_demo=False).get().repeat_every_days is None


def test_the_demo_mastodon_and_facebook_pages_count_and_save(demo: Workspace) -> None:
    client = signed_in_as(User.objects.get(username=DEMO_EMAIL))
    for network in ("mastodon", "facebook"):
        account = demo.accounts.get(network=network)
        convo = Conversation.objects.filter(account=account).first()
        assert convo is not None
        page = client.get(reverse("conversation", args=[demo.slug, convo.pk]), {"text": "Yes!"})
        assert page.status_code == 200 and page.context["check"].length == 4
        counted = client.post(
            reverse("compose_count", args=[demo.slug]),
            {"accounts": [str(account.pk)], "text": "Rye at 9"},
        ).json()["accounts"][str(account.pk)]
        assert counted["length"] == 8 and counted["fits"]
        saved = client.post(
            reverse("compose", args=[demo.slug]),
            {"accounts": [str(account.pk)], "text": f"Rye on {network}", "when": "draft"},
        )
        assert saved.status_code == 302
    account.refresh_from_db()
    assert account.status == "ok"  # the demo's accounts are not "needing reconnecting"


def test_the_demo_accounts_never_reach_a_network(demo: Workspace) -> None:
    """They run on the fake network, with the stock rules of the network they show."""
    fake = registry.client_class(django_settings.DEMO_NETWORK)
    for account in demo.accounts.all():
        with client_for(account) as client:
            assert type(client) is fake
            assert client.rules() is registry.client_class(account.network).stock_rules


@pytest.mark.parametrize("network", ["mastodon", "facebook"])
def test_an_incomplete_account_shows_as_needing_reconnecting(
    client: Client, owner: User, workspace: Workspace, network: str
) -> None:
    """No server URL (Mastodon) or Page id (Facebook) was stored: the pages still work."""
    account = ConnectedAccount.objects.create(
        workspace=workspace, network=network, handle="crumb@example.social"
    )
    convo = Conversation.objects.create(
        workspace=workspace,
        account=account,
        root_external_id="1",
        contact_handle="lena",
        first_message_at=NOW,
        last_message_at=NOW,
    )
    client.force_login(owner)
    page = client.get(reverse("conversation", args=[workspace.slug, convo.pk]))
    assert page.status_code == 200
    counted = client.post(
        reverse("compose_count", args=[workspace.slug]),
        {"accounts": [str(account.pk)], "text": "hi"},
    )
    assert counted.status_code == 200
    account.refresh_from_db()
    assert account.status == "needs_reconnect" and "incomplete" in account.status_detail
    assert Notice.objects.filter(account=account, key="reconnect").count() == 1
    with pytest.raises(NetworkError) as refused:
        client_for(account)
    assert refused.value.reconnect and refused.value.code == ErrorCode.INCOMPLETE


def test_the_parsers_refuse_what_python_would_accept() -> None:
    zone = ZoneInfo("Europe/London")
    assert [parse_int(v) for v in ("12", " 7 ", "²", "١٢", "\U0001d7d7", "-1", "", None)] == [
        12,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert parse_id("9223372036854775807") == 2**63 - 1 and parse_id("9223372036854775808") is None
    assert parse_int("2147483648") is None and parse_id("0") is None
    assert parse_date("2026-11-18") == date(2026, 11, 18)
    assert parse_date("9999-12-31") is None and parse_date("\uff12\uff10\uff12\uff16-11-18") is None
    assert parse_local_time("2026-11-18T09:30", zone) == datetime(2026, 11, 18, 9, 30, tzinfo=zone)
    assert parse_local_time("9999-12-31T23:59", zone) is None


@pytest.mark.parametrize("token", ["²", "EAAB ²", "токен"])
def test_a_page_token_outside_ascii_is_refused_by_the_form(token: str) -> None:
    form = FacebookForm({"page_token": token})  # it went into an HTTP header: a 500
    assert not form.is_valid() and "letters and digits only" in str(form.errors)
