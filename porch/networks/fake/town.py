"""Millbrook, the made-up town the demo listens to: its people's public posts on the fake
network, about the demo's bakery (Crumb & Co.), its made-up rival (Rise Bakehouse),
sourdough, and the questions people ask, with the everyday chatter around them.

`seed(now)` writes TOWN once, spread over the two weeks before `now`; `chatter(turn)` is
one more post (the made-up customer's job adds one now and then). Everything is fictional.
"""

from datetime import datetime, timedelta

from porch.networks.fake import store

# (author, name, text)
TOWN = [
    ("jo_millbrook", "Jo", "Crumb & Co. cardamom buns on a Monday morning, the week can start now"),
    ("pete.r", "Pete", "Queue at Crumb & Co. went round the corner today. Worth it for the rye"),
    (
        "millbrook_mum",
        "Aisha",
        "Crumb & Co. did my son's birthday cake and he has not stopped talking about it",
    ),
    ("ben_cycles", "Ben", "Stopped at Crumb & Co. after the hill loop. Coffee a bit weak today"),
    ("clara.eats", "Clara", "the almond croissant at Crumb & Co. is too sweet for me, sorry"),
    ("grumpy_gus", "Gus", "Crumb & Co. sold out of sourdough by 10 again. Bake more!"),
    ("nina.k", "Nina", "Lovely chat with the baker at Crumb & Co. about rye flour this morning"),
    ("tom_hollis", "Tom", "Crumb & Co. prices went up again? 4.80 for a loaf is steep"),
    (
        "millbrook_news",
        "Millbrook News",
        "Crumb & Co. will be at the Millbrook harvest fair on Saturday",
    ),
    ("sara.b", "Sara", "Ordered office breakfast from Crumb & Co. and everyone was happy"),
    ("kev_runs", "Kev", "crumbandco sausage rolls after parkrun are the tradition now"),
    ("lily.p", "Lily", "Crumb & Co. got my order wrong twice this week. Not like them"),
    (
        "rise_fan",
        "Mo",
        "Rise Bakehouse opened a second shop by the station, the pain au chocolat is great",
    ),
    ("jo_millbrook", "Jo", "Tried Rise Bakehouse today. Nice bread, very slow service"),
    (
        "pete.r",
        "Pete",
        "Rise Bakehouse vs Crumb & Co. for sourdough? Crumb wins on crust, Rise on price",
    ),
    ("ella_m", "Ella", "Rise Bakehouse does a gluten free loaf now, finally"),
    ("dad_of_three", "Rob", "Rise Bakehouse kids' cupcake class was brilliant, booked again"),
    ("grumpy_gus", "Gus", "Rise Bakehouse charged me for a bag. For one bun. Really."),
    ("millbrook_news", "Millbrook News", "Rise Bakehouse is hiring early-shift bakers"),
    ("hana.s", "Hana", "Rise Bakehouse cinnamon knots are dry, three times in a row now"),
    (
        "clara.eats",
        "Clara",
        "Rise Bakehouse has the best coffee in Millbrook, the pastries less so",
    ),
    ("sam_walks", "Sam", "My sourdough starter finally doubled overnight! Day 9"),
    (
        "nina.k",
        "Nina",
        "Is it normal for sourdough to spread flat in the oven? Third flat loaf this week",
    ),
    ("ben_cycles", "Ben", "sourdough toast, butter, marmalade. That's the post."),
    (
        "ella_m",
        "Ella",
        "Gave my neighbour some of my sourdough starter, the Millbrook starter network grows",
    ),
    ("kev_runs", "Kev", "How long do you proof sourdough in a cold kitchen? Mine takes forever"),
    ("hana.s", "Hana", "Rye sourdough is harder than it looks. Brick number two."),
    ("lily.p", "Lily", "sourdough pancakes with the discard, recommend"),
    ("tom_hollis", "Tom", "Why is sourdough so expensive everywhere in Millbrook?"),
    ("sara.b", "Sara", "Sourdough class at the library on Thursday, anyone going?"),
    ("dad_of_three", "Rob", "Kids made sourdough pizza tonight, flour everywhere, worth it"),
    ("millbrook_mum", "Aisha", "Anyone know a bakery in Millbrook that does vegan birthday cake?"),
    ("sam_walks", "Sam", "Does anyone know a bakery open before 7? Early train and no breakfast"),
    ("new_in_town", "Priya", "Just moved to Millbrook. Anyone know where to get good bread?"),
    ("ella_m", "Ella", "anyone know a bakery with proper gluten free bread, not the crumbly kind?"),
    ("jo_millbrook", "Jo", "Anyone know who makes the wedding cakes at the Millbrook fair?"),
    ("rise_fan", "Mo", "Anyone know if a bakery here does wholesale bread for a cafe?"),
    ("hana.s", "Hana", "Does anyone know a cake place that delivers on Sundays?"),
    ("clara.eats", "Clara", "Anyone know a bakery that sells day-old bread cheap?"),
    ("weather_millbrook", "Millbrook Weather", "Rain all afternoon, clearing by the evening"),
    ("millbrook_news", "Millbrook News", "Road works on the high street until Friday"),
    ("pete.r", "Pete", "Lost a blue glove near the park gates, shout if you see it"),
    ("ben_cycles", "Ben", "Hill loop in 41 minutes, new best"),
    ("grumpy_gus", "Gus", "Bins not collected again on Elm Road"),
    ("nina.k", "Nina", "The library book sale is on, got six novels for a fiver"),
    ("kev_runs", "Kev", "parkrun was muddy and glorious"),
    ("lily.p", "Lily", "Who else watched the match last night? What a finish"),
    ("sara.b", "Sara", "My grandmother's bread pudding recipe, finally written down"),
    ("tom_hollis", "Tom", "Council meeting about the new car park on Tuesday"),
    ("dad_of_three", "Rob", "School fete raised 900 for the playground, thank you Millbrook"),
    ("ella_m", "Ella", "Farmers market had the first strawberries today"),
    ("weather_millbrook", "Millbrook Weather", "Frost overnight, mind the bridge"),
    ("millbrook_mum", "Aisha", "Crumb & Co. staff were so kind when my toddler dropped his bun"),
    ("new_in_town", "Priya", "Crumb & Co. or Rise Bakehouse for a first visit? Going Saturday"),
    ("hana.s", "Hana", "Crumb & Co. sourdough keeps three days in a tea towel, tested"),
    ("jo_millbrook", "Jo", "Rise Bakehouse queue was shorter but Crumb & Co. smelled better"),
    ("sam_walks", "Sam", "Does anyone know a bakery that takes cake orders at short notice?"),
    (
        "clara.eats",
        "Clara",
        "Sourdough focaccia from the market stall was the best thing I ate all week",
    ),
    ("kev_runs", "Kev", "Crumb & Co. should open on Sundays, just saying"),
    ("rise_fan", "Mo", "Rise Bakehouse sourdough is underrated"),
]
DAYS = 14  # the seed spreads over the two weeks before now


def seed(now: datetime) -> list[str]:
    """Write TOWN's posts, oldest first, evenly over the DAYS before `now`; their ids."""
    step = timedelta(days=DAYS) / len(TOWN)
    return [
        store.customer_post(author, text, author_name=name, at=now - (len(TOWN) - i) * step)
        for i, (author, name, text) in enumerate(TOWN)
    ]


def posted_since(since: datetime | None = None) -> int:
    """How many town posts (to no one, replying to nothing) were written since `since`."""
    authors = sorted({author for author, _, _ in TOWN})
    marks = ", ".join("?" * len(authors))
    query = f"SELECT count(*) FROM posts WHERE audience = '' AND author IN ({marks})"  # noqa: S608
    args = tuple(authors)
    if since is not None:
        query, args = query + " AND created_at >= ?", (*args, store.stamp(since))
    return int(store.connection().execute(query, args).fetchone()[0])


def everything() -> int:
    """How many posts the fake network holds, whoever wrote them (a turn counter)."""
    return int(store.connection().execute("SELECT count(*) FROM posts").fetchone()[0])


def chatter(turn: int) -> str:
    """One more town post (the `turn`-th: the posts come round again), written now."""
    author, name, text = TOWN[turn % len(TOWN)]
    return store.customer_post(author, text, author_name=name)
