"""A sentiment lexicon learnt from the transformer tier, read by the fast tier's features.

VADER's lexicon rates about 7,500 words. MiniLM's pre-training met far more, and the shipped
transformer model, fine-tuned on the corpus, can say how each of them reads. `distil` asks it
about every word of its WordPiece vocabulary, of VADER's lexicon and of the corpus, each in
a few short contexts (TEMPLATES, whose log-probabilities are averaged so that no one phrasing
decides), and keeps two numbers a word:

- polarity: log P(positive) - log P(negative), less the median over all words (a word alone
  leans positive, whatever it is);
- neutrality: log P(neutral) - log P(negative or positive).

Unlike VADER's, the table rates every word, function words and negators too ("not" -1.5,
"it" -0.6, "was" +0.7), and features.py flips the words after a negator like VADER's. The fast
model weighs these columns beside its n-grams, which see negation themselves ("the bread was
not good" comes out negative). Leaving the negators out, or also zeroing polarities under 0.5
or 1.0, scored lower on the dev sets (airline sentiment F1 0.658 -> 0.655 / 0.649 / 0.646,
complaint_vs_negative 0.720 -> 0.716 / 0.716 / 0.712), so the table stays whole.

They are written to trained/learnt_lexicon.tsv (word, polarity, neutrality; rounded, sorted),
which `porch triage distil-lexicon` makes and `read` parses as text: loading it runs no code
and needs no transformer. The fast tier is served with numpy alone, as before; the file's digest
is part of fast.feature_settings, so a fast model trained with another one is refused.
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from porch.errors import InputError
from porch.triage.text import vader_lexicon

if TYPE_CHECKING:
    from porch.triage.transformer import TransformerModel

LEXICON_FILE = Path(__file__).with_name("trained") / "learnt_lexicon.tsv"
TEMPLATES = ("{}", "it was {}", "so {}!", "the {} one")
WORD = re.compile(r"[a-z][a-z]+")
# The normaliser's own tokens (text.py): they are not words, and VADER's table rates those
# that carry sentiment.
MARKERS = frozenset({"xurl", "xuser", "xtag", "xsmile", "xfrown", "xheart"})
DECIMALS = 3
REMAKE = "remake the file with 'porch triage distil-lexicon'"

Array = np.ndarray[Any, Any]


class LexiconError(InputError):
    """The learnt lexicon file is missing or not word, polarity, neutrality lines."""


def words_to_rate(vocabulary: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The words `distil` rates, sorted: plain lowercase words (two letters or more) of the
    network's vocabulary, VADER's lexicon and the texts, in the form the normaliser gives
    them (apostrophes dropped)."""
    words = {word for word in vocabulary if WORD.fullmatch(word)}
    words |= {word for word in vader_lexicon() if WORD.fullmatch(word)}
    for text in texts:
        words.update(WORD.findall(text.lower().replace("'", "").replace("\u2019", "")))
    return sorted(words - MARKERS)


def distil(model: "TransformerModel", words: Sequence[str]) -> dict[str, tuple[float, float]]:
    """word -> (polarity, neutrality) as the transformer `model` reads it (see the module)."""
    if not words:
        return {}
    mean_log = np.zeros((len(words), 3))
    for template in TEMPLATES:
        sentiment = model.run([template.format(word) for word in words])[1]
        mean_log += np.log(sentiment.astype(np.float64) + 1e-6) / len(TEMPLATES)
    probabilities = np.exp(mean_log)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    polarity = np.log(probabilities[:, 2]) - np.log(probabilities[:, 0])
    polarity -= np.median(polarity)
    neutrality = np.log(probabilities[:, 1]) - np.log(probabilities[:, 0] + probabilities[:, 2])
    return {
        word: (round(float(p), DECIMALS), round(float(n), DECIMALS))
        for word, p, n in zip(words, polarity, neutrality, strict=True)
    }


def write(table: dict[str, tuple[float, float]], path: Path = LEXICON_FILE) -> None:
    """Write the table whole or not at all (a partial file would be refused at every load)."""
    lines = [
        f"{word}\t{p:.{DECIMALS}f}\t{n:.{DECIMALS}f}\n" for word, (p, n) in sorted(table.items())
    ]
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(path)


def read(path: Path = LEXICON_FILE) -> dict[str, tuple[float, float]]:
    """The table in a lexicon file; LexiconError names the first line that is not one."""
    return parse(_bytes_of(path), path)


def parse(data: bytes, path: Path) -> dict[str, tuple[float, float]]:
    """The table in the bytes of the lexicon file at `path` (named in errors)."""
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LexiconError(f"cannot read the learnt lexicon {path}: {exc}") from None
    table: dict[str, tuple[float, float]] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.split("\t")
        try:
            word, polarity, neutrality = parts[0], float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            word, polarity, neutrality = "", 0.0, 0.0
        if (
            len(parts) != 3
            or not WORD.fullmatch(word)
            or not np.isfinite([polarity, neutrality]).all()
        ):
            raise LexiconError(
                f"{path}, line {number}: expected 'word<TAB>polarity<TAB>neutrality'; {REMAKE}"
            )
        if word in table:
            raise LexiconError(f"{path}, line {number}: {word!r} is rated twice; {REMAKE}")
        table[word] = (polarity, neutrality)
    return table


def _bytes_of(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LexiconError(f"cannot read the learnt lexicon {path}: {exc}") from None


@cache
def _shipped() -> tuple[dict[str, tuple[float, float]], str]:
    """The shipped file's table and digest, from one read."""
    data = _bytes_of(LEXICON_FILE)
    return parse(data, LEXICON_FILE), hashlib.sha256(data).hexdigest()[:16]


def shipped() -> dict[str, tuple[float, float]]:
    """The lexicon that ships with Porch, read once per process."""
    return _shipped()[0]


def shipped_digest() -> str:
    """A short digest of the shipped file: part of the fast tier's feature settings."""
    return _shipped()[1]
