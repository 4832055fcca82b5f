"""A sample business's answers, as the wizard's form fields and as an answers file."""

from typing import Any

BAKERY: dict[str, Any] = {
    "name": "Corner Bakery",
    "sells": "sourdough bread and cakes",
    "where": "Leeds",
    "website": "https://cornerbakery.example",
    "newsletter": "The Friday Loaf",
    "customers": "busy parents nearby",
    "problems": ["bread that goes stale", "birthday cakes at short notice"],
    "products": ["sourdough loaf", "custom cakes"],
    "competitors": ["Big Bread Co"],
    "peers": ["Hilltop Coffee"],
    "voice": "friendly",
    "goals": ["care", "community", "offers"],
    "networks": ["x", "bluesky", "mastodon"],
    "hours": 3,
}

# What the wizard's form posts, step by step.
FORM_STEPS: list[tuple[str, dict[str, Any]]] = [
    (
        "business",
        {k: BAKERY[k] for k in ("name", "sells", "where", "website", "newsletter")} | {"feed": ""},
    ),
    ("customers", {"customers": BAKERY["customers"], "problems": "\n".join(BAKERY["problems"])}),
    ("products", {"products": "\n".join(BAKERY["products"])}),
    ("competitors", {"competitors": "Big Bread Co"}),
    ("peers", {"peers": "Hilltop Coffee"}),
    ("voice", {"voice": "friendly"}),
    ("goals", {"goals": BAKERY["goals"]}),
    ("networks", {"networks": BAKERY["networks"]}),
    ("time", {"hours": "3"}),
]

# More workshops, for the listening searches: a one-word name, an address for "where", a
# national chain the owner named, Facebook among the networks; and no competitors at all.
BIKE_SHOP: dict[str, Any] = {
    "name": "Spokes",
    "sells": "bike repairs and servicing",
    "where": "12 Stapleton Road, Easton, Bristol BS5 0QR",
    "website": "www.spokes-bristol.example",
    "customers": "people who cycle to work",
    "problems": ["flat tyres on the way to work", "squeaky brakes that nobody can fix"],
    "products": ["bike servicing", "puncture repair", "wheels"],
    "competitors": ["Halfords"],
    "voice": "straight",
    "goals": ["care", "expert"],
    "networks": ["x", "facebook", "bluesky"],
    "hours": 2,
}
YOGA_STUDIO: dict[str, Any] = {
    "name": "The Quiet Room Yoga Studio",
    "sells": "yoga classes for beginners",
    "where": "Milton Keynes",
    "customers": "office workers",
    "problems": ["back pain from sitting at a desk all day", "stress at work"],
    "products": ["beginners yoga", "pilates", "meditation"],
    "voice": "friendly",
    "goals": ["community", "prospects"],
    "networks": ["facebook", "mastodon"],
    "hours": 4,
}
WORKSHOPS = {"bakery": BAKERY, "bike shop": BIKE_SHOP, "yoga studio": YOGA_STUDIO}
