"""Personal API tokens: made once, shown once, stored hashed, found by their prefix.

A token reads `porch_<prefix>_<secret>`: the prefix (12 hex digits) is stored as it is and
looked up; the secret (256 random bits) is stored as its sha256 and compared in constant
time. The recognisable `porch_` start lets secret scanners spot a leaked token.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from porch.api.models import ApiToken, Scope
from porch.errors import InputError, NotAllowed
from porch.workspaces.models import Membership, Role

PREFIX = "porch_"
DAYS = (30, 90, 365)


@dataclass(frozen=True)
class Made:
    """A token just made: the record, and the text shown once."""

    token: ApiToken
    text: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: list[str]) -> list[str]:
    """The scopes in a fixed order, or an InputError naming the one that is not a scope."""
    known = [s.value for s in Scope]
    for scope in scopes:
        if scope not in known:
            raise InputError(f"{scope!r} is not a scope: use read, write or publish.")
    if not scopes:
        raise InputError("Choose at least one scope: read, write or publish.")
    return [s for s in known if s in scopes]


def create_token(
    member: Membership,
    name: str,
    scopes: list[str],
    *,
    days: int = 90,
    by: Membership | None = None,
    now: datetime | None = None,
) -> Made:
    """Make a token for `member` (by themselves, or by the workspace's owner)."""
    if by is not None and by.pk != member.pk and not by.at_least(Role.OWNER):
        raise NotAllowed("Only the owner can make a token for another member.")
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("Give the token a name of 1 to 100 characters, like “Zapier”.")
    if days not in DAYS:
        raise InputError("A token lasts 30, 90 or 365 days.")
    now = now or timezone.now()
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=member,
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=check_scopes(scopes),
        created_by=(by or member).user,
        expires_at=now + timedelta(days=days),
    )
    return Made(token, f"{PREFIX}{prefix}_{secret}")


def parse(text: str) -> tuple[str, str] | None:
    """(prefix, secret) of a token's text, None when it is not shaped like one."""
    if not text.startswith(PREFIX):
        return None
    prefix, _, secret = text[len(PREFIX) :].partition("_")
    if len(prefix) != 12 or not secret:
        return None
    return prefix, secret


def find_token(text: str) -> ApiToken | None:
    """The token this text is (revoked and expired ones too: the caller says why it fails);
    None when no token has this text."""
    parsed = parse(text)
    if parsed is None:
        return None
    prefix, secret = parsed
    token = (
        ApiToken.objects.select_related("membership__workspace", "membership__user")
        .filter(prefix=prefix)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    return token


def revoke(token: ApiToken, by: Membership, *, now: datetime | None = None) -> None:
    """Revoke a token: its member may, and the workspace's owner may."""
    owner_here = by.workspace_id == token.membership.workspace_id and by.at_least(Role.OWNER)
    if by.pk != token.membership_id and not owner_here:
        raise NotAllowed("Only the token's member or the workspace's owner can revoke it.")
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
