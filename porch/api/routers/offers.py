"""Offers: the workspace's offers with their results (made and changed by an owner or
manager), their codes (shown as people read them, "ABCD-EFGH") and redemptions; redeeming a
code at the counter (any member, as the counter page) and sending an offer's per-person
codes by direct message (publish)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query

from porch.api.auth import Caller, needs
from porch.api.errors import ApiError
from porch.api.idempotency import idempotent
from porch.api.pagination import page
from porch.api.schemas import ERRORS, When
from porch.offers import guesses, redeem, results, sending, services
from porch.offers.codes import display
from porch.offers.models import Audience, Code, Give, Offer, Redemption, Source
from porch.offers.services import OfferInput
from porch.workspaces.signin import client_ip

router = Router(tags=["offers"])


class OfferOut(Schema):
    id: int
    title: str
    terms: str
    starts_at: datetime
    ends_at: datetime
    limit_total: int | None
    limit_per_person: int | None
    networks: list[str]
    audience: str
    tag: str
    give: str
    shared_code: str
    landing_url: str
    redeemed_count: int
    send_requested_at: datetime | None
    created_at: datetime


class ResultRow(Schema):
    label: str  # a network's, or an audience's (a status)
    given: int | None  # codes given (None for a shared code: not counted)
    redeemed: int
    revenue: Decimal


class ResultsOut(Schema):
    given: int | None
    redeemed: int
    revenue: Decimal
    rate: float | None
    by_network: list[ResultRow]
    by_audience: list[ResultRow]
    new: int
    returning: int
    posts: int  # a shared offer: the published posts that carry its code or link
    running: bool


class OfferDetail(OfferOut):
    results: ResultsOut


class OfferPage(Schema):
    items: list[OfferOut]
    next_cursor: str | None


class OfferIn(Schema):
    title: str = Field(..., max_length=120)
    terms: str = Field("", max_length=2_000)
    starts_at: When = Field(..., description="with its offset: 2026-03-01T09:00:00+00:00")
    ends_at: When
    limit_total: int | None = Field(None, ge=1, le=1_000_000)
    limit_per_person: int | None = Field(1, ge=1, le=1_000_000)
    networks: list[str] = Field(default_factory=list)
    audience: Audience = Audience.ALL
    tag: str = Field("", max_length=60)
    give: Give = Field(Give.SHARED, description="shared: one code; personal: one per person")
    shared_code: str = Field("", max_length=32)
    landing_url: str = Field("", max_length=2_000)


class OfferPatch(Schema):
    """Only what is sent changes."""

    title: str | None = Field(None, max_length=120)
    terms: str | None = Field(None, max_length=2_000)
    starts_at: When | None = None
    ends_at: When | None = None
    limit_total: int | None = Field(None, ge=1, le=1_000_000)
    limit_per_person: int | None = Field(None, ge=1, le=1_000_000)
    networks: list[str] | None = None
    audience: Audience | None = None
    tag: str | None = Field(None, max_length=60)
    give: Give | None = None
    shared_code: str | None = Field(None, max_length=32)
    landing_url: str | None = Field(None, max_length=2_000)


class CodeOut(Schema):
    id: int
    code: str  # as people read it: a per-person code in two halves, "ABCD-EFGH"
    personal: bool
    state: str
    network: str
    person_id: int | None
    sent_at: datetime | None
    redeemed_at: datetime | None
    error: str


class CodePage(Schema):
    items: list[CodeOut]
    next_cursor: str | None


class RedemptionOut(Schema):
    id: int
    offer_id: int
    code: str | None
    personal: bool
    person_id: int | None
    network: str
    amount: Decimal | None
    source: str
    redeemed_at: datetime


class RedemptionPage(Schema):
    items: list[RedemptionOut]
    next_cursor: str | None


class RedeemIn(Schema):
    code: str = Field(..., min_length=1, max_length=64, description="as typed: any case, dashes")
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    offer_id: int | None = Field(None, description="only for this offer (else not_this_offer)")


class RedeemOut(Schema):
    kind: str  # valid, used, expired, not_started, used_up, person_limit, not_this_offer...
    valid: bool  # give the offer only when true
    title: str  # the counter page's heading for the answer
    message: str
    code: str  # as people read it ("" for an unknown code)
    offer_id: int | None
    redemption_id: int | None  # the redemption made (valid) or found (used)


class Skipped(Schema):
    name: str
    reason: str


class SentOut(Schema):
    queued: int
    skipped: list[Skipped]


def _offer(caller: Caller, offer_id: int) -> Offer:
    found = Offer.objects.filter(workspace=caller.workspace, pk=offer_id).first()
    if found is None:
        raise ApiError(404, "not_found", "No such offer in this workspace.")
    return found


def _out(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "title": offer.title,
        "terms": offer.terms,
        "starts_at": offer.starts_at,
        "ends_at": offer.ends_at,
        "limit_total": offer.limit_total,
        "limit_per_person": offer.limit_per_person,
        "networks": list(offer.networks or []),
        "audience": offer.audience,
        "tag": offer.tag,
        "give": offer.give,
        "shared_code": offer.shared_code,
        "landing_url": offer.landing_url,
        "redeemed_count": offer.redeemed_count,
        "send_requested_at": offer.send_requested_at,
        "created_at": offer.created_at,
    }


def _rows(rows: list[results.Row]) -> list[ResultRow]:
    return [ResultRow(label=a, given=b, redeemed=c, revenue=d) for a, b, c, d in rows]


def _detail(offer: Offer) -> OfferDetail:
    found = results.offer_results(offer, now=timezone.now())
    figures = ResultsOut(
        given=found.given,
        redeemed=found.redeemed,
        revenue=found.revenue,
        rate=found.rate,
        by_network=_rows(found.by_network),
        by_audience=_rows(found.by_audience),
        new=found.new,
        returning=found.returning,
        posts=found.posts,
        running=found.running,
    )
    return OfferDetail(**_out(offer), results=figures)


def _aware(values: dict[str, Any]) -> dict[str, Any]:
    """The body's values for the services (times are aware: schemas.When)."""
    values["networks"] = tuple(values.get("networks") or ())
    return values


@router.get("/offers", response={200: OfferPage, **ERRORS}, operation_id="list_offers")
def list_offers(
    request: HttpRequest, cursor: str | None = None, limit: int = Query(50, ge=1, le=200)
) -> OfferPage:
    """The workspace's offers, the latest to start first (GET one for its results)."""
    caller = needs(request, "read")
    rows, next_cursor = page(
        Offer.objects.filter(workspace=caller.workspace),
        order=("-starts_at",),
        cursor=cursor,
        limit=limit,
    )
    return OfferPage(items=[OfferOut(**_out(o)) for o in rows], next_cursor=next_cursor)


@router.post("/offers", response={201: OfferDetail, **ERRORS}, operation_id="create_offer")
@idempotent
def create_offer(request: HttpRequest, body: OfferIn) -> Status[OfferDetail]:
    """A new offer (an owner or manager), with its shared code and tracked link. Times carry
    their offset; networks are those of the workspace's connected accounts."""
    caller = needs(request, "write")
    data = OfferInput(**_aware(body.model_dump()))
    return Status(201, _detail(services.create_offer(caller.member, data)))


@router.get("/offers/{offer_id}", response={200: OfferDetail, **ERRORS}, operation_id="get_offer")
def get_offer(request: HttpRequest, offer_id: int) -> OfferDetail:
    """An offer and its results: codes given, redeemed, revenue, by network and audience,
    new and returning people."""
    caller = needs(request, "read")
    return _detail(_offer(caller, offer_id))


@router.patch(
    "/offers/{offer_id}", response={200: OfferDetail, **ERRORS}, operation_id="update_offer"
)
@idempotent
def update_offer(request: HttpRequest, offer_id: int, body: OfferPatch) -> OfferDetail:
    """Change an offer (an owner or manager); only what is sent changes. How codes are
    given, and a shared code once redeemed, stay as they are: people hold them."""
    caller = needs(request, "write")
    offer = _offer(caller, offer_id)
    current = {k: v for k, v in _out(offer).items() if k in OfferInput.__dataclass_fields__}
    sent = body.model_dump(exclude_unset=True)
    nullable = {"limit_total", "limit_per_person"}
    for name, value in sent.items():
        if value is None and name not in nullable:
            raise ApiError(
                422,
                "invalid_input",
                f"{name} cannot be null.",
                fields=[{"field": f"body.{name}", "message": "Send a value, or leave it out."}],
            )
    data = OfferInput(**_aware(current | sent))
    return _detail(services.update_offer(caller.member, offer, data))


def _code(row: Code) -> CodeOut:
    return CodeOut(
        id=row.pk,
        code=display(row),
        personal=row.personal,
        state=row.state,
        network=row.network,
        person_id=row.person_id,
        sent_at=row.sent_at,
        redeemed_at=row.redeemed_at,
        error=row.error,
    )


@router.get(
    "/offers/{offer_id}/codes", response={200: CodePage, **ERRORS}, operation_id="list_codes"
)
def list_codes(
    request: HttpRequest,
    offer_id: int,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> CodePage:
    """The offer's codes, newest first, shown as people read them (a per-person code in two
    halves), each with where its direct message stands."""
    caller = needs(request, "read")
    offer = _offer(caller, offer_id)
    rows, next_cursor = page(
        Code.objects.filter(offer=offer),
        order=("-pk",),
        cursor=cursor,
        limit=limit,
        filters={"offer": offer.pk},
    )
    return CodePage(items=[_code(c) for c in rows], next_cursor=next_cursor)


def _redemption(row: Redemption) -> RedemptionOut:
    return RedemptionOut(
        id=row.pk,
        offer_id=row.offer_id,
        code=display(row.code) if row.code is not None else None,
        personal=row.personal,
        person_id=row.person_id,
        network=row.network,
        amount=row.amount,
        source=row.source,
        redeemed_at=row.redeemed_at,
    )


@router.get(
    "/offers/{offer_id}/redemptions",
    response={200: RedemptionPage, **ERRORS},
    operation_id="list_redemptions",
)
def list_redemptions(
    request: HttpRequest,
    offer_id: int,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> RedemptionPage:
    """The offer's redemptions, the latest first: at the counter, by staff link, or
    imported from the till."""
    caller = needs(request, "read")
    offer = _offer(caller, offer_id)
    rows, next_cursor = page(
        Redemption.objects.filter(offer=offer).select_related("code"),
        order=("-redeemed_at",),
        cursor=cursor,
        limit=limit,
        filters={"offer": offer.pk},
    )
    return RedemptionPage(items=[_redemption(r) for r in rows], next_cursor=next_cursor)


def _paused() -> ApiError:
    minutes = guesses.minutes()
    return ApiError(
        429,
        "too_many_wrong_codes",
        f"Too many unknown codes: redeeming pauses for {minutes} minutes.",
        headers={"Retry-After": str(minutes * 60)},
    )


@router.post("/redemptions", response={200: RedeemOut, **ERRORS}, operation_id="redeem_code")
@idempotent
def redeem_code(request: HttpRequest, body: RedeemIn) -> RedeemOut:
    """Redeem a code at the counter (any member), once however many tills try it at the
    same moment. The answer says whether to give the offer (`valid`) and, if not, why
    (`used`, `expired`, `not_started`, `used_up`, `person_limit`, `not_this_offer`,
    `not_sent`, `unknown`) in the counter's words. Unknown codes are counted as the
    counter counts them: too many and redeeming pauses (429 too_many_wrong_codes)."""
    caller = needs(request, "write")
    offer = _offer(caller, body.offer_id) if body.offer_id is not None else None
    now = timezone.now()
    scopes = guesses.for_member(caller.member.user_id, client_ip(request))
    if guesses.paused(scopes, now):
        raise _paused()
    answer = redeem.redeem(
        caller.workspace,
        body.code,
        now=now,
        offer=offer,
        amount=body.amount,
        by_user=caller.member.user,
        source=Source.COUNTER,
    )
    if answer.kind == "unknown" and not guesses.count_wrong(scopes, now):
        raise _paused()
    return RedeemOut(
        kind=answer.kind,
        valid=answer.valid,
        title=answer.title,
        message=answer.message,
        code=answer.shown,
        offer_id=answer.offer.pk if answer.offer is not None else None,
        redemption_id=answer.redemption.pk if answer.redemption is not None else None,
    )


@router.post(
    "/offers/{offer_id}/send-codes", response={200: SentOut, **ERRORS}, operation_id="send_codes"
)
@idempotent
def send_codes(request: HttpRequest, offer_id: int) -> SentOut:
    """Queue one code per follower a per-person offer reaches (an owner or manager); each is
    sent by direct message once. Asking again adds codes only for new followers (and looks
    again at those skipped). Who cannot get one is listed with why."""
    caller = needs(request, "publish")
    done = sending.request_codes(caller.member, _offer(caller, offer_id), now=timezone.now())
    skipped = [Skipped(name=name, reason=reason) for name, reason in done.skipped]
    return SentOut(queued=done.queued, skipped=skipped)
