"""Features for the fast tier: hashed word and character n-grams plus lexicon features.

Everything after normalisation is done with numpy over the bytes of a whole batch:
polynomial prefix hashes give every token and every character 3-5-gram a 64-bit key in
one pass, so a batch costs a few array operations and no Python work per message.

Columns of the matrix, in order:

- WORD_BITS hashed word unigrams and bigrams (the one or two words after a negator are
  keyed as negated, like VADER's ``not good``), weighted by the model's idf, rows scaled to
  unit length;
- CHAR_BITS hashed character 3-, 4- and 5-grams, weighted and scaled the same way;
- DENSE_NAMES: CUE_NAMES, VADER lexicon sums (with negation), punctuation, shouting,
  elongation (no length: in the corpus short texts are mostly chatter, which would teach the
  model that a short complaint is not one); then LEARNT_NAMES, the same kind of sums over the
  lexicon learnt from the transformer tier (lexicon.py), which rates about 35,000 words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp
import vaderSentiment.vaderSentiment as vader

from porch.triage import lexicon
from porch.triage.text import NEGATORS, normalise, vader_lexicon
from porch.triage.urgency import TRIGGERS

WORD_BITS = 18
CHAR_BITS = 18
CHAR_SIZES = (3, 4, 5)
CUE_NAMES = (
    "lexicon_compound",
    "lexicon_positive",
    "lexicon_negative",
    "lexicon_hits",
    "exclamations",
    "questions",
    "shouts",
    "elongations",
    "boosters",
)
LEARNT_NAMES = ("learnt_compound", "learnt_positive", "learnt_negative", "learnt_neutrality")
DENSE_NAMES = CUE_NAMES + LEARNT_NAMES
# Learnt polarities (log-odds, about -6..6) are scaled to VADER's range (about -4..4, summed
# the same way) by this. TweetEval validation / airline sentiment F1 at 0.1, 0.3 and 1: about
# the same (0.589-0.590 / 0.645-0.649).
LEARNT_SCALE = 0.3
N_WORD = 1 << WORD_BITS
N_CHAR = 1 << CHAR_BITS
N_FEATURES = N_WORD + N_CHAR + len(DENSE_NAMES)
NEGATED_VALENCE = -0.74  # VADER's N_SCALAR

U64 = np.uint64
PRIME = 1_000_003
PRIME_INVERSE = pow(PRIME, -1, 1 << 64)
NEGATED_SALT = U64(0x9E3779B97F4A7C15)
BIGRAM_SALT = U64(0xC2B2AE3D27D4EB4F)
MIX = U64(0xFF51AFD7ED558CCD)

Array = np.ndarray[Any, Any]


def _byte_classes() -> Array:
    """Byte -> token class (1 word, 2 `!`, 3 `?`, 4 `.` and `,`, 0 none)."""
    classes = np.zeros(256, dtype=np.int8)
    for low, high in ((ord("a"), ord("z")), (ord("0"), ord("9")), (128, 255)):
        classes[low : high + 1] = 1
    classes[ord("_")] = 1
    classes[ord("!")], classes[ord("?")], classes[ord(".")], classes[ord(",")] = 2, 3, 4, 4
    return classes


BYTE_CLASS = _byte_classes()


def _plain_bytes(lines: Sequence[str]) -> "Bytes":
    return Bytes(np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8))


def _mix(keys: Array) -> Array:
    """A 64-bit finaliser (murmur3's), so low bits of the key are well spread."""
    keys = keys ^ (keys >> U64(33))
    keys = keys * MIX
    result: Array = keys ^ (keys >> U64(29))
    return result


class Bytes:
    """The bytes of a joined batch with prefix hashes: any slice's key in O(1), vectorised."""

    def __init__(self, raw: Array) -> None:
        self.raw = raw
        size = self.raw.size
        powers = np.full(size, PRIME, dtype=U64)
        powers[:1] = 1
        self.powers = np.cumprod(powers, dtype=U64)
        inverse = np.full(size, PRIME_INVERSE, dtype=U64)
        inverse[:1] = 1
        self.inverse = np.cumprod(inverse, dtype=U64)
        prefix = np.cumsum((self.raw + U64(1)) * self.powers, dtype=U64)
        self.line = np.cumsum(self.raw == 10)
        # Padded past the end so that slices running off it are computable (and never inside).
        pad = max(CHAR_SIZES)
        self.prefix = np.concatenate(([U64(0)], prefix, np.full(pad, prefix[-1:].sum(), U64)))
        self.newlines = np.concatenate(([0], self.line, np.full(pad, -1)))

    def keys(self, starts: Array, ends: Array) -> Array:
        """The polynomial key of each slice raw[start:end]."""
        return (self.prefix[ends] - self.prefix[starts]) * self.inverse[starts]


def _tokens(data: Bytes) -> tuple[Array, Array]:
    """(key, text index) of every token: runs of word bytes, of `!`, of `?`, of `.` and `,`."""
    classes = BYTE_CLASS[data.raw]
    if classes.size == 0:
        return np.zeros(0, dtype=U64), np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(np.diff(classes) != 0) + 1
    bounds = np.concatenate(([0], change, [classes.size]))
    starts, ends = bounds[:-1], bounds[1:]
    kept = classes[starts] != 0
    starts, ends = starts[kept], ends[kept]
    return data.keys(starts, ends), data.line[starts]


@cache
def _negator_keys() -> Array:
    data = _plain_bytes(NEGATORS)
    keys, _ = _tokens(data)
    return np.unique(keys)


def _negated(keys: Array, line: Array) -> Array:
    """Whether each token is one of the two after a negator in the same text."""
    is_negator = np.isin(keys, _negator_keys())
    negated = np.zeros(keys.size, dtype=bool)
    for gap in (1, 2):
        if keys.size > gap:
            negated[gap:] |= is_negator[:-gap] & (line[:-gap] == line[gap:])
    return negated & ~is_negator


def _word_keys(keys: Array, line: Array) -> tuple[Array, Array, Array]:
    """Unigram keys (negation salted in), and all word n-gram keys with their text index."""
    unigrams = _mix(keys ^ (NEGATED_SALT * _negated(keys, line).astype(U64)))
    bigrams = np.zeros(unigrams.size, dtype=U64)
    bigrams[:-1] = _mix(unigrams[:-1] * U64(31) + unigrams[1:] + BIGRAM_SALT)
    has_bigram = np.zeros(unigrams.size, dtype=bool)
    has_bigram[:-1] = line[:-1] == line[1:]
    both = np.column_stack((unigrams, bigrams))
    present = np.column_stack((np.ones(unigrams.size, dtype=bool), has_bigram))
    rows = np.broadcast_to(line[:, None], present.shape)[present]
    return unigrams, both[present], rows


@dataclass(frozen=True)
class KeyTable:
    """Values by mixed 64-bit key (as _mix makes them). The keys are sorted, and `starts` says
    where the run of keys with each value of the top `bits` bits begins: mixed keys spread
    evenly, so a lookup reads a run of about one key where a binary search took 17 steps."""

    keys: Array
    values: Array
    starts: Array
    bits: int

    @classmethod
    def of(cls, keys: Array, values: Array) -> "KeyTable":
        order = np.argsort(keys)
        keys = keys[order]
        bits = int(keys.size).bit_length() + 1
        starts = np.searchsorted(keys >> U64(64 - bits), np.arange((1 << bits) + 1, dtype=U64))
        return cls(keys, values[order], starts, bits)

    def find(self, wanted: Array) -> tuple[Array, Array]:
        """For each wanted key, its index in `keys` (0 where absent) and whether it is there."""
        bucket = (wanted >> U64(64 - self.bits)).astype(np.intp)
        where = np.zeros(wanted.size, dtype=np.intp)
        found = np.zeros(wanted.size, dtype=bool)
        ends = self.starts[bucket + 1]
        pending = np.flatnonzero(ends > self.starts[bucket])
        position = self.starts[bucket[pending]]
        while pending.size:
            hit = self.keys[position] == wanted[pending]
            where[pending[hit]], found[pending[hit]] = position[hit], True
            more = ~hit & (position + 1 < ends[pending])
            pending, position = pending[more], position[more] + 1
        return where, found

    def lookup(self, wanted: Array) -> Array:
        """The value of each wanted key, 0 where absent."""
        where, found = self.find(wanted)
        values = np.zeros(wanted.size)
        values[found] = self.values[where[found]]
        return values


@cache
def _word_table() -> KeyTable:
    """Unigram keys of the words VADER's lexicon or the learnt one rates, of their negated
    forms, and of VADER's boosters, with five columns: VADER's valence, the learnt polarity and
    neutrality, whether the learnt lexicon rates it, and whether it is a booster (not negated).
    Negation scales valence and polarity like VADER's."""
    vader_table, learnt = vader_lexicon(), lexicon.shipped()
    words = sorted(set(vader_table) | set(learnt))
    rows = [
        (vader_table.get(w, 0.0), *learnt.get(w, (0.0, 0.0)), float(w in learnt), 0.0)
        for w in words
    ]
    values = np.array(rows, dtype=np.float64).reshape(-1, 5)
    keys, _ = _tokens(_plain_bytes(words))
    plain = _mix(keys)
    boosters, _ = _tokens(_plain_bytes([w.replace("'", "") for w in vader.BOOSTER_DICT]))
    boosters = np.unique(_mix(boosters))
    unrated = np.setdiff1d(boosters, plain)
    plain = np.concatenate((plain, unrated))
    values = np.concatenate((values, np.zeros((unrated.size, 5))))
    values[:, 4] = np.isin(plain, boosters)
    negated = values[: len(words)] * np.array([NEGATED_VALENCE, NEGATED_VALENCE, 1.0, 1.0, 0.0])
    all_keys = np.concatenate((plain, _mix(keys ^ NEGATED_SALT)))
    return KeyTable.of(all_keys, np.concatenate((values, negated)))


@cache
def _triggers() -> KeyTable:
    """The word n-gram keys of the urgency triggers, with their urgency floor."""
    phrases = list(TRIGGERS)
    data = _plain_bytes(phrases)
    keys, line = _tokens(data)
    _, all_keys, rows = _word_keys(keys, line)
    per_phrase = np.bincount(line, minlength=len(phrases))
    # Keys come as: word 1, bigram 1-2, word 2. One word: its key; two: the bigram's.
    first = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(phrases)))))[:-1]
    chosen = np.where(per_phrase == 1, first, first + 1)
    levels = np.array([TRIGGERS[p] for p in phrases])
    return KeyTable.of(all_keys[chosen], levels)


def urgency_floor(word_keys: Array, word_rows: Array, count: int) -> Array:
    """The least urgency each text can have, from the trigger words (0 when none)."""
    levels = _triggers().lookup(word_keys)
    floor = np.zeros(count)
    hit = np.flatnonzero(levels)
    np.maximum.at(floor, word_rows[hit], levels[hit])
    return floor


@dataclass(frozen=True)
class Idf:
    """Inverse document frequency of each hashed word and character column, from training."""

    word: Array  # N_WORD float32
    char: Array  # N_CHAR float32

    @classmethod
    def fit(cls, texts: Sequence[str]) -> "Idf":
        """Smoothed idf, log((n + 1) / (df + 1)) + 1, of a training set's texts."""
        matrix = featurise(texts)
        present = np.bincount(matrix.indices, minlength=N_FEATURES)
        idf = (np.log((len(texts) + 1) / (present + 1.0)) + 1.0).astype(np.float32)
        return cls(idf[:N_WORD], idf[N_WORD : N_WORD + N_CHAR])


def _hashed_block(
    rows: Array, keys: Array, bits: int, count: int, idf: Array | None
) -> sp.csr_matrix:
    """Rows must be in order. Each n-gram weighs its idf (or 1); rows are scaled to unit length."""
    columns = (keys & U64((1 << bits) - 1)).astype(np.int32)
    per_row = np.bincount(rows, minlength=count)
    indptr = np.concatenate(([0], np.cumsum(per_row))).astype(np.int32)
    values = np.ones(columns.size, dtype=np.float32) if idf is None else idf[columns]
    length = np.sqrt(np.bincount(rows, weights=values * values, minlength=count))
    scale = (1.0 / np.maximum(length, 1e-9)).astype(np.float32)
    return sp.csr_matrix((values * scale[rows], columns, indptr), shape=(count, 1 << bits))


def _char_grams(data: Bytes) -> tuple[Array, Array]:
    """Keys and text index of every character n-gram inside one text, in text order."""
    # Data.keys over every start: its gathers are slices here (start i, end i + n).
    size = data.raw.size
    start_prefix, start_line = data.prefix[:size], data.newlines[:size]
    inside = np.column_stack([data.newlines[n : n + size] == start_line for n in CHAR_SIZES])
    keys = np.column_stack(
        [(data.prefix[n : n + size] - start_prefix) * data.inverse + U64(n) for n in CHAR_SIZES]
    )
    rows = np.broadcast_to(data.line[:, None], inside.shape)[inside]
    return _mix(keys[inside]), rows


def featurise(texts: Sequence[str], idf: Idf | None = None) -> sp.csr_matrix:
    """The feature matrix (len(texts) x N_FEATURES, float32) of a batch of texts."""
    return featurise_with_dense(texts, idf).matrix


@dataclass(frozen=True)
class Batch:
    words: sp.csr_matrix  # len(texts) x N_WORD, float32
    chars: sp.csr_matrix  # len(texts) x N_CHAR, float32
    dense: Array  # len(texts) x len(DENSE_NAMES)
    urgency_floor: Array  # from the trigger words

    @property
    def matrix(self) -> sp.csr_matrix:
        """All columns in one matrix (len(texts) x N_FEATURES, float32), for training."""
        blocks = (self.words, self.chars, sp.csr_matrix(self.dense))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def dot(self, weights: Array) -> Array:
        """matrix @ weights, block by block (no copy of the n-grams into one matrix)."""
        chars_end = N_WORD + N_CHAR
        result: Array = self.words @ weights[:N_WORD]
        result += self.chars @ weights[N_WORD:chars_end]
        result += self.dense @ weights[chars_end:]
        return result


def featurise_with_dense(texts: Sequence[str], idf: Idf | None = None) -> Batch:
    """The feature matrix, its dense columns (DENSE_NAMES) and the urgency floor.

    Without `idf` every n-gram of a text weighs the same (the matrix that idf is fitted on).
    """
    count = len(texts)
    if count == 0:
        words, chars = (sp.csr_matrix((0, size), dtype=np.float32) for size in (N_WORD, N_CHAR))
        return Batch(words, chars, np.zeros((0, len(DENSE_NAMES)), np.float32), np.zeros(0))
    normalised = normalise(texts)
    data = Bytes(normalised.raw)
    keys, line = _tokens(data)
    unigrams, word_keys, word_rows = _word_keys(keys, line)
    words = _hashed_block(word_rows, word_keys, WORD_BITS, count, None if idf is None else idf.word)
    char_keys, char_rows = _char_grams(data)
    chars = _hashed_block(char_rows, char_keys, CHAR_BITS, count, None if idf is None else idf.char)
    dense = _dense(data, keys, unigrams, line, normalised.shouts, normalised.elongations)
    return Batch(words, chars, dense, urgency_floor(word_keys, word_rows, count))


def _dense(
    data: Bytes, keys: Array, unigrams: Array, line: Array, shouts: Array, elongations: Array
) -> Array:
    count = shouts.size
    table = _word_table()
    where, found = table.find(unigrams)
    rows, rated = line[found], table.values[where[found]]
    valence = rated[:, 0]
    positive, negative = _signed_sums(rows, valence, count)
    hits = np.bincount(rows, weights=(valence != 0), minlength=count)
    boosters = np.bincount(rows, weights=rated[:, 4], minlength=count)
    exclamations = np.bincount(data.line[data.raw == ord("!")], minlength=count)
    questions = np.bincount(data.line[data.raw == ord("?")], minlength=count)
    columns = (
        *_sums(positive, negative),
        np.log1p(hits) / 2,
        np.log1p(exclamations) / 2,
        np.minimum(questions, 1),
        np.log1p(shouts) / 2,
        np.minimum(elongations, 1),
        np.minimum(boosters, 1),
        *_learnt_columns(rows, rated, count),
    )
    return np.column_stack(columns).astype(np.float32)


def _signed_sums(rows: Array, values: Array, count: int) -> tuple[Array, Array]:
    """Per text, the sum of the positive values and the sum of the negative ones."""
    positive = np.bincount(rows, weights=np.maximum(values, 0), minlength=count)
    return positive, np.bincount(rows, weights=np.minimum(values, 0), minlength=count)


def _sums(positive: Array, negative: Array) -> tuple[Array, Array, Array]:
    """VADER's compound of the summed valences, and the positive and negative shares."""
    total = positive + negative
    share = positive - negative + 1.0
    return total / np.sqrt(total * total + 15.0), positive / share, -negative / share


def _learnt_columns(rows: Array, rated: Array, count: int) -> tuple[Array, ...]:
    """LEARNT_NAMES, from the words found in _word_table (their text index, their columns):
    `_sums` of the scaled learnt polarities, and the mean neutrality of the words the learnt
    lexicon rates (0 where it rates none)."""
    positive, negative = _signed_sums(rows, LEARNT_SCALE * rated[:, 1], count)
    learnt = np.bincount(rows, weights=rated[:, 3], minlength=count)
    neutral = np.bincount(rows, weights=rated[:, 2], minlength=count)
    return (*_sums(positive, negative), np.tanh(neutral / np.maximum(learnt, 1) / 2))
