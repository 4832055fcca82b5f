"""From the composer to a post: check each network's rules, split threads, warn about
duplicates, pick slots, and fan out to one target per account."""

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import cache, partial

import regex
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from porch.errors import InputError
from porch.networks.base import TextRules
from porch.networks.registry import descriptor
from porch.networks.sync import rules_for
from porch.publishing.links import track_links
from porch.publishing.models import (
    Post,
    PostImage,
    PostStatus,
    PostTarget,
    TargetState,
    Visibility,
)
from porch.publishing.slots import next_free_slot
from porch.workspaces.models import ConnectedAccount, Membership

DUPLICATE_DAYS = 30
SIMILAR = 0.9  # SequenceMatcher ratio at or above which two posts count as the same

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# A code point that belongs with the one before it: an accent, a skin tone, a joiner.
_ATTACHES = regex.compile(
    r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}\p{Grapheme_Cluster_Break=SpacingMark}]"
)


class ComposeError(InputError):
    """The post cannot be scheduled as it is: the message says why and what to do."""


def split_thread(text: str, rules: TextRules) -> list[str]:
    """`text` as a thread: whole sentences per part where they fit, else whole words.

    Each length is asked of the network's own counter, on one candidate part at a time,
    so the time grows with the text's length times a logarithm, whatever its shape. A
    sentence or word is only asked about alone where it would end a part (_pack).
    """
    sentences = [sentence for sentence in _SENTENCE_END.split(text.strip()) if sentence]
    return _pack(sentences, rules, partial(_sentence_parts, rules), packs=True)


def _sentence_parts(rules: TextRules, sentence: str) -> list[str]:
    """A sentence too long for one part: its words, packed (a word too long, cut)."""
    words = sentence.split()
    if len(words) == 1:  # the sentence itself, known not to fit
        return _pack(_cut(words[0], rules), rules)
    return _pack(words, rules, partial(_cut, rules=rules))


def _most(fits: Callable[[int], bool], top: int, guess: int) -> int:
    """The k in 1..top where fits(k) and not fits(k + 1) (fits(1) is taken as true).

    Starts at `guess` (the last part's size: parts tend to be alike), gallops up or down
    from it, then halves the gap: a few calls when the guess is near, log(top) at most.
    """
    lo, hi, step = 1, top + 1, 1
    probe = min(max(guess, 1), top)
    if probe == 1 or fits(probe):
        lo = probe
        while lo + step < hi and fits(min(lo + step, top)):
            lo, step = min(lo + step, top), step * 2
        hi = min(hi, lo + step)
    else:
        hi = probe
        while hi - step > 1 and not fits(hi - step):
            hi, step = hi - step, step * 2
        lo = max(lo, hi - step)
    while lo + 1 < hi:
        middle = (lo + hi) // 2
        lo, hi = (middle, hi) if fits(middle) else (lo, middle)
    return lo


def _pack(
    pieces: list[str],
    rules: TextRules,
    expand: Callable[[str], list[str]] | None = None,
    *,
    packs: bool = False,
) -> list[str]:
    """Join pieces with spaces, as many to a part as fit.

    A piece too long for a part by itself is replaced by expand(piece), pieces that each
    fit. Without `expand` every piece fits. The counters never shorten a text when a word
    is added after a space, so a part that fits holds pieces that each fit: a piece is
    asked about alone only where it starts or ends a part. Where expand(piece) is a
    pack's parts (`packs`), no two of them can share a part: each was cut short because
    even the next's first word did not fit.
    """
    parts: list[str] = []
    walls: list[int] = []  # indices i where pieces[i - 1] and pieces[i] cannot share a part
    start, size, known = 0, 1, len(pieces) if expand is None else 0  # pieces[:known] fit
    while start < len(pieces):
        if known <= start:
            known = _ensure_fits(pieces, start, rules, expand, walls if packs else None)
        wall = bisect.bisect_right(walls, start)
        top = (walls[wall] if wall < len(walls) else len(pieces)) - start
        size = _most(partial(_joined_fits, rules, pieces, start), top, size)
        end = start + size
        if known <= end < len(pieces):
            after = pieces[end]
            known = _ensure_fits(pieces, end, rules, expand, walls if packs else None)
            if pieces[end] is not after:
                continue  # cut up: its first piece may join this part
        parts.append(" ".join(pieces[start:end]))
        start = end
    return parts


def _ensure_fits(
    pieces: list[str],
    index: int,
    rules: TextRules,
    expand: Callable[[str], list[str]] | None,
    walls: list[int] | None,
) -> int:
    """Replace pieces[index] by expand(it) unless it fits; where the known-fitting end is.

    With `walls`, the indices between the new pieces are added to it."""
    if expand is None or rules.fits(pieces[index]):
        return index + 1
    new = expand(pieces[index])
    pieces[index : index + 1] = new
    if walls is not None:
        walls.extend(range(index + 1, index + len(new)))
    return index + len(new)


def _joined_fits(rules: TextRules, pieces: list[str], start: int, count: int) -> bool:
    return rules.fits(" ".join(pieces[start : start + count]))


def _prefix_fits(rules: TextRules, word: str, start: int, size: int) -> bool:
    return rules.fits(word[start : start + size])


def _cut(word: str, rules: TextRules) -> list[str]:
    """A long word in pieces that each fit, each as long as fits, cut between characters
    (not before an accent, a skin tone or a joiner, where a shorter piece fits too)."""
    pieces: list[str] = []
    start, size = 0, rules.max_length
    while start < len(word):
        fits = cache(partial(_prefix_fits, rules, word, start))  # each size asked once
        size = _most(fits, len(word) - start, size)
        end = start + size
        while end > start + 1 and end < len(word) and _ATTACHES.match(word, end):
            end -= 1
        if end < start + size and (_ATTACHES.match(word, end) or not fits(end - start)):
            end = start + size  # no boundary in reach: cut between code points
        pieces.append(word[start:end])
        start = end
    return pieces


def comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def similar(a: str, b: str) -> bool:
    a, b = comparable(a), comparable(b)
    return a == b or SequenceMatcher(None, a, b).ratio() >= SIMILAR


def recent_duplicates(account: ConnectedAccount, text: str, now: datetime) -> list[PostTarget]:
    """The account's posts from the last 30 days (or queued) that say the same thing."""
    since = now - timedelta(days=DUPLICATE_DAYS)
    recent = PostTarget.objects.filter(account=account, scheduled_at__gte=since).exclude(
        state=TargetState.FAILED
    )
    return [target for target in recent if similar(target.text, text)]


@dataclass
class Version:
    """One account's version of the post."""

    account: ConnectedAccount
    text: str
    thread: bool = False
    # A followers-only post on a network without followers-only posts: the owner chose
    # to post it publicly there (without this choice such a post is refused).
    public_there: bool = False


@dataclass
class Image:
    data: bytes
    mime_type: str
    alt_text: str


@dataclass
class Draft:
    text: str
    versions: list[Version]
    when: str = "queue"  # "queue", "at" (then `at`), or "draft"
    at: datetime | None = None
    pillar: str = ""
    repeat_every_days: int | None = None
    track_links: bool = False
    images: list[Image] = field(default_factory=list)
    confirm_duplicates: bool = False
    visibility: str = Visibility.PUBLIC  # or Visibility.FOLLOWERS


@dataclass(frozen=True)
class Problem:
    """One thing that must change before the post can be scheduled.

    `version` is the index in draft.versions the problem is about (None: the whole draft);
    `field` names what to change there: "versions", "visibility", "text", "public_there",
    "images", "images[0].alt_text", "images[0]"."""

    message: str
    field: str
    version: int | None = None
    account_id: int | None = None
    network: str = ""


def problems(draft: Draft) -> list[Problem]:
    """Everything that must change, every version checked (check raises the first)."""
    if not draft.versions:
        return [Problem("Pick at least one account to post to.", "versions")]
    found = [*_same_text_problems(draft.versions), *_public_problems(draft)]
    for index, version in enumerate(draft.versions):
        account = version.account
        for name, message in _version_problems(version, draft.images):
            found.append(Problem(message, name, index, account.pk, account.network))
    return found


def check(draft: Draft, now: datetime) -> list[str]:
    """Raise ComposeError for what must change; return warnings the author may override."""
    if found := problems(draft):
        raise ComposeError(found[0].message)
    return [
        f"{v.account} posted nearly the same on {_day(t)}: change the wording, or schedule "
        "it anyway."
        for v in draft.versions
        for t in recent_duplicates(v.account, v.text, now)[:1]
    ]


def _day(target: PostTarget) -> str:
    return f"{target.scheduled_at:%-d %b}" if target.scheduled_at else "recently"


def _same_text_problems(versions: list[Version]) -> Iterator[Problem]:
    """Networks that refuse one text on several accounts (X) are told apart by descriptor."""
    for index, version in enumerate(versions):
        network = descriptor(version.account.network)
        if not network.can.one_text_per_account:
            continue
        for other in versions[:index]:
            same = other.account.network == network.name
            if same and comparable(version.text) == comparable(other.text):
                message = (
                    f"{network.label} does not allow the same text on several accounts "
                    f"({other.account} and {version.account}): change the wording of one of them."
                )
                yield Problem(message, "text", index, version.account.pk, network.name)
                break


def public_only(account: ConnectedAccount) -> bool:
    """The account's network has no followers-only posts: all it posts is public."""
    return not descriptor(account.network).can.followers_only


def public_there_note(account: ConnectedAccount) -> str:
    """What the composer says beside such an account when a post is for followers only."""
    label = descriptor(account.network).label
    return f"{label} has no followers-only posts: this goes out publicly there."


def _refuse_silently_public(draft: Draft) -> None:
    """A followers-only post goes out publicly nowhere the owner did not choose it."""
    for problem in _public_problems(draft):
        raise ComposeError(problem.message)


def _public_problems(draft: Draft) -> Iterator[Problem]:
    if draft.visibility not in Visibility.values:
        yield Problem("Pick who sees it: everyone, or followers only.", "visibility")
        return
    if draft.visibility != Visibility.FOLLOWERS:
        return
    for index, version in enumerate(draft.versions):
        account = version.account
        if public_only(account) and not version.public_there:
            message = _choose_public_or_not(account).message
            yield Problem(message, "public_there", index, account.pk, account.network)


def _choose_public_or_not(account: ConnectedAccount) -> ComposeError:
    return ComposeError(
        f"{public_there_note(account)} Choose to post it publicly on {account}, "
        f"or leave {account} out."
    )


def _version_problems(version: Version, images: list[Image]) -> Iterator[tuple[str, str]]:
    """(field, message) for each thing in the version its network refuses."""
    name, rules = str(version.account), rules_for(version.account)
    if not version.text.strip():
        yield "text", f"The text for {name} is empty: write something first."
    elif not version.thread and not rules.fits(version.text):
        over = rules.length(version.text) - rules.max_length
        yield (
            "text",
            (
                f"Too long for {name} by {over}: shorten it to {rules.max_length}, "
                "or split it into a thread."
            ),
        )
    if len(images) > rules.max_images:
        yield "images", f"{name} takes at most {rules.max_images} images: remove some."
    for number, image in enumerate(images, 1):
        where = f"images[{number - 1}]"
        if not image.alt_text.strip():
            yield (
                f"{where}.alt_text",
                (f"Describe image {number} (alt text) for people who cannot see it."),
            )
        if len(image.data) > rules.max_image_bytes:
            limit = rules.max_image_bytes // 1_000_000
            yield where, f"Image {number} is too big for {name}: make it under {limit} MB."
        if len(image.alt_text) > rules.max_alt_text:
            yield (
                f"{where}.alt_text",
                (
                    f"The description of image {number} is too long for {name}: "
                    f"keep it under {rules.max_alt_text} characters."
                ),
            )


def when_for(draft: Draft, account: ConnectedAccount, now: datetime) -> datetime | None:
    if draft.when == "draft":
        return None
    if draft.when == "at":
        if draft.at is None or draft.at <= now:
            raise ComposeError("Pick a time in the future, or add it to the queue.")
        return draft.at
    slot = next_free_slot(account, now)
    if slot is None:
        raise ComposeError(
            f"{account} has no free posting slot: pick a time, add slots on the Queue page, or "
            "press “Set up again” on your plan to give it the plan's posting times."
        )
    return slot


@transaction.atomic
def create_post(member: Membership, user: User, draft: Draft) -> Post:
    """The post and one target per account; a helper's post waits for approval.

    A followers-only post is refused where it would go out publicly unchosen (add_target
    checks each target too, for callers that add one later)."""
    _refuse_silently_public(draft)
    now = timezone.now()
    if draft.when != "draft":
        status = PostStatus.AWAITING_APPROVAL if member.needs_approval else PostStatus.SCHEDULED
    else:
        status = PostStatus.DRAFT
    post = Post.objects.create(
        workspace=member.workspace,
        author=user,
        text=draft.text,
        pillar=draft.pillar,
        status=status,
        repeat_every_days=draft.repeat_every_days,
        track_links=draft.track_links,
        visibility=draft.visibility,
    )
    for position, image in enumerate(draft.images):
        PostImage.objects.create(
            post=post,
            data=image.data,
            mime_type=image.mime_type,
            alt_text=image.alt_text,
            position=position,
        )
    for version in draft.versions:
        add_target(post, version, when_for(draft, version.account, now))
    return post


def add_target(post: Post, version: Version, when: datetime | None) -> PostTarget:
    public = public_only(version.account)
    if post.visibility == Visibility.FOLLOWERS and public and not version.public_there:
        raise _choose_public_or_not(version.account)
    text = version.text
    if post.track_links:
        text = track_links(text, post, version.account.network)
    parts = split_thread(text, rules_for(version.account)) if version.thread else [text]
    live = post.status == PostStatus.SCHEDULED and when is not None
    return PostTarget.objects.create(
        post=post,
        account=version.account,
        text=parts[0],
        more_parts=parts[1:],
        scheduled_at=when,
        state=TargetState.SCHEDULED if live else TargetState.DRAFT,
        public_there=version.public_there and public,
    )
