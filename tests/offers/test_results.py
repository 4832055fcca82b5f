"""An offer's results: codes given, redemptions, revenue and rate, by network and by
audience, new against returning people; the same figures for every offer of a period."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from porch.offers.models import Code, CodeState, Give, Offer, Redemption, Source
from porch.offers.results import offer_results, workspace_offers
from porch.people.models import Person, Status
from porch.publishing.models import Post, PostStatus
from porch.workspaces.models import Workspace

START = datetime(2026, 11, 16, 9, tzinfo=UTC)
END = START + timedelta(days=14)
NOW = START + timedelta(days=3)


def offer(workspace: Workspace, give: str = Give.PERSONAL, **fields: object) -> Offer:
    values: dict[str, object] = {"title": "Followers' loaf", "starts_at": START, "ends_at": END}
    return Offer.objects.create(workspace=workspace, give=give, **(values | fields))


def person(workspace: Workspace, name: str, first_seen: datetime, status: str) -> Person:
    return Person.objects.create(
        workspace=workspace, display_name=name, first_seen_at=first_seen, status=status
    )


def code(an_offer: Offer, text: str, network: str, state: str, who: Person | None = None) -> Code:
    return Code.objects.create(
        workspace=an_offer.workspace,
        offer=an_offer,
        code=text,
        network=network,
        state=state,
        person=who,
    )


def redeem(
    an_offer: Offer, at: datetime, who: Person | None, amount: str | None, **fields: object
) -> Redemption:
    return Redemption.objects.create(
        workspace=an_offer.workspace,
        offer=an_offer,
        person=who,
        redeemed_at=at,
        amount=Decimal(amount) if amount else None,
        **fields,
    )


def per_person_offer(workspace: Workspace) -> Offer:
    """Six codes given (4 Mastodon, 2 Bluesky), two not; three redeemed by three people:
    one returning (known before, redeemed an earlier offer), two new."""
    long_ago = START - timedelta(days=200)
    regular = person(workspace, "Rosie", long_ago, Status.VIP)
    known = person(workspace, "Tom", long_ago, Status.CUSTOMER)
    newcomer = person(workspace, "Lena", START + timedelta(days=1), Status.OTHER)
    earlier = offer(workspace, title="Summer", starts_at=long_ago, ends_at=long_ago + timedelta(7))
    redeem(earlier, long_ago + timedelta(days=1), regular, "3.00")
    loaf = offer(workspace)
    codes = [
        code(loaf, "AAAA2222", "mastodon", CodeState.SENT, regular),
        code(loaf, "AAAA3333", "mastodon", CodeState.SENT, known),
        code(loaf, "AAAA4444", "mastodon", CodeState.GIVEN),
        code(loaf, "AAAA5555", "mastodon", CodeState.SENT),
        code(loaf, "BBBB2222", "bluesky", CodeState.SENT, newcomer),
        code(loaf, "BBBB3333", "bluesky", CodeState.SENT),
        code(loaf, "BBBB4444", "bluesky", CodeState.QUEUED),
        code(loaf, "BBBB5555", "bluesky", CodeState.FAILED),
    ]
    at = START + timedelta(days=2)
    for index, who, amount in ((0, regular, "12.50"), (1, known, "8.00"), (4, newcomer, None)):
        Code.objects.filter(pk=codes[index].pk).update(redeemed_at=at)
        redeem(
            loaf, at, who, amount, code=codes[index], personal=True, network=codes[index].network
        )
    return loaf


def test_a_per_person_offer_counts_codes_given_redemptions_and_people(
    workspace: Workspace,
) -> None:
    loaf = per_person_offer(workspace)
    results = offer_results(loaf, now=NOW)
    assert (results.given, results.redeemed, results.revenue) == (6, 3, Decimal("20.50"))
    assert results.rate == 0.5 and results.rate_text == "50%"
    assert results.by_network == [
        ("Bluesky", 2, 1, Decimal(0)),
        ("Mastodon", 4, 2, Decimal("20.50")),
    ]
    assert results.by_audience == [
        ("Customer", 1, 1, Decimal("8.00")),
        ("Not known", 3, 0, Decimal(0)),
        ("Other", 1, 1, Decimal(0)),
        ("VIP", 1, 1, Decimal("12.50")),
    ]
    assert (results.new, results.returning) == (2, 1)
    assert results.running
    assert "6 codes given, 3 redeemed (50% of codes), 20.50 in sales" in results.line()
    # Before the redemptions, nothing is counted yet.
    assert offer_results(loaf, now=START + timedelta(days=1)).redeemed == 0


def test_a_shared_code_has_no_codes_given_but_counts_the_posts_that_carried_it(
    workspace: Workspace,
) -> None:
    spring = offer(workspace, Give.SHARED, shared_code="CRUMB-SPRING")  # as the owner wrote it
    Post.objects.create(
        workspace=workspace, text="Say crumb-spring at the till!", status=PostStatus.PUBLISHED
    )
    Post.objects.create(workspace=workspace, text="Say CRUMB SPRING", status=PostStatus.DRAFT)
    Post.objects.create(workspace=workspace, text="Fresh bread", status=PostStatus.PUBLISHED)
    redeem(spring, START + timedelta(hours=2), None, "4.20", source=Source.TILL)
    results = offer_results(spring, now=NOW)
    assert results.given is None and results.rate is None and results.posts == 1
    assert (results.redeemed, results.revenue) == (1, Decimal("4.20"))
    assert results.by_network == [("Not known", None, 1, Decimal("4.20"))]
    assert results.given_text == "shared code, 1 post"
    assert (results.new, results.returning) == (0, 0)


def test_the_period_holds_offers_that_ran_or_were_redeemed_in_it(workspace: Workspace) -> None:
    loaf = per_person_offer(workspace)
    later = offer(workspace, Give.SHARED, title="Later", starts_at=END, ends_at=END + timedelta(7))
    after = END + timedelta(days=30)
    (found,) = workspace_offers(workspace, START, START + timedelta(days=7), now=after)
    assert found.offer == loaf and found.redeemed == 3 and found.running  # at the week's end
    # While the week is on, what has been redeemed so far; the offer is running.
    (so_far,) = workspace_offers(workspace, START, START + timedelta(days=7), now=NOW)
    assert so_far.running and so_far.redeemed == 3
    (not_yet,) = workspace_offers(workspace, START, START + timedelta(days=7), now=START)
    assert not_yet.redeemed == 0
    # The earlier offer's redemption is in its own week only; the week's figures are the week's.
    (summer,) = workspace_offers(
        workspace, START - timedelta(days=201), START - timedelta(days=180), now=after
    )
    assert summer.offer.title == "Summer" and summer.revenue == Decimal("3.00")
    (late,) = workspace_offers(workspace, END, END + timedelta(days=7), now=after)
    assert late.offer == later and late.redeemed == 0
    assert not offer_results(loaf, now=after).running


def test_the_figures_take_the_same_queries_for_many_redemptions(workspace: Workspace) -> None:
    loaf = per_person_offer(workspace)
    with CaptureQueriesContext(connection) as few:
        offer_results(loaf, now=NOW)
    for n in range(40):
        who = person(workspace, f"P{n}", START - timedelta(days=5), Status.CUSTOMER)
        mine = code(loaf, f"CCCC{n:04d}", "mastodon", CodeState.SENT, who)
        redeem(loaf, START + timedelta(hours=n), who, "1.00", code=mine, personal=True)
    with CaptureQueriesContext(connection) as many:
        results = offer_results(loaf, now=NOW)
    assert len(many.captured_queries) == len(few.captured_queries) <= 8
    assert results.redeemed == 43 and results.new == 42
