"""Safe retries: a write call sent again with the same `Idempotency-Key` answers as the first
did and does nothing twice (after Stripe's idempotent requests).

    @router.post("/posts", response={201: PostOut, **ERRORS}, operation_id="create_post")
    @idempotent
    def create_post(request, body: PostIn) -> tuple[int, PostOut]: ...

The key belongs to the token. The first call claims it (its own short transaction), runs
the operation and, in the same transaction as the operation's writes, keeps the answer.
A repeat with the same method, path and body replays that answer (header
`Idempotent-Replayed: true`); with another body it is a 422 `idempotency_key_reused`; while
the first still runs, a 409 `idempotency_in_progress` (Retry-After: 1). A refusal (4xx) is
kept and replayed like a success; a failure of Porch or a network (5xx) is not, so a retry
can succeed, and so are refusals that may pass later (409 conflict, 429, an address that
could not be reached). A claim older than PORCH_PUBLISH_LEASE is taken over (its worker died).
Kept 24 hours (`prune`, the api's periodic job), sealed with the credentials' key (an answer
may hold a webhook's secret or a customer's words). A call without a key just runs.

An operation that sends to a network or fetches an address while it runs (a reply, a like,
a webhook's address checked) is `@idempotent_send`: it is not held in one transaction with
its answer (the service commits its own steps — the reply stored, marked sending — before
the network call, and no write lock is held while the network answers), and a claim whose
worker died is never run again: a repeat answers 409 `idempotency_outcome_unknown`, since
the first may have gone out.

An operation returns a Schema, a JSON-ready dict or list, a `(status, body)` tuple or a
ninja `Status`: the answer is kept as JSON, so build Schemas from models
(`PostOut.from_orm(post)`) rather than returning a model. The first answer and every replay
are rendered from that JSON through the operation's response schema, so they are the same
bytes (a schema of a write's answer has no `resolve_*` methods: they would get the JSON).
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from ninja import Status
from ninja.decorators import decorate_view
from ninja.responses import NinjaJSONEncoder
from ninja.signature.utils import get_typed_signature
from pydantic import BaseModel

from porch.api.auth import Caller
from porch.api.errors import ApiError, status_and_code
from porch.api.models import IdempotentRequest
from porch.errors import Conflict, PorchError
from porch.workspaces import secrets as secretbox

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 255
KEEP = timedelta(hours=24)
State = IdempotentRequest.State


def idempotent(operation: F) -> F:
    """Make a write operation safe to retry with an `Idempotency-Key` (see the module)."""
    return _safe(operation, sends=False)


def idempotent_send(operation: F) -> F:
    """The same for an operation that reaches a network while it runs (see the module)."""
    return _safe(operation, sends=True)


def _safe(operation: F, *, sends: bool) -> F:
    @functools.wraps(operation)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "")
        if not key:
            return operation(request, *args, **kwargs)
        row = claim(request, key, sends=sends)
        if row.state == State.DONE:
            return replay(request, row)
        return first(row, functools.partial(operation, request, *args, **kwargs), sends=sends)

    # ninja reads the operation's parameters through the wrapper, resolved in its own module.
    run.__signature__ = get_typed_signature(operation)  # type: ignore[attr-defined]
    return cast(F, decorate_view(_mark_replays)(run))


def _mark_replays(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Around ninja's run of the operation: add the replay header to a replayed answer."""

    @functools.wraps(run)
    def marked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = run(request, *args, **kwargs)
        if getattr(request, "porch_replayed", False):
            response[REPLAYED] = "true"
        return response

    return marked


def fingerprint(request: HttpRequest) -> dict[str, str]:
    return {
        "method": str(request.method),
        "path": request.path[:500],
        "body_sha256": hashlib.sha256(request.body).hexdigest(),
    }


def claim(
    request: HttpRequest, key: str, now: datetime | None = None, *, sends: bool = False
) -> IdempotentRequest:
    """The key's row: new (ours to run), taken over, or done (to replay); else an ApiError."""
    if len(key) > MAX_KEY:
        raise ApiError(
            422,
            "invalid_input",
            f"An {HEADER} is at most {MAX_KEY} characters.",
            fields=[{"field": f"header.{HEADER}", "message": f"at most {MAX_KEY} characters"}],
        )
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    now = now or timezone.now()
    sent = fingerprint(request)
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                token=caller.token, key=key, created_at=now, claimed_at=now, **sent
            )
    except IntegrityError:
        pass
    row = IdempotentRequest.objects.get(token=caller.token, key=key)
    if any(getattr(row, name) != value for name, value in sent.items()):
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was used for another request: use a new key for a new request.",
        )
    if row.state == State.DONE:
        return row
    stale = row.claimed_at <= now - timedelta(seconds=settings.PUBLISH_LEASE)
    if stale and sends:
        raise ApiError(
            409,
            "idempotency_outcome_unknown",
            "The first request with this key stopped before it finished and may have gone "
            "out: look in Porch before sending it again with a new key.",
        )
    if stale and _take_over(row, now):
        return row
    raise ApiError(
        409,
        "idempotency_in_progress",
        "The first request with this key is still running: retry in a moment.",
        headers={"Retry-After": "1"},
    )


def _take_over(row: IdempotentRequest, now: datetime) -> bool:
    """Take a claim older than the lease (its worker died); True when it is now ours."""
    if row.claimed_at > now - timedelta(seconds=settings.PUBLISH_LEASE):
        return False
    taken = IdempotentRequest.objects.filter(
        pk=row.pk, state=State.STARTED, claimed_at=row.claimed_at
    ).update(claimed_at=now)
    row.claimed_at = now
    return taken == 1


# Refusals that may pass on a later try with the same key: not kept.
PASSING = {"conflict", "rate_limited", "too_many_failed_auth", "fetch_error", "unavailable"}


def first(row: IdempotentRequest, call: Callable[[], Any], *, sends: bool = False) -> Any:
    """Run the operation; keep its answer with its writes (or, for one that sends, right
    after them), or its refusal on its own."""
    try:
        if sends:
            status, body = answer(call())
            _done(row, status, body)
        else:
            with transaction.atomic():
                status, body = answer(call())
                _done(row, status, body)
    except PorchError as e:
        status, code = status_and_code(e)
        if status >= 500 or status == 429 or code in PASSING:
            _forget(row)
        else:
            _done(row, status, _error_body(e))
        raise
    except BaseException:
        _forget(row)
        raise
    return Status(status, body)


def _forget(row: IdempotentRequest) -> None:
    IdempotentRequest.objects.filter(pk=row.pk, claimed_at=row.claimed_at).delete()


def _done(row: IdempotentRequest, status: int, body: Any) -> None:
    """Keep the answer, while the claim is still ours (a slow first call whose claim was
    taken over rolls back its writes instead of committing them twice)."""
    sealed = {"sealed": secretbox.encrypt({"body": body})}
    kept = IdempotentRequest.objects.filter(
        pk=row.pk, state=State.STARTED, claimed_at=row.claimed_at
    ).update(state=State.DONE, status_code=status, response=sealed)
    if kept != 1:
        raise Conflict("Another call with this Idempotency-Key took over: retry with it.")


def answer(result: Any) -> tuple[int, Any]:
    """(status, JSON-ready body) of what an operation returned."""
    status = 200
    if isinstance(result, Status):
        status, result = result.status_code, result.value
    elif isinstance(result, tuple) and len(result) == 2:
        status, result = result
    if isinstance(result, BaseModel):
        return status, result.model_dump(mode="json")
    try:
        return status, json.loads(json.dumps(result, cls=NinjaJSONEncoder))
    except TypeError as e:
        raise TypeError(
            f"An @idempotent operation returns a Schema or JSON-ready data, not {result!r}"
        ) from e


def _error_body(exc: PorchError) -> dict[str, Any]:
    """What errors.install answers for a refusal (kept to answer a repeat the same way)."""
    _, code = status_and_code(exc)
    body: dict[str, Any] = {"code": code, "message": exc.message}
    if isinstance(exc, ApiError):
        if exc.fields is not None:
            body["fields"] = exc.fields
        if exc.headers:
            body["headers"] = exc.headers
    return body


def replay(request: HttpRequest, row: IdempotentRequest) -> Any:
    """The first answer again."""
    request.porch_replayed = True  # type: ignore[attr-defined]
    status = int(row.status_code or 200)
    body = secretbox.decrypt(str((row.response or {}).get("sealed", ""))).get("body")
    if status >= 400:
        kept = dict(body or {})
        raise ApiError(
            status,
            str(kept.get("code", "refused")),
            str(kept.get("message", "")),
            fields=kept.get("fields"),
            headers=kept.get("headers"),
        )
    return Status(status, body)


def prune(now: datetime | None = None) -> int:
    """Forget keys older than 24 hours; how many were forgotten."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
