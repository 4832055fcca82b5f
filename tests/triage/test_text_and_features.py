"""Normalisation and features: social text is handled, batches are consistent."""

import numpy as np

from porch.triage import features
from porch.triage.text import normalise


def test_social_text_is_normalised():
    texts = normalise(
        [
            "@BeanThereCafe soooo good!!! 😂 https://t.co/abc #BestCoffeeEver",
            "I didn\u2019t get my order :(",
        ]
    )
    first, second = texts.texts()
    assert "xuser" in first and "xurl" in first and "beanthere" not in first
    assert "soo " in first and "sooo" not in first
    assert "tears of joy" in first
    assert "xtag best coffee ever" in first
    assert "didnt" in second and "xfrown" in second
    assert texts.elongations.tolist() == [1.0, 0.0]


def test_shouting_is_counted():
    assert normalise(["THIS IS NOT OK", "this is fine"]).shouts.tolist() == [2.0, 0.0]


def test_a_text_scores_the_same_alone_and_in_a_batch():
    texts = ["love it", "not good at all, never again", "", "where are you?"]
    together = features.featurise(texts).toarray()
    for i, text in enumerate(texts):
        alone = features.featurise([text]).toarray()[0]
        np.testing.assert_allclose(alone, together[i], rtol=1e-6)


def test_negation_flips_the_lexicon():
    batch = features.featurise_with_dense(["this is good", "this is not good"])
    compound = batch.dense[:, 0]
    assert compound[0] > 0 > compound[1]


def test_urgency_triggers_match_words_and_pairs():
    floor = features.featurise_with_dense(
        ["allergic reaction", "my lawyer", "cancel my account", "cancel the cake? fine"]
    ).urgency_floor
    assert floor[0] > 0 and floor[1] > 0 and floor[2] > 0
    assert floor[3] == 0


def test_a_missing_order_for_an_occasion_is_urgent_and_a_mild_gripe_is_not():
    floor = features.featurise_with_dense(
        [
            "my wedding cake never arrived and the party starts at 3!!",
            "the cake hasn't arrived yet",
            "the croissants were a bit dry today",
        ]
    ).urgency_floor
    assert floor[0] >= 0.7 and floor[1] >= 0.7
    assert floor[2] == 0
