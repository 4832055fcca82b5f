"""From the workshop's answers to the plan: pure functions, the same answers give the same
plan (the web wizard and `porch plan --answers` share them).

Any answers make a plan: what is missing lowers the readiness score of its area, which
names it and says what would raise it.
"""

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from porch.networks.base import TextRules
from porch.plans.limits import BIO_LIMITS, POST_LIMITS
from porch.plans.questions import (
    GOALS,
    NETWORKS,
    Answers,
    clean_answers,
    opening_days,
    opening_text,
)
from porch.plans.searches import searches
from porch.plans.writing import (
    Rewriter,
    Variant,
    capitalised,
    fill,
    first_fitting,
    fits_all,
    mid_sentence,
    noun_phrase,
    one_phrase,
    place,
)

Plan = dict[str, Any]

HELPFUL = "Helpful tips"
BEHIND = "Behind the scenes"
QUESTIONS = "Questions for you"
PEERS = "Neighbours and partners"
OFFERS = "Offers for followers"
NEWS = "News and updates"
PILLAR_PURPOSE = {
    HELPFUL: "Solve your customers' problems in public: the helpful expert wins clients.",
    BEHIND: "Show the people and the work: this is what builds a community.",
    QUESTIONS: "Ask what prospects think, and listen to the answers.",
    PEERS: "Cheer on the businesses next to yours: it leads to joint ventures.",
    OFFERS: "Specials only followers get, so following you is worth it.",
    NEWS: "What is new: blog posts, the newsletter, opening hours.",
}
PROMOTIONAL = {OFFERS}
GREETINGS = {
    "friendly": ("Hello from {name}!", "Hello!"),
    "expert": ("Welcome to {name}.", "Welcome."),
    "playful": ("Hi there, it's {name}!", "Hi there!"),
    "straight": ("This is {name}.", "Hi."),
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
POSTING_DAYS = (1, 3, 0, 2, 4, 5, 6)  # Tuesday and Thursday first
POSTING_TIMES = ("09:30", "12:30", "17:30")
DEFAULT_HOURS = 2
MINUTES_PER_POST = 15


def _V(*templates: str) -> list[Variant]:
    return [Variant(template) for template in templates]


def chosen_networks(answers: Answers) -> list[str]:
    """The networks the plan writes for: those picked, else all of them."""
    return list(answers.get("networks") or NETWORKS)


def values_of(answers: Answers) -> dict[str, str]:
    """The known values templates can use, each in the form a sentence needs; an unknown
    one (or one that would not read well there) is simply absent, so the template's next
    variant is used.

    name, Name (to begin a sentence), newsletter, peer0/1: as given, less the stop at
    its end (porch.plans.writing.one_phrase), absent when it holds two sentences;
    sells, customers, product0/1: noun phrases (writing.noun_phrase), absent when the
    answer is a sentence; in_where: "in Leeds", "near the station"; topic0/1: a problem
    the owner solves, only ever used after a colon, where any answer reads; website."""
    values: dict[str, str] = {}
    for key in ("name", "newsletter"):
        if one_phrase(answers.get(key, "")):
            values[key] = one_phrase(answers[key])
    if answers.get("website"):
        values["website"] = answers["website"]
    if "name" in values:
        values["Name"] = capitalised(values["name"])
    for key in ("sells", "customers"):
        phrase = noun_phrase(answers.get(key, ""))
        if phrase:
            values[key] = phrase
    if place(answers.get("where", "")):
        values["in_where"] = place(answers["where"])
    for key, items in (
        ("product", [noun_phrase(p, drop_article=True) for p in answers.get("products", [])]),
        ("peer", [one_phrase(p) for p in answers.get("peers", [])]),
        ("topic", [mid_sentence(one_phrase(p, keep="?")) for p in answers.get("problems", [])]),
    ):
        for index, item in enumerate([item for item in items if item][:2]):
            values[f"{key}{index}"] = item
    if "sells" in values:
        values["Sells"] = capitalised(values["sells"])
    if "product0" in values:
        values["Product0"] = capitalised(values["product0"])
    with_name, without = GREETINGS[answers.get("voice", "friendly")]
    values["greeting"] = with_name.format(name=values["name"]) if "name" in values else without
    return values


# ---- readiness ---------------------------------------------------------------------------

# area: [(answer key, points, what it is called, what adding it would do)]
AREAS: dict[str, list[tuple[str, int, str, str]]] = {
    "Business basics": [
        ("name", 30, "your business name", "Add your business name: people search for it."),
        ("sells", 30, "what you sell", "Say what you sell, in a few words, for your bios."),
        ("where", 20, "where you are", "Say where you are: local customers search by place."),
        ("website", 20, "your website", "Add your website so your bios link to it."),
    ],
    "Customers and problems": [
        ("customers", 40, "who your customers are", "Say who your customers are."),
        ("problems", 60, "the problems you solve", "List two problems you solve for them."),
    ],
    "Products": [
        ("products", 100, "your products", "List your main products, one per line."),
    ],
    "Competitors and peers": [
        ("competitors", 50, "your competitors", "Name one or two competitors to listen to."),
        ("peers", 50, "your peers", "Name a business next to yours you could team up with."),
    ],
    "Voice and goals": [
        ("voice", 40, "your voice", "Pick how you sound."),
        ("goals", 60, "your goals", "Pick the goals that matter most."),
    ],
    "Networks and time": [
        ("networks", 50, "your networks", "Pick the networks you use."),
        ("hours", 50, "your hours a week", "Say how many hours a week you can give."),
    ],
    "Blog and newsletter (optional)": [
        ("feed", 50, "your blog feed", "Add your blog's feed: each post becomes a draft."),
        ("newsletter", 50, "your newsletter", "Name your newsletter to invite its readers."),
    ],
}


OPTIONAL_AREAS = frozenset({"Blog and newsletter (optional)"})


def readiness(answers: Answers) -> list[dict[str, Any]]:
    """Each area's score out of 100, why, and what would raise it. An optional area (a blog,
    a newsletter) is listed with "optional": True and never counts in the overall score."""
    areas = []
    for area, parts in AREAS.items():
        have = [part for part in parts if answers.get(part[0])]
        missing = [part for part in parts if not answers.get(part[0])]
        score = sum(points for _, points, _, _ in have)
        raise_by = [part[3] for part in missing]
        reason = _reason(have, missing)
        if len(answers.get("problems", [])) == 1 and any(p[0] == "problems" for p in have):
            score -= 20
            raise_by.append("Add a second problem you solve: it doubles your post ideas.")
            reason = reason.replace("All answered.", "All answered, with one problem so far.")
        optional = area in OPTIONAL_AREAS
        if optional:
            raise_by = [f"If you have one: {text[:1].lower()}{text[1:]}" for text in raise_by]
        areas.append(
            {
                "area": area,
                "score": score,
                "optional": optional,
                "reason": reason,
                "raise": " ".join(raise_by) or "Nothing: this area is ready.",
            }
        )
    return areas


def _reason(have: list[tuple[str, int, str, str]], missing: list[tuple[str, int, str, str]]) -> str:
    if not missing:
        return "All answered."
    if not have:
        return "Not answered yet: " + ", ".join(part[2] for part in missing) + "."
    given = ", ".join(p[2] for p in have)
    return f"You gave {given}; missing: " + ", ".join(p[2] for p in missing) + "."


def overall(areas: list[dict[str, Any]]) -> int:
    """The readiness out of 100: the average of the areas that are not optional."""
    counted = [area["score"] for area in areas if not area.get("optional")]
    return round(sum(counted) / len(counted)) if counted else 0


# ---- bios --------------------------------------------------------------------------------


def bio(answers: Answers, network: str) -> str:
    """A profile bio within the network's bio limit: sentences added while they fit."""
    rules = [BIO_LIMITS[network]]
    values = values_of(answers)
    intro = first_fitting(
        _V(
            "{Name}: {sells} {in_where}.",
            "{Name}: {sells}.",
            "{Sells} {in_where}.",
            "{Name}.",
            "A small business that loves its customers.",
        ),
        values,
        rules,
    )
    goals = answers.get("goals", [])
    closing = (
        "Ask us anything: we answer every message."
        if "care" in goals or "expert" in goals
        else "Tips, news and offers just for followers."
    )
    extras = [
        fill(Variant("For {customers}."), values, rules) if "customers" in values else None,
        closing,
        answers.get("website"),
    ]
    text = intro
    for extra in extras:
        if extra and fits_all(f"{text} {extra}", rules):
            text = f"{text} {extra}"
    return text


# ---- peers ------------------------------------------------------------------------------


def peers_to_follow(answers: Answers) -> list[dict[str, str]]:
    peers = [
        {
            "who": capitalised(one_phrase(peer) or peer),
            "why": "You named them: follow, say hello and share one of their posts.",
        }
        for peer in answers.get("peers", [])
    ]
    if place(answers.get("where", "")):
        peers.append(
            {
                "who": f"Other independent businesses {place(answers['where'])}",
                "why": "Not competitors but the same customers: good partners for joint offers.",
            }
        )
    return peers


# ---- the first offer for followers ----------------------------------------------------------

OFFER_DAYS = 14
TITLE_RULES = TextRules(
    max_length=120, counter=len, max_images=0, max_image_bytes=0, max_alt_text=0
)


def _offer_values(answers: Answers, code: str = "", link: str = "") -> dict[str, str]:
    """The plan's values, plus what the offer is and, once it is made, its code and link."""
    values = values_of(answers)
    values["what"] = (
        f"a thank-you on our {values['product0']}" if "product0" in values else "a little thank-you"
    )
    values.update({key: value for key, value in (("code", code), ("link", link)) if value})
    return values


def offer_posts(
    answers: Answers, networks: Sequence[str], code: str = "", link: str = ""
) -> list[str]:
    """The offer's announcement and its last-days reminder, within every network's limit.

    A post names the code and the link only when they are known (once the offer is made);
    without them it asks followers to ask at the counter (porch.plans.writing's rule)."""
    rules: list[TextRules] = [POST_LIMITS[network] for network in networks]
    values = _offer_values(answers, code, link)
    announce = _V(
        "Just for our followers: {what} this fortnight with the code {code}. Details: {link}",
        "Just for our followers: {what} this fortnight with the code {code}.",
        "Just for our followers: {what} this fortnight. Details: {link}",
        "Just for our followers: {what} this fortnight. Ask for it at the counter.",
        "Just for our followers: a little thank-you this fortnight. Ask at the counter.",
    )
    remind = _V(
        "Last days of our followers' offer: {what}, with the code {code}. {link}",
        "Last days of our followers' offer: {what}, with the code {code}.",
        "Last days of our followers' offer: {what}. Details: {link}",
        "Last days of our followers' offer: {what}. Ask for it at the counter.",
        "Last days of our followers' offer: ask for it at the counter.",
    )
    return [first_fitting(announce, values, rules), first_fitting(remind, values, rules)]


def offer_draft(answers: Answers, networks: Sequence[str]) -> dict[str, Any]:
    """The plan's first offer for followers: title, terms, how many days it runs and its
    posts (porch.offers makes it from these, on the offer form `offer_query` fills in)."""
    values = _offer_values(answers)
    title = first_fitting(
        _V("Followers' thank-you: {Product0}", "Followers' thank-you"), values, [TITLE_RULES]
    )
    where = f" at {values['name']}" if "name" in values else ""
    terms = (
        f"For our followers only{where}: show your code at the counter. One per person, "
        f"while it runs ({OFFER_DAYS} days). Not with other offers."
    )
    return {
        "title": title,
        "terms": terms,
        "days": OFFER_DAYS,
        "posts": offer_posts(answers, networks),
    }


def offer_query(draft: dict[str, Any], today: date) -> str:
    """The offer form's query string for the draft: from next Monday, for its days.

    Parameters: title, terms, starts and ends (local "YYYY-MM-DDTHH:MM", as the form's
    date-time fields show them)."""
    starts = today + timedelta(days=7 - today.weekday())
    ends = starts + timedelta(days=int(draft.get("days") or OFFER_DAYS))
    return urlencode(
        {
            "title": draft["title"],
            "terms": draft["terms"],
            "starts": f"{starts.isoformat()}T00:00",
            "ends": f"{ends.isoformat()}T00:00",
        }
    )


# ---- pillars, routine, drafts ------------------------------------------------------------


def posting_times(answers: Answers) -> tuple[list[int], list[str], str]:
    """The days (open days first) and times to post, and why: with opening hours, half
    an hour before opening, at lunchtime while open, and an hour before closing."""
    opening = answers.get("opening")
    if not opening:
        return list(POSTING_DAYS), list(POSTING_TIMES), ""
    days = [d for d in POSTING_DAYS if d in opening["days"]]
    days += [d for d in POSTING_DAYS if d not in days]
    opens = _minutes(opening["opens"])
    closes = _minutes(opening["closes"]) or 24 * 60
    lunch = 12 * 60 + 30 if opens < 12 * 60 + 30 < closes - 60 else (opens + closes) // 2
    found = sorted({max(opens - 30, 6 * 60), lunch, max(closes - 60, opens)})
    times = [f"{m // 60:02d}:{m % 60:02d}" for m in found]
    why = (
        f"Timed around your opening hours ({opening_text(opening)}): just before you open, "
        "then at lunchtime and before you close."
    )
    return days, times, why


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def routine(answers: Answers) -> dict[str, Any]:
    hours = int(answers.get("hours") or DEFAULT_HOURS)
    minutes = hours * 60
    review_minutes = 15 if hours < 2 else 30
    rest = minutes - review_minutes
    inbox = max(5, min(60, round(rest * 0.5 / 5 / 5) * 5))
    posts = max(1, min(14, int(rest * 0.5 // MINUTES_PER_POST)))
    days, times, timing = posting_times(answers)
    slots = [{"weekday": days[n % 7], "time": times[n // 7 % len(times)]} for n in range(posts)]
    slots.sort(key=lambda slot: (slot["weekday"], slot["time"]))
    return {
        "hours": hours,
        "inbox_minutes_a_day": inbox,
        "inbox_days": opening_days(answers["opening"])
        if answers.get("opening")
        else "Monday to Friday",
        "posts_a_week": posts,
        "slots": slots,
        "review": "Friday 16:00",
        "review_minutes": review_minutes,
        "timing": timing,
    }


def slot_text(slot: dict[str, Any]) -> str:
    return f"{WEEKDAYS[slot['weekday']]} {slot['time']}"


def first_response_minutes(answers: Answers) -> int:
    if "care" in answers.get("goals", []):
        return 60
    return 120 if int(answers.get("hours") or DEFAULT_HOURS) >= 5 else 240


def _draft_variants(answers: Answers) -> list[tuple[str, list[Variant]]]:
    goals = answers.get("goals", [])
    offers = "offers" in goals
    return [
        (
            NEWS,
            _V(
                "{greeting} We sell {sells} {in_where}. Follow along for tips, news and offers "
                "just for followers.",
                "{greeting} We sell {sells}. Follow along for tips, news and offers just for "
                "followers.",
                "{greeting} Follow along for tips, news and offers just for followers.",
                "Hello! Follow along for tips, news and offers just for followers.",
            ),
        ),
        (
            HELPFUL,
            _V(
                "Something we help with every week: {topic0}. Over the next weeks we'll share "
                "what works. What would you like to know first?",
                "What's one problem you'd love a straight answer to? Reply and we'll answer it "
                "this week.",
            ),
        ),
        (
            BEHIND,
            _V(
                "Behind the scenes at {name}: here's how our day starts. What would you like to "
                "see next?",
                "A look behind the scenes today: here's how our week starts. What would you like "
                "to see next?",
            ),
        ),
        (
            HELPFUL,
            _V(
                "How do you use our {product0}? Tell us in the replies and we'll share the tricks "
                "we've learned along the way.",
                "What's your favourite way to use what you bought from us? Tell us in the replies "
                "and we'll share our own tricks.",
            ),
        ),
        (
            QUESTIONS,
            _V(
                "If you could change one thing about {sells} {in_where}, what would it be? We "
                "read every answer.",
                "If you could change one thing about {sells}, what would it be? We read every "
                "answer.",
                "If you could change one thing about how we work, what would it be? We read every "
                "answer.",
            ),
        ),
        (
            PEERS,
            _V(
                "We love working alongside {peer0}. If you haven't met them yet, go and say "
                "hello, and tell them we sent you!",
            ),
        )
        if answers.get("peers")
        else (
            HELPFUL,
            _V(
                "Another one we hear about: {topic1}. Tell us what you've tried so far and we'll "
                "suggest what to do next.",
                "Got a question you've been meaning to ask us? Reply here: no question is too "
                "small.",
            ),
        ),
        (
            HELPFUL,
            _V(
                "Ask us anything about {sells} today: we'll answer every question here, in plain "
                "words.",
                "Ask us anything today: we'll answer every question here, in plain words.",
            ),
        ),
        (
            OFFERS,
            _V(
                "Just for our followers: mention this post at {name} this week and get a little "
                "thank-you from us. Offers like this only happen here.",
                "Just for our followers: mention this post when you visit this week and get a "
                "little thank-you from us.",
            ),
        ),
        (
            NEWS,
            _V(
                "A new issue of {newsletter} is out! Got a question about it? Continue the "
                "conversation here: we reply to everyone.",
                "New on our website: {website} Have a look, then tell us here what you think. We "
                "reply to everyone.",
                "Thank you for following along this week! What would you like to hear more about "
                "from us?",
            ),
        ),
        (
            OFFERS,
            _V(
                "Followers hear it first: our next special on {product0} will be announced here "
                "before anywhere else. Keep an eye on this account.",
                "Followers hear it first: our next special will be announced here before anywhere "
                "else. Keep an eye on this account.",
            ),
        )
        if offers
        else (
            BEHIND,
            _V(
                "Thank you to everyone who came by this week: you're the reason we do this. Who "
                "should we say hello to?",
            ),
        ),
    ]


def drafts(
    answers: Answers, networks: Sequence[str], rewrite: Rewriter | None = None
) -> list[dict[str, str]]:
    """Ten first posts, each tagged with its pillar and within every network's post limit."""
    rules: list[TextRules] = [POST_LIMITS[network] for network in networks]
    values = values_of(answers)
    voice = answers.get("voice", "friendly")
    written = []
    for pillar, variants in _draft_variants(answers):
        text = first_fitting(variants, values, rules)
        if rewrite is not None:
            text = rewrite(text, rules, voice)
        written.append({"pillar": pillar, "text": text})
    return written


def pillars(first_posts: list[dict[str, str]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for post in first_posts:
        counts[post["pillar"]] = counts.get(post["pillar"], 0) + 1
    return [
        {
            "name": name,
            "share": round(100 * count / len(first_posts)),
            "promotional": name in PROMOTIONAL,
            "purpose": PILLAR_PURPOSE[name],
        }
        for name, count in sorted(counts.items(), key=lambda item: -item[1])
    ]


def next_actions(
    answers: Answers, networks: Sequence[str], done: Collection[str] = ()
) -> list[dict[str, Any]]:
    """What to do next, in order, less what `done` names (an action's "key").

    Each action: key, text, minutes, and where to do it: "url" (a URL name taking the
    workspace's slug) and "anchor" (a part of that page, or ""). No action says where
    on a page something is ("above", "below"): it links to it."""
    actions: list[dict[str, Any]] = [
        _action(f"connect:{n}", f"Connect your {NETWORKS.get(n, n)} account.", 5, "accounts")
        for n in networks
    ]
    # a stored plan may name a network no longer offered (uninstalled, or a test network)
    labels = _and([NETWORKS.get(n, n) for n in networks])
    actions += [
        _action(
            "bios",
            f"Put your new bio on your {labels} profile{'s' if len(networks) > 1 else ''}.",
            10,
            "plan",
            "plan-bios",
        ),
        _action("accept", "Accept the plan so Porch sets up your queue.", 1, "plan", "accept"),
        _action("drafts", "Read the first drafts, edit and approve them.", 10, "publishing_queue"),
    ]
    if answers.get("peers"):
        actions.append(
            _action("peers", "Follow the peers you named and say hello.", 10, "plan_peers")
        )
    if answers.get("feed"):
        actions.append(
            _action(
                "feed",
                "Add your blog feed so each new post becomes a draft.",
                3,
                "publishing_feeds",
            )
        )
    actions.append(_action("inbox", "Answer everything waiting in the inbox.", 15, "inbox"))
    return [action for action in actions if action["key"] not in done]


def _action(key: str, text: str, minutes: int, url: str, anchor: str = "") -> dict[str, Any]:
    return {"key": key, "text": text, "minutes": minutes, "url": url, "anchor": anchor}


def _and(items: list[str]) -> str:
    """ "X", "X and Y", "X, Y and Z"."""
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def generate(raw: Answers, rewrite: Rewriter | None = None) -> Plan:
    """The whole plan from the answers (cleaned first)."""
    answers = clean_answers(raw)
    networks = chosen_networks(answers)
    first_posts = drafts(answers, networks, rewrite)
    areas = readiness(answers)
    return {
        "name": answers.get("name", ""),
        "networks": networks,
        "readiness": areas,
        "overall": overall(areas),
        "goals": [GOALS[g] for g in answers.get("goals", [])],
        "bios": [
            {"network": n, "text": bio(answers, n), "limit": BIO_LIMITS[n].max_length}
            for n in networks
        ],
        "searches": searches({**answers, "networks": networks}),
        "peers": peers_to_follow(answers),
        "pillars": pillars(first_posts),
        "routine": routine(answers),
        "first_response_minutes": first_response_minutes(answers),
        "drafts": first_posts,
        "offer": offer_draft(answers, networks),
        "actions": next_actions(answers, networks),
    }
