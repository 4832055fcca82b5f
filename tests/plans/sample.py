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
