"""Triage of given texts: what the workspace's own classifier (its corrections included)
makes of them, as the inbox would label them. Nothing is stored."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from porch.api.auth import needs
from porch.api.idempotency import idempotent
from porch.api.schemas import ERRORS
from porch.triage.services import classifier_for

router = Router(tags=["triage"])

MAX_TEXTS = 100
MAX_CHARS = 5_000


class TriageIn(Schema):
    texts: list[Annotated[str, Field(max_length=MAX_CHARS)]] = Field(
        ..., min_length=1, max_length=MAX_TEXTS, description="1 to 100 texts, 5,000 characters each"
    )


class TriageOut(Schema):
    intent: str  # complaint, question, praise, lead, spam, other
    intent_scores: dict[str, float]
    sentiment: str  # negative, neutral, positive
    sentiment_score: float  # -1..1
    urgency: float  # 0..1


class TriageResult(Schema):
    items: list[TriageOut]  # one per text, in the order sent
    tier: str  # the classifier that answered (fast, transformer)
    version: str


@router.post(
    "/triage",
    response={200: TriageResult, **ERRORS},
    operation_id="triage_texts",
    openapi_extra={"x-scope": "read"},  # it stores nothing: a read token may ask
)
@idempotent
def triage_texts(request: HttpRequest, body: TriageIn) -> TriageResult:
    """Intent, sentiment and urgency of up to 100 texts (5,000 characters each), by the
    workspace's classifier. Reads only: nothing is stored, nothing is learnt."""
    caller = needs(request, "read")
    classifier = classifier_for(caller.workspace)
    found = classifier.classify(body.texts)
    items = [
        TriageOut(
            intent=t.intent,
            intent_scores=dict(t.intent_scores),
            sentiment=t.sentiment,
            sentiment_score=t.sentiment_score,
            urgency=t.urgency,
        )
        for t in found
    ]
    return TriageResult(items=items, tier=classifier.tier, version=classifier.version)
