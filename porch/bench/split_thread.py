"""`make bench`: counting and splitting 100,000 characters of awkward shapes into a thread.

    BENCH split_100k_chars_ms <ms> ms   the slowest shape, for the slowest network's rules

What the composer's counter does with a text too long for one post: count it by the
network's own rules, then split it (porch.publishing.compose.split_thread). Each shape
is timed three times and its fastest run kept (the others measure the machine's noise).
"""

import time
from collections.abc import Callable

from porch.networks.base import TextRules

SIZE = 100_000


def _repeat(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


SHAPES: dict[str, Callable[[], str]] = {
    "no_spaces": lambda: "a" * SIZE,
    "words": lambda: _repeat("bread "),
    "sentences": lambda: _repeat("Fresh rye at eight today. "),
    "urls": lambda: _repeat("https://cornerbakery.example/menu/rye "),
    "urls_no_spaces": lambda: _repeat("http://a.zz/"),
    "dots": lambda: _repeat("a."),
    "parens": lambda: "https://cornerbakery.example/" + ")" * SIZE,
    "emoji": lambda: "😀" * SIZE,
    "families": lambda: _repeat("👩‍👩‍👧"),
    "flags": lambda: _repeat("🇫🇷"),
    "accents": lambda: _repeat("e\u0301"),
    "newlines": lambda: "\n" * SIZE,
    "cjk": lambda: "日" * SIZE,
    "mixed": lambda: _repeat("Rye 🥐 https://a.example/x 日本 é\u0301 #tag @me@x.social!\n"),
}


def all_rules() -> dict[str, TextRules]:
    """Each installed network's stock rules (a stock server's, where servers set their own)."""
    from porch.networks.registry import client_class, descriptors

    return {network.name: client_class(network.name).stock_rules for network in descriptors()}


def count_and_split(text: str, rules: TextRules) -> list[str]:
    """What the composer's counter (porch.publishing.views.count) does with a text."""
    from porch.publishing.compose import split_thread

    rules.length(text)
    return [text] if rules.fits(text) else split_thread(text, rules)


def timings(repeats: int = 3) -> dict[tuple[str, str], float]:
    """Milliseconds for each (shape, network), the fastest of `repeats` runs."""
    found = {}
    for shape, make in SHAPES.items():
        text = make()
        for network, rules in all_rules().items():
            runs = []
            for _ in range(repeats):
                start = time.process_time()
                count_and_split(text, rules)
                runs.append((time.process_time() - start) * 1000)
            found[shape, network] = min(runs)
    return found


if __name__ == "__main__":
    import django

    django.setup()
    for (shape, network), ms in sorted(timings().items(), key=lambda item: -item[1]):
        print(f"{shape:15} {network:9} {ms:8.1f} ms")
