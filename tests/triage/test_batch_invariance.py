"""A message's triage never depends on what was classified beside it: alone, in any batch, in
any order, on either tier, the scores agree within 1e-6."""

from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.triage.base import Classifier, Triage
from porch.triage.loading import load_classifier

# Messages of every shape an inbox sees: short and long, several languages, emoji, links,
# shouting, empty. The property picks random batches of them (with arbitrary extra texts).
MESSAGES = [
    "@acme my order was due TODAY and never arrived. nobody answers the phone. useless!!",
    "@acme hi, do you deliver to Portobello? would love to order a cake for saturday",
    "@acme best coffee in town, the staff are lovely. thank you!",
    "Get 10k followers fast!! DM now or visit growfast .com 🚀🚀",
    "ok",
    "",
    "the croissants were a bit dry today",
    "my son had an allergic reaction to the cake you said was nut free",
    "¿Tienen pan sin gluten? Gracias 🙏",
    "WHY IS THE SHOP CLOSED AGAIN",
    "the delivery was late again " * 60,
    "https://example.com/menu see you there :)",
    "not bad at all, would not say it was great either",
    "是否有外卖服务？",  # noqa: RUF001
]


@cache
def alone(tier: str, text: str) -> Triage:
    return load_classifier(tier).classify([text])[0]


def assert_close(got: Sequence[Triage], want: Sequence[Triage]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.intent == b.intent and a.sentiment == b.sentiment
        for name, score in a.intent_scores.items():
            assert abs(score - b.intent_scores[name]) <= 1e-6
        assert abs(a.sentiment_score - b.sentiment_score) <= 1e-6
        assert abs(a.urgency - b.urgency) <= 1e-6


batches = st.lists(
    st.one_of(st.sampled_from(MESSAGES), st.text(max_size=200)), min_size=1, max_size=24
)


@pytest.mark.parametrize("tier", ["fast", "transformer"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=batches)
def test_a_message_scores_the_same_alone_and_in_any_batch(tier: str, texts: list[str]):
    classifier: Classifier = load_classifier(tier)
    together = classifier.classify(texts)
    assert_close(together, [alone(tier, text) for text in texts])
    reordered = classifier.classify(texts[::-1])
    assert_close(reordered[::-1], together)
