"""Who calls: a bearer token, read afresh on every call, so a token never does more than its
member's current role allows.

    Authorization: Bearer porch_<prefix>_<secret>

`TokenAuth` finds the token (401 `unauthenticated`, `token_expired`, `token_revoked`), counts
failures (porch/api/failedauth.py: 429 past the limit) and the call against the token's rate
(porch/api/ratelimit.py: 429 with Retry-After). An operation then asks for its scope:

    caller = needs(request, "write")       # 403 `scope_missing` without it
    service(caller.member, ...)            # the service checks the role, as for a page
"""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from porch.api import failedauth, ratelimit
from porch.api.errors import ApiError
from porch.api.models import ApiToken
from porch.api.tokens import find_token, parse
from porch.workspaces.models import Membership, Workspace
from porch.workspaces.signin import client_ip


@dataclass(frozen=True)
class Caller:
    """The token of a call and its member (the role as it is now)."""

    token: ApiToken
    member: Membership

    @property
    def workspace(self) -> Workspace:
        return self.member.workspace


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        now = timezone.now()
        parsed = parse(token)
        address = client_ip(request)
        _unless_paused(failedauth.scopes(address, None), now)  # the address: before looking
        found = find_token(token)
        if found is None:
            # A prefix is paused only for wrong secrets: the right one still works, so
            # someone who saw a prefix cannot lock its integration out.
            counted = failedauth.scopes(address, parsed[0] if parsed else None)
            _unless_paused(counted, now)
            failedauth.count_failure(counted, now)
            raise ApiError(401, "unauthenticated", "That token is not one of Porch's.")
        if found.revoked_at is not None:
            raise ApiError(401, "token_revoked", "That token was revoked: make a new one.")
        if found.expires_at <= now:
            raise ApiError(401, "token_expired", "That token has expired: make a new one.")
        ratelimit.spend(found, now)
        return Caller(found, found.membership)


def _unless_paused(counted: list[failedauth.Scope], now: datetime) -> None:
    wait = failedauth.paused_for(counted, now)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_failed_auth",
            f"Too many unknown tokens from here: try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )


def needs(request: HttpRequest, scope: str) -> Caller:
    """The call's Caller when its token has `scope`; else 403 `scope_missing`."""
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    if scope not in caller.token.scopes:
        raise ApiError(
            403, "scope_missing", f"This token lacks the {scope} scope: make one that has it."
        )
    return caller
