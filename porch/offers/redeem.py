"""Redeem a code at the counter, once, however many tills try it at the same moment.

One transaction (research22 §4, the claim pattern of inbox/replies.py):

1. a per-person code: UPDATE code SET redeemed_at WHERE redeemed_at IS NULL -> 1 row = ours
2. UPDATE offer SET redeemed_count + 1 WHERE no limit or redeemed_count < limit_total
   -> 0 rows: the offer is used up (roll back)
3. the person's own limit (limit_per_person), counted under the offer row's lock
4. INSERT the Redemption (a unique constraint on a personal code's redemption is the
   second lock behind step 1)

SQLite begins every transaction IMMEDIATE (porch/config.py), so writers take turns;
PostgreSQL's row lock makes the second UPDATE wait and re-check `redeemed_at IS NULL`
under READ COMMITTED, so it matches no row. Either way exactly one till says "valid".
"""

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from porch.offers import events
from porch.offers.codes import ALPHABET, display, fold
from porch.offers.models import Code, CodeState, Offer, Redemption, Source, StaffLink
from porch.workspaces.models import Workspace

KINDS = (
    "valid",
    "used",
    "expired",
    "not_started",
    "used_up",
    "person_limit",
    "not_this_offer",
    "not_sent",
    "unknown",
)
# The colour the counter page shows each answer in.
TONE = {"valid": "good", "used": "warn", "person_limit": "warn"}
TITLE = {
    "valid": "Valid: give the offer",
    "used": "Already used",
    "expired": "Expired",
    "not_started": "Not started yet",
    "used_up": "Offer used up",
    "person_limit": "Limit reached",
    "not_this_offer": "Not this offer",
    "not_sent": "Never sent",
    "unknown": "Unknown code",
}
LOOK_ALIKES = set("01OILU")


@dataclass(frozen=True)
class Answer:
    kind: str
    message: str
    offer: Offer | None = None
    code: Code | None = None
    redemption: Redemption | None = None

    @property
    def valid(self) -> bool:
        return self.kind == "valid"

    @property
    def tone(self) -> str:
        return TONE.get(self.kind, "bad")

    @property
    def title(self) -> str:
        return TITLE[self.kind]

    @property
    def shown(self) -> str:
        return display(self.code) if self.code is not None else ""


class _Lost(Exception):
    """Another till won, or a limit is reached: roll the transaction back."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def find(workspace: Workspace, text: str) -> Code | None:
    """The workspace's code typed as `text` (any case, spaces and dashes), or None."""
    folded = fold(text)
    if not folded or len(folded) > 32:
        return None
    code = Code.objects.select_related("offer").filter(workspace=workspace, code=folded).first()
    if code is not None:
        code.workspace = workspace  # no join: the caller's row
    return code


def find_personal(text: str) -> Code | None:
    """A per-person code typed as `text` in any workspace (for /c/<code>/), or None."""
    folded = fold(text)
    if len(folded) != 8 or any(ch not in ALPHABET for ch in folded):
        return None
    return (
        Code.objects.select_related("offer", "workspace")
        .filter(code=folded, personal=True)
        .order_by("pk")
        .first()
    )


def check(workspace: Workspace, text: str, *, now: datetime) -> Answer:
    """What redeeming `text` now would say, without redeeming it."""
    code = find(workspace, text)
    if code is None:
        return _unknown(text)
    early = _timing(code, now) or _not_sent(code)
    if early is not None:
        return early
    if code.personal and code.redeemed_at is not None:
        return _used(code)
    return Answer("valid", f"Valid: {code.offer.title}.", code.offer, code)


def redeem(
    workspace: Workspace,
    text: str,
    *,
    now: datetime,
    offer: Offer | None = None,
    amount: Decimal | None = None,
    by_user: Any = None,
    by_link: StaffLink | None = None,
    source: str = Source.COUNTER,
) -> Answer:
    """Redeem the code typed as `text` (for `offer` only, when given) and say how it went."""
    code = find(workspace, text)
    if code is None:
        return _unknown(text)
    if offer is not None and code.offer_id != offer.pk:
        return Answer(
            "not_this_offer",
            f"Not this offer: {display(code)} is for {code.offer.title}.",
            code.offer,
            code,
        )
    refused = _timing(code, now) or _not_sent(code)
    if refused is None and code.personal and code.redeemed_at is not None:
        refused = _used(code)
    if refused is not None:
        return refused
    made = {"amount": amount, "by_user": by_user, "by_link": by_link, "source": source}
    try:
        with _one_writer(), transaction.atomic():
            redemption = _claim(code, now, made)
            events.redeemed(redemption, code)
    except _Lost as lost:
        return _lost(code, lost.kind)
    except IntegrityError:
        return _lost(code, "used")
    return Answer("valid", f"Valid: {code.offer.title}.", code.offer, code, redemption)


# SQLite lets one writer in at a time and makes the others sleep and try again, in steps
# of up to 100 ms, so that under many tills some wait seconds: the tills one server process
# answers take turns here instead, in order (PostgreSQL locks the code's row itself).
_SQLITE_WRITER = threading.Lock()


def _one_writer() -> AbstractContextManager[object]:
    return _SQLITE_WRITER if connection.vendor == "sqlite" else nullcontext()


def _claim(code: Code, now: datetime, made: dict[str, Any]) -> Redemption:
    """Steps 1-4 above, inside the caller's transaction; _Lost when another till won."""
    if code.personal:
        fresh = Code.objects.filter(pk=code.pk, redeemed_at__isnull=True)
        if not fresh.update(redeemed_at=now):
            raise _Lost("used")
    room = Q(limit_total__isnull=True) | Q(redeemed_count__lt=F("limit_total"))
    if (
        not Offer.objects.filter(pk=code.offer_id)
        .filter(room)
        .update(redeemed_count=F("redeemed_count") + 1)
    ):
        raise _Lost("used_up")
    limit = code.offer.limit_per_person
    if code.person_id is not None and limit:
        had = Redemption.objects.filter(offer_id=code.offer_id, person_id=code.person_id).count()
        if had >= limit:
            raise _Lost("person_limit")
    return Redemption.objects.create(
        workspace_id=code.workspace_id,
        offer_id=code.offer_id,
        code=code,
        personal=code.personal,
        person_id=code.person_id,
        network=code.network,
        redeemed_at=now,
        is_demo=code.offer.is_demo,
        **made,
    )


# A per-person code counts once its message went out, or the owner gave it by hand.
GIVEN = (CodeState.SENT, CodeState.GIVEN)


def _not_sent(code: Code) -> Answer | None:
    """A per-person code Porch made but never delivered is no one's yet."""
    if not code.personal or code.state in GIVEN or code.redeemed_at is not None:
        return None
    return Answer(
        "not_sent",
        f"{display(code)} was never sent ({code.get_state_display().lower()}): "
        "check the offer's page before giving anything.",
        code.offer,
        code,
    )


def _lost(code: Code, kind: str) -> Answer:
    if kind == "used":
        code.refresh_from_db(fields=["redeemed_at"])
        return _used(code)
    if kind == "used_up":
        limit = code.offer.limit_total
        return Answer(
            "used_up",
            f"Used up: all {limit} redemptions of {code.offer.title} are taken.",
            code.offer,
            code,
        )
    return Answer(
        "person_limit",
        f"This person has already had {code.offer.title} as often as it allows.",
        code.offer,
        code,
    )


def _timing(code: Code, now: datetime) -> Answer | None:
    offer = code.offer
    zone = ZoneInfo(code.workspace.timezone)
    if now < offer.starts_at:
        when = offer.starts_at.astimezone(zone).strftime("%d %b %Y, %H:%M")
        return Answer("not_started", f"Not yet: {offer.title} starts {when}.", offer, code)
    if now >= offer.ends_at:
        when = offer.ends_at.astimezone(zone).strftime("%d %b %Y, %H:%M")
        return Answer("expired", f"Expired: {offer.title} ended {when}.", offer, code)
    return None


def _used(code: Code) -> Answer:
    """A per-person code already redeemed: when, and at which till or by whom."""
    last = (
        Redemption.objects.select_related("by_link", "by_user")
        .filter(code=code)
        .order_by("-redeemed_at")
        .first()
    )
    at = code.redeemed_at or (last.redeemed_at if last else None)
    when = ""
    if at is not None:
        when = " at " + at.astimezone(ZoneInfo(code.workspace.timezone)).strftime("%H:%M, %d %b")
    where = ""
    if last is not None and last.by_link is not None:
        where = f" on {last.by_link.label}"
    elif last is not None and last.by_user is not None:
        # A name, never the e-mail address a username is: staff-link tills read this too.
        where = f" by {last.by_user.get_full_name() or 'a signed-in member'}"
    elif last is not None and last.source == Source.TILL:
        where = " (till import)"
    message = f"Already used{when}{where}: {display(code)} was redeemed before."
    return Answer("used", message, code.offer, code, last)


def _unknown(text: str) -> Answer:
    hint = ""
    if LOOK_ALIKES & set(fold(text)):
        hint = " Personal codes never contain 0, 1, O, I, L or U: check the letters."
    return Answer("unknown", "Unknown code: no offer of this shop has it." + hint)
