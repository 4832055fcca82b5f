"""What people say: topics named by their key phrases, recurring questions with how many
asked them, share of voice, volume by the workspace's day; the same hits give the same
answer every time."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from pytest_django import DjangoAssertNumQueries

from porch.listening import analytics
from porch.listening.models import Hit, HitMark, Mute, Search, SearchHit, SearchKind
from porch.workspaces.models import Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

LATE = [
    "my delivery arrived late again, two hours after the slot",
    "late delivery today, the courier never showed up on time",
    "order came late, delivery driver lost apparently",
    "delivery was three hours late and the bread was cold",
    "why is my delivery always late on saturdays",
    "late delivery once more, the order was promised for noon",
    "still waiting, delivery late by an hour",
    "the delivery came late and nobody called",
    "third late delivery this month, order more reliable please",
    "late delivery ruined breakfast, order arrived at eleven",
]
GLUTEN = [
    "so happy they have gluten free options now",
    "the gluten free brownies are excellent",
    "any gluten free bread options for coeliacs",
    "gluten free cake was as good as the real thing",
    "love that the gluten free options are labelled clearly",
    "tried the gluten free sourdough, not bad at all",
    "more gluten free options please, the muffins sell out",
    "their gluten free range keeps growing",
    "gluten free pastries are hard to find, these are great",
    "my daughter is coeliac and loves the gluten free cookies",
]
HOURS = [
    "opening hours on sunday are too short",
    "what are the opening hours this weekend",
    "opening hours changed again, the sign is out of date",
    "wish the opening hours were longer in the evening",
    "their website lists the wrong opening hours",
    "opening hours start at seven, perfect before work",
    "the new opening hours suit commuters",
    "holiday opening hours posted on the door",
    "opening hours until six on weekdays, great",
    "check the opening hours before you go, they close early",
]


def hit(text: str, author: str = "someone", at: datetime = AT, **fields: object) -> Hit:
    return Hit(text=text, author_handle=author, sent_at=at, **fields)


def themed() -> list[Hit]:
    posts = [*LATE, *GLUTEN, *HOURS]
    return [hit(text, f"person{n}") for n, text in enumerate(posts)]


def test_three_themes_come_out_as_three_topics_with_their_own_examples() -> None:
    found = analytics.topics(themed())

    assert len(found) == 3
    themes = {"delivery": LATE, "gluten": GLUTEN, "hour": HOURS}
    seen = set()
    for topic in found:
        word = next(word for word in themes if word in topic.name)
        seen.add(word)
        assert topic.count == 10
        assert len(topic.examples) == 3
        assert all(example.text in themes[word] for example in topic.examples)
    assert seen == set(themes)


def test_noise_does_not_make_topics() -> None:
    noisy = [
        hit(f"RT @shop{n} {text} https://t.co/x{n}", f"p{n}")
        for n, text in enumerate([*LATE, *GLUTEN, *HOURS])
    ]

    names = " ".join(topic.name for topic in analytics.topics(noisy))

    assert "http" not in names and "shop" not in names and "rt" not in names.split()


def test_topics_are_the_same_every_time() -> None:
    first = analytics.topics(themed())
    again = analytics.topics(list(themed()))

    assert [(t.name, t.count, [e.text for e in t.examples]) for t in first] == [
        (t.name, t.count, [e.text for e in t.examples]) for t in again
    ]


def test_too_few_hits_have_no_topics() -> None:
    assert analytics.topics([hit("hello"), hit("bread")]) == []


def test_paraphrased_questions_are_one_question_with_its_askers() -> None:
    hits = [
        hit("@corner what time do you open on Sunday?", "ann"),
        hit("Are you open on Sundays? Need bread", "bob"),
        hit("When do you open sunday?", "cat"),
        hit("when do you open on sunday??", "ann"),
        hit("Do you deliver to Leith? asking for my gran", "dan"),
        hit("do you deliver to leith", "eve", is_question=True),
        hit("Lovely sourdough today.", "fay"),
        hit("Really?", "gus"),
    ]

    found = analytics.questions(hits)

    assert [(q.asked, q.askers) for q in found] == [(4, 3), (2, 2)]
    assert "open" in found[0].phrasing.lower() and "sunday" in found[0].phrasing.lower()
    assert {e.author_handle for e in found[0].examples} <= {"ann", "bob", "cat"}
    assert "leith" in found[1].phrasing.lower()
    assert analytics.questions(hits) == found


def test_the_question_sentence_is_picked_from_a_post() -> None:
    assert analytics.question_in("@shop Flight late again. Where is my bag?") == "Where is my bag?"
    assert analytics.question_in("How do I order a cake for friday") == (
        "How do I order a cake for friday"
    )
    assert analytics.question_in("@united is my favourite airline.") == ""


def test_volume_counts_each_day_on_the_workspace_clock() -> None:
    late_evening = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)  # 18 Nov in Auckland
    hits = [
        hit("a", at=late_evening, sentiment="positive"),
        hit("b", at=late_evening, sentiment="negative"),
        hit("c", at=AT + timedelta(days=1), sentiment="neutral"),
    ]

    in_london = analytics.volume_by_day(hits, "Europe/London")
    in_auckland = analytics.volume_by_day(hits, "Pacific/Auckland")

    assert [(d.day, d.positive, d.neutral, d.negative) for d in in_london] == [
        (date(2026, 11, 17), 1, 0, 1),
        (date(2026, 11, 18), 0, 0, 0),
        (date(2026, 11, 19), 0, 1, 0),
    ]
    assert [(d.day, d.total) for d in in_auckland] == [
        (date(2026, 11, 18), 2),
        (date(2026, 11, 19), 1),  # 22:00 there
    ]


def stored(
    workspace: Workspace, searches: list[Search], n: int, sentiment: str, at: datetime
) -> Hit:
    found = Hit.objects.create(
        workspace=workspace,
        network="fake",
        external_id=str(n),
        author_handle=f"p{n}",
        text=f"post {n}",
        sent_at=at,
        sentiment=sentiment,
    )
    for search in searches:
        SearchHit.objects.create(search=search, hit=found, sent_at=at)
    return found


def test_share_of_voice_counts_each_side_once(workspace: Workspace) -> None:
    brand = Search.objects.create(
        workspace=workspace, name="Corner", query="corner", kind=SearchKind.BRAND
    )
    handle = Search.objects.create(
        workspace=workspace, name="@corner", query="@corner", kind=SearchKind.OWN
    )
    rival = Search.objects.create(
        workspace=workspace, name="Crumbs", query="crumbs", kind=SearchKind.COMPETITOR
    )
    Search.objects.create(
        workspace=workspace, name="Loaf", query="loaf", kind=SearchKind.COMPETITOR
    )
    stored(workspace, [brand, handle], 1, "positive", AT)  # one post, two own searches
    stored(workspace, [brand], 2, "positive", AT)
    stored(workspace, [handle], 3, "negative", AT)
    stored(workspace, [rival], 4, "positive", AT)
    stored(workspace, [rival, brand], 5, "neutral", AT)
    stored(workspace, [rival], 6, "negative", AT - timedelta(days=40))

    voices = analytics.share_of_voice(workspace)
    recent = analytics.share_of_voice(workspace, since=AT - timedelta(days=30))

    assert [(v.label, v.own, v.mentions, v.positive) for v in voices] == [
        ("You", True, 4, 2),
        ("Crumbs", False, 3, 1),
        ("Loaf", False, 0, 0),
    ]
    assert voices[0].share == 4 / 7 and voices[0].positive_share == 0.5
    assert [(v.label, v.mentions) for v in recent] == [("You", 4), ("Crumbs", 2), ("Loaf", 0)]


def test_no_competitor_no_share_of_voice(workspace: Workspace) -> None:
    Search.objects.create(workspace=workspace, name="Corner", query="corner", kind=SearchKind.BRAND)

    assert analytics.share_of_voice(workspace) == []


def test_volume_of_a_search_fills_the_last_days(workspace: Workspace) -> None:
    brand = Search.objects.create(
        workspace=workspace, name="Corner", query="corner", kind=SearchKind.BRAND
    )
    stored(workspace, [brand], 1, "positive", AT - timedelta(days=1))
    stored(workspace, [brand], 2, "negative", AT)
    stored(workspace, [], 3, "negative", AT)

    with time_machine.travel(AT, tick=False):
        days = analytics.volume(workspace, brand, days=3)
        everything = analytics.volume(workspace, days=3)

    assert [(d.day.day, d.positive, d.negative) for d in days] == [
        (16, 0, 0),
        (17, 1, 0),
        (18, 0, 1),
    ]
    assert [d.total for d in everything] == [0, 1, 2]


def test_reposts_of_one_post_make_topics_without_a_warning() -> None:
    import warnings

    texts = ["the sourdough at the corner bakery is the best in town"] * 12 + [
        "parking near the market is impossible on saturdays",
        "parking by the market again, no spaces on saturday",
    ] * 3
    hits = [hit(text, author=f"a{index}") for index, text in enumerate(texts)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analytics.topics(hits)


def asked(workspace: Workspace, searches: list[Search], n: int, author: str, at: datetime) -> Hit:
    """A question the triage flagged, though it has no question mark."""
    found = stored(workspace, searches, n, "neutral", at)
    Hit.objects.filter(pk=found.pk).update(
        author_handle=author,
        text=f"anyone know a gluten free bakery open late {n}",
        is_question=True,
    )
    return found


def test_the_questions_read_their_hits_in_a_bounded_number_of_queries(
    workspace: Workspace, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        asked(workspace, [], n, f"asker{n}", AT - timedelta(minutes=n))

    with django_assert_max_num_queries(3):
        found = analytics.questions(analytics.recent_hits(workspace))

    assert [(q.asked, q.askers) for q in found] == [(30, 30)]
    assert len(found[0].hits) == 30


def test_recent_hits_sent_at_one_time_come_newest_stored_first(workspace: Workspace) -> None:
    made = [stored(workspace, [], n, "neutral", AT) for n in range(5)]

    assert analytics.recent_hits(workspace) == made[::-1]


def test_hits_the_streams_hide_are_not_counted(workspace: Workspace) -> None:
    brand = Search.objects.create(
        workspace=workspace, name="Corner", query="corner", kind=SearchKind.BRAND
    )
    Search.objects.create(
        workspace=workspace, name="Crumbs", query="crumbs", kind=SearchKind.COMPETITOR
    )
    for n in range(3):
        asked(workspace, [brand], n, f"fan{n}", AT - timedelta(hours=n))
    for n in range(3, 7):
        asked(workspace, [brand], n, "Troll", AT - timedelta(hours=n))
    marked = stored(workspace, [brand], 7, "positive", AT)
    HitMark.objects.create(hit=marked, relevant=False)
    judged = stored(workspace, [brand], 8, "positive", AT)
    Hit.objects.filter(pk=judged.pk).update(judged_irrelevant=True)
    Mute.objects.create(workspace=workspace, kind="author", value="troll")

    with time_machine.travel(AT, tick=False):
        one = analytics.volume(workspace, brand, days=2)
        every = analytics.volume(workspace, days=2)
    hits = analytics.recent_hits(workspace, brand)
    (voice, _) = analytics.share_of_voice(workspace)

    assert sum(day.total for day in one) == sum(day.total for day in every) == 3
    assert sorted(hit.author_handle for hit in hits) == ["fan0", "fan1", "fan2"]
    assert [(q.asked, q.askers) for q in analytics.questions(hits)] == [(3, 3)]
    assert (voice.label, voice.mentions, voice.positive) == ("You", 3, 0)
    assert analytics.recent_hits(workspace) == hits
