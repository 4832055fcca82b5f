"""Normalisation and features: social text is handled, batches are consistent."""

from pathlib import Path

import numpy as np
import pytest

from porch.triage import features, lexicon
from porch.triage.text import normalise, vader_lexicon


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


def test_the_learnt_lexicon_rates_words_vader_does_not_know_and_negation_flips_it():
    assert "refund" not in vader_lexicon() and "mouldy" not in vader_lexicon()
    texts = ["refund for the mouldy bread", "the bread was fine", "not mouldy at all"]
    dense = features.featurise_with_dense(texts).dense
    vader_compound = dense[:, features.DENSE_NAMES.index("lexicon_compound")]
    learnt = dense[:, features.DENSE_NAMES.index("learnt_compound")]
    assert vader_compound[0] == 0.0  # VADER sees nothing in it
    assert learnt[0] < -0.3 and learnt[2] > 0


def test_a_learnt_lexicon_file_is_read_as_text_and_a_bad_line_is_named(tmp_path: Path):
    path = tmp_path / "lexicon.tsv"
    lexicon.write({"soggy": (-0.5514, -1.7), "crusty": (0.25, 0.5)}, path)
    assert path.read_text() == "crusty\t0.250\t0.500\nsoggy\t-0.551\t-1.700\n"
    assert lexicon.read(path) == {"crusty": (0.25, 0.5), "soggy": (-0.551, -1.7)}
    path.write_text("crusty\t0.250\t0.500\nsoggy\tvery\t-1.700\n")
    with pytest.raises(lexicon.LexiconError, match=r"line 2: expected 'word<TAB>polarity"):
        lexicon.read(path)
    path.write_text("crusty\t0.250\t0.500\ncrusty\t-1.000\t0.500\n")
    with pytest.raises(lexicon.LexiconError, match="line 2: 'crusty' is rated twice"):
        lexicon.read(path)
    with pytest.raises(lexicon.LexiconError, match="cannot read"):
        lexicon.read(tmp_path / "missing.tsv")
    assert [file.name for file in tmp_path.iterdir()] == ["lexicon.tsv"]  # no partial left


def test_the_words_to_rate_are_plain_words_in_the_normaliser_s_form():
    words = lexicon.words_to_rate(
        ["crumb", "##ly", "[CLS]", "a"], ["Didn\u2019t get my xurl BAGEL"]
    )
    assert {"crumb", "didnt", "get", "my", "bagel", "good"} <= set(words)
    assert not {"##ly", "[CLS]", "a", "xurl"} & set(words)
    assert words == sorted(words)


def test_a_key_table_finds_every_key_it_holds_and_no_other():
    rng = np.random.default_rng(7)
    spread = rng.integers(0, 2**63, size=500, dtype=np.uint64) * np.uint64(2)
    # Keys that share their top bits fall in one bucket: the lookup must walk the whole run.
    crowded = np.uint64(0xABCD) << np.uint64(48) | np.arange(1, 40, dtype=np.uint64)
    keys = np.concatenate((spread, crowded))
    table = features.KeyTable.of(keys, np.arange(keys.size, dtype=np.float64) + 1)
    absent = np.concatenate((spread[:50] + np.uint64(1), crowded + np.uint64(1000)))
    wanted = np.concatenate((keys[::-1], absent))
    values = table.lookup(wanted)
    assert values.tolist() == list(range(keys.size, 0, -1)) + [0.0] * absent.size
    assert (
        features.KeyTable.of(keys[:0], np.zeros(0)).lookup(wanted).tolist() == [0.0] * wanted.size
    )
