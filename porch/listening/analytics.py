"""What people say: volume and sentiment by day, share of voice against the competitors,
the topics people raise and the questions they keep asking.

The figures are pure functions over hits (`volume_by_day`, `voices`, `topics`,
`questions`); the thin queries below them (`volume`, `share_of_voice`, `recent_hits`)
read a workspace's hits, less those its streams hide (muted authors and words, marked or
judged not relevant: porch.listening.stream.hidden_by). Topics and questions use
scikit-learn on the hits' own words: nothing is downloaded, and the same hits give the
same answer every time.
"""

import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from porch.listening.models import Hit, Search, SearchKind
from porch.listening.stream import hidden_by
from porch.triage.base import Sentiment
from porch.workspaces.models import Workspace

SEED = 0
DIMENSIONS = 100
# A post this far from its cluster's centre (cosine, in LSA space) is not counted in it.
FIT = 0.3
# Silhouette scores this close are as good as each other (the fewer clusters win).
CLOSE = 0.03
# The owner's own searches, counted together as "you" in share of voice.
OWN_KINDS = (SearchKind.BRAND, SearchKind.PRODUCT, SearchKind.OWN)

# --- volume and sentiment by day ---------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def _days(counts: dict[date, Counter[str]], first: date, last: date) -> list[Day]:
    out = []
    day = first
    while day <= last:
        seen = counts.get(day, Counter())
        out.append(
            Day(
                day,
                seen[Sentiment.POSITIVE],
                seen[Sentiment.NEUTRAL] + seen[""],
                seen[Sentiment.NEGATIVE],
            )
        )
        day += timedelta(days=1)
    return out


def volume_by_day(
    hits: Iterable[Hit], tz: str, first: date | None = None, last: date | None = None
) -> list[Day]:
    """Hits per day on the wall in `tz`, by sentiment; days with none are there with 0."""
    zone = ZoneInfo(tz)
    counts: dict[date, Counter[str]] = {}
    for hit in hits:
        counts.setdefault(hit.sent_at.astimezone(zone).date(), Counter())[hit.sentiment] += 1
    if not counts and (first is None or last is None):
        return []
    return _days(counts, first or min(counts), last or max(counts))


def shown(
    workspace: Workspace,
    search: Search | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Hit]:
    """The workspace's (or one search's) hits sent from `since` to before `until` that its
    streams show. One search's conditions go in one filter(), on its copy of sent_at (its
    index), so that they share one join of SearchHit."""
    column = "searchhit__sent_at" if search is not None else "sent_at"
    where = Q(workspace=workspace)
    if search is not None:
        where &= Q(searchhit__search=search)
    if since is not None:
        where &= Q(**{f"{column}__gte": since})
    if until is not None:
        where &= Q(**{f"{column}__lt": until})
    return Hit.objects.filter(where).exclude(hidden_by(workspace))


def volume(workspace: Workspace, search: Search | None = None, days: int = 30) -> list[Day]:
    """The last `days` days (today included) of a search's hits, or all the workspace's."""
    zone = ZoneInfo(workspace.timezone)
    last = workspace.today()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    query: QuerySet[Any] = (
        shown(workspace, search, since=start)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("day", "sentiment")
    )
    counts: dict[date, Counter[str]] = {}
    for row in query.annotate(n=Count("pk")).order_by():
        counts.setdefault(row["day"], Counter())[row["sentiment"]] += row["n"]
    return _days(counts, first, last)


# --- share of voice ------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """One side's mentions: `share` of all mentions, `positive_share` of its own."""

    label: str
    own: bool
    mentions: int
    positive: int
    share: float
    positive_share: float


def voices(counts: Sequence[tuple[str, bool, int, int]]) -> list[Voice]:
    """(label, own, mentions, positive) rows as shares; the owner first, then by mentions."""
    total = sum(mentions for _, _, mentions, _ in counts)
    out = [
        Voice(
            label,
            own,
            mentions,
            positive,
            mentions / total if total else 0.0,
            positive / mentions if mentions else 0.0,
        )
        for label, own, mentions, positive in counts
    ]
    return sorted(out, key=lambda voice: (not voice.own, -voice.mentions, voice.label))


def _mentions(hits: QuerySet[Hit]) -> tuple[int, int]:
    found = hits.distinct().aggregate(
        mentions=Count("pk", distinct=True),
        positive=Count("pk", filter=Q(sentiment=Sentiment.POSITIVE), distinct=True),
    )
    return found["mentions"], found["positive"]


def share_of_voice(
    workspace: Workspace, since: datetime | None = None, until: datetime | None = None
) -> list[Voice]:
    """The owner's searches (brand, products, handles; a hit counted once) against each
    competitor search, on hits sent from `since` to before `until`. Empty when the
    workspace follows no competitor."""
    searches = Search.objects.filter(workspace=workspace)
    competitors = list(searches.filter(kind=SearchKind.COMPETITOR))
    if not competitors:
        return []
    hits = shown(workspace, since=since, until=until)
    rows = [("You", True, *_mentions(hits.filter(searches__kind__in=OWN_KINDS)))]
    for search in competitors:
        rows.append((search.name, False, *_mentions(hits.filter(searches=search))))
    return voices(rows)


def recent_hits(
    workspace: Workspace,
    search: Search | None = None,
    limit: int = 10_000,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Hit]:
    """The newest hits to find topics or questions in (a search's, or the workspace's;
    sent from `since` to before `until`; not those the streams hide)."""
    hits = shown(workspace, search, since, until).order_by("-sent_at", "-pk")
    fields = ("text", "author_handle", "sent_at", "is_question")  # what topics and questions read
    return list(hits.only(*fields)[:limit])


# --- words ---------------------------------------------------------------------------------

# Links, @handles, "RT", HTML entities: social-media noise, not what people talk about.
NOISE = re.compile(r"https?://\S+|www\.\S+|(?<![\w@])@\w+|\bRT\b|&\w+;|&#\d+;")
WORD = r"(?u)\b[^\W\d_][^\W\d_']+\b"
# Words the English list drops that carry meaning in customers' posts.
KEEP = {"back", "bill", "call", "empty", "find", "found", "fire", "full", "system", "move"}
NOISE_WORDS = {"rt", "amp", "via", "http", "https", "co", "im", "dm", "don", "didn", "doesn"}
NOISE_WORDS |= {"does", "doing", "gonna", "wanna"}  # not in the English list; "does" is no plural
STOP_WORDS = sorted((ENGLISH_STOP_WORDS - KEEP) | NOISE_WORDS)
_STOP = frozenset(STOP_WORDS)
_WORDS = re.compile(WORD)


def clean(text: str) -> str:
    """The text without links, handles and retweet marks, lower case, one space apart."""
    return " ".join(NOISE.sub(" ", text).lower().replace("\u2019", "'").split())


def _stem(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in _STOP or len(word) < 4 or word.endswith(("ss", "us", "is")):
        return word
    return word[:-1] if word.endswith("s") else word


def _stemmed(text: str) -> str:
    """Plurals folded (`sundays` is `sunday`), so paraphrases share their words."""
    return _WORDS.sub(_stem, clean(text))


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-") + "…"


def _distinct(hits: Iterable[Hit], count: int) -> list[Hit]:
    """The first `count` hits whose cleaned texts differ (reposts say the same thing)."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        key = clean(hit.text)
        if key not in seen:
            seen.add(key)
            out.append(hit)
            if len(out) == count:
                break
    return out


# --- topics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """Hits about one thing, named by its key phrases; `examples` are nearest its centre."""

    name: str
    phrases: tuple[str, ...]
    count: int
    examples: tuple[Hit, ...]


def _k_candidates(n: int) -> list[int]:
    """How many clusters to try: about one per 5 posts for a few, up to 30 for thousands."""
    most = max(2, min(30, n // 5, round(math.sqrt(n / 2)) + 2))
    least = 2 if n < 200 else max(2, most // 3)
    step = max(1, (most - least) // 6)
    return sorted({*range(least, most + 1, step), most})


def _space(matrix: sparse.csr_matrix) -> np.ndarray:
    """Each post as a unit vector in a small dense space (LSA) where short texts that use
    related words land near each other."""
    dims = min(DIMENSIONS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if dims < 2:
        return np.asarray(normalize(matrix).toarray())
    svd = TruncatedSVD(n_components=dims, n_iter=4, random_state=SEED)
    return np.asarray(normalize(svd.fit_transform(matrix)), dtype=np.float32)


def _kmeans(k: int) -> KMeans:
    return KMeans(k, n_init=3, random_state=SEED)


def _cluster(points: np.ndarray) -> np.ndarray:
    """KMeans labels with k chosen by the silhouette on at most 1,000 of the posts. Copies of
    one post (reposts) may leave fewer distinct points than clusters asked for: KMeans then
    warns and finds fewer, which is what is wanted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _clusters(points)


def _clusters(points: np.ndarray) -> np.ndarray:
    n = len(points)
    sample = np.sort(np.random.default_rng(SEED).choice(n, size=min(n, 1000), replace=False))
    scores: dict[int, float] = {}
    for k in _k_candidates(n):
        if k >= len(sample):
            break
        labels = _kmeans(k).fit_predict(points[sample])
        if len(set(labels)) > 1:
            scores[k] = float(silhouette_score(points[sample], labels))
    # The fewest clusters nearly as well separated as the best: short posts on one theme
    # otherwise split into near-copies of one topic.
    best = max(scores.values(), default=0.0)
    best_k = min((k for k, score in scores.items() if score >= best - CLOSE), default=2)
    return np.asarray(_kmeans(best_k).fit_predict(points))


def _phrases(scores: np.ndarray, terms: np.ndarray, count: int = 3) -> tuple[str, ...]:
    """The best-scoring terms, each sharing no word with one already taken."""
    chosen: list[str] = []
    used: set[str] = set()
    for index in np.argsort(-scores, kind="stable"):
        if scores[index] <= 0 or len(chosen) == count:
            break
        words = {word.rstrip("s") for word in terms[index].split()}
        if words & used:
            continue
        chosen.append(str(terms[index]))
        used |= words
    return tuple(chosen)


def _vectorizer(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=_stemmed,
        token_pattern=WORD,
        stop_words=STOP_WORDS,
        ngram_range=(1, 3),
        min_df=min_df,
        max_df=0.5,
        sublinear_tf=True,
        dtype=np.float32,
    )


def topics(hits: Sequence[Hit], smallest: int | None = None) -> list[Topic]:
    """The topics in `hits`, largest first. A cluster smaller than `smallest` (default: 3
    posts or 1% of them) is dropped; so are posts that share no words with any other."""
    if len(hits) < 6:
        return []
    vectorizer = _vectorizer(2)
    try:
        matrix = sparse.csr_matrix(vectorizer.fit_transform([hit.text for hit in hits]))
    except ValueError:  # no word appears twice
        return []
    keep = np.flatnonzero(matrix.getnnz(axis=1))
    if len(keep) < 6:
        return []
    terms = vectorizer.get_feature_names_out()
    with threadpool_limits(1):  # one core: as fast on a busy machine, and the same each time
        return _topics(hits, matrix[keep], keep, terms, smallest or max(3, len(hits) // 100))


def _topics(
    hits: Sequence[Hit],
    matrix: sparse.csr_matrix,
    keep: np.ndarray,
    terms: np.ndarray,
    smallest: int,
) -> list[Topic]:
    points = _space(matrix)
    labels = _cluster(points)
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    # A post of a few words says less than one of ten or more (as an example).
    lengths = np.minimum(1.0, matrix.getnnz(axis=1) / 10) ** 0.5
    found = []
    for label in np.unique(labels):
        mask = labels == label
        centre = normalize(points[mask].mean(axis=0, keepdims=True))[0]
        mask &= points @ centre >= FIT
        if mask.sum() < smallest:
            continue
        scores = np.asarray(matrix[mask].mean(axis=0)).ravel() - overall
        phrases = _phrases(scores, terms)
        if not phrases:
            continue
        # The posts that say the topic's key words most plainly come first.
        fit = (matrix[mask] @ np.clip(scores, 0, None)) * lengths[mask]
        nearest = keep[mask][np.argsort(-fit, kind="stable")]
        examples = _distinct((hits[index] for index in nearest), 3)
        found.append(Topic(", ".join(phrases), phrases, int(mask.sum()), tuple(examples)))
    return sorted(found, key=lambda topic: (-topic.count, topic.name))


# --- questions -----------------------------------------------------------------------------

# Two questions are one when their words are this alike (cosine of TF-IDF).
ALIKE = 0.5
OPENERS = re.compile(
    r"^(?!what an? )(how|what|what's|whats|why|when|where|where's|who|which|anyone|any one|"
    r"anybody|(can|could|will|would|do|does|did) (you|anyone|i|we|someone)|(is|are) there)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Question:
    """One question people keep asking: `asked` times by `askers` different people; `hits`
    are every post that asked it (to answer the askers)."""

    phrasing: str
    asked: int
    askers: int
    examples: tuple[Hit, ...]
    hits: tuple[Hit, ...] = field(default=(), repr=False)


def question_in(text: str) -> str:
    """The sentence of a post that asks something ("" when none does): one with a question
    mark, else one that opens like a question."""
    sentences = _SENTENCES.split(" ".join(NOISE.sub(" ", text).split()))
    for sentence in sentences:
        if "?" in sentence:
            return sentence.strip(" .,:;-")
    for sentence in sentences:
        if OPENERS.match(sentence.lstrip("#.,:;- ")):
            return sentence.strip(" .,:;-")
    return ""


def _asked(hits: Sequence[Hit]) -> tuple[list[Hit], list[str]]:
    asked, texts = [], []
    for hit in hits:
        text = question_in(hit.text) or (clean(hit.text) if hit.is_question else "")
        # "Really?" and "Help??" ask nothing anyone could answer.
        if len({word for word in _WORDS.findall(text.lower()) if word not in _STOP}) >= 2:
            asked.append(hit)
            texts.append(text)
    return asked, texts


def _neighbours(matrix: sparse.csr_matrix, chunk: int = 2000) -> list[np.ndarray]:
    """For each row, the rows at least ALIKE to it (itself included)."""
    out: list[np.ndarray] = []
    transposed = matrix.T.tocsr()
    for start in range(0, matrix.shape[0], chunk):
        alike = sparse.csr_matrix(matrix[start : start + chunk] @ transposed)
        alike.data[alike.data < ALIKE] = 0
        alike.eliminate_zeros()
        out.extend(
            alike.indices[alike.indptr[row] : alike.indptr[row + 1]]
            for row in range(alike.shape[0])
        )
    return out


def questions(hits: Sequence[Hit], least: int = 2) -> list[Question]:
    """The questions in `hits` asked at least `least` times, most asked first. Each group
    is led by the question most others resemble; its phrasing is that one's, shortened."""
    asked, texts = _asked(hits)
    if not asked:
        return []
    vectorizer = TfidfVectorizer(
        preprocessor=_stemmed,
        token_pattern=WORD,
        stop_words=STOP_WORDS,
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = sparse.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError:  # nothing but stop words
        return []
    neighbours = _neighbours(matrix)
    taken = np.zeros(len(asked), dtype=bool)
    taken[matrix.getnnz(axis=1) == 0] = True
    found = []
    for leader in np.argsort([-len(near) for near in neighbours], kind="stable"):
        if taken[leader]:
            continue
        group = [leader, *(i for i in neighbours[leader] if not taken[i] and i != leader)]
        taken[group] = True
        if len(group) >= least:
            members = [asked[i] for i in group]
            askers = len({hit.author_handle.lower() for hit in members})
            phrasing = _shorten(texts[leader])
            examples = tuple(_distinct(members, 3))
            found.append(Question(phrasing, len(group), askers, examples, tuple(members)))
    return sorted(
        found, key=lambda question: (-question.asked, -question.askers, question.phrasing)
    )
