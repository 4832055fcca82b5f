"""Sign-in limits, with django-axes: who is paused after wrong passwords, and for how long.

Three counts, each over the last LOGIN_FAILURE_WINDOW seconds (axes' cool-off), on every
form that signs in through Django (Porch's and the admin's):

    one account from one address   LOGIN_MAX_FAILURES (5): a guesser, or an owner who forgot
    any accounts from one address  LOGIN_MAX_FAILURES_PER_ADDRESS (30): one address, many names
    one account from anywhere      LOGIN_MAX_FAILURES_PER_ACCOUNT (100): many addresses, one name

The last is a backstop against a guesser with many addresses, and the trade-off is on
purpose: it is generous, so an owner's own typos never reach it, but a stranger who makes
that many wrong tries in a window (from 20 or more addresses) does pause the account for
everyone, the owner too, until the window passes with fewer tries, or `porch
resetpassword` lifts it. Raise it where a pause by strangers worries you more than guessing.

The address is REMOTE_ADDR, or, when that is one of TRUSTED_PROXIES, the last address in
X-Forwarded-For that is not a trusted proxy (nobody else can set it). An IPv6 client counts
as its /64 network (written as its first address, 2001:db8:1:2::), since anyone with one
address has the whole /64 to change to; an IPv4-mapped IPv6 address counts as the IPv4 one.

Each try is counted before its password is checked, in a transaction that is the only one
counting for its address at a time (SQLite: the write lock its first statement takes;
PostgreSQL: advisory locks on the address, then the account), and the count is given back
when the password was right. So 30 tries at once against a limit of 5 check at most 5
passwords.
"""

import ipaddress
from datetime import timedelta
from functools import lru_cache
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import router, transaction
from django.db.models import F, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Set on the request once its try is counted: True (may check the password) or False.
CLAIMED = "porch_signin_claimed"


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    limit: int = settings.LOGIN_MAX_FAILURES
    return limit


def cool_off(request: HttpRequest | None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The name typed, as accounts store it (emails in lower case)."""
    raw = credentials.get("username") if credentials else request.POST.get("username")
    return raw.strip().lower()[:255] if isinstance(raw, str) else None


@lru_cache(maxsize=4)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item) for item in trusted)


def _address(text: str | None) -> Address | None:
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _counted_as(address: Address) -> str:
    """The key a client is counted under: an IPv6 address's /64, written as its first address."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def _trusted(address: Address) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (IPv6: its /64): X-Forwarded-For is read only from a trusted proxy."""
    nearest = _address(request.META.get("REMOTE_ADDR"))
    if nearest is None or not _trusted(nearest):
        return _counted_as(nearest) if nearest else None
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        if not _trusted(address):
            return _counted_as(address)
        nearest = address
    return _counted_as(nearest)


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a paused sign-in gets (Porch's form and the admin's), in plain words."""
    minutes = max(1, round(settings.LOGIN_FAILURE_WINDOW / 60))
    return render(request, "workspaces/locked_out.html", {"minutes": minutes}, status=429)


class SignInLimitBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """Axes' check before Django's ModelBackend checks the password.

    authenticate() without a request comes only from code on the server (tests, the
    shell): every web sign-in passes its request, so those are counted."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


class SignInLimits(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler, counting each try before the password is checked."""

    def is_allowed(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        if getattr(request, CLAIMED, None) is None:
            setattr(request, CLAIMED, self._claim(request, credentials))
        allowed: bool = getattr(request, CLAIMED)
        return allowed

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        counts = self._counts(request, credentials)
        return any(count >= limit for count, limit in zip(counts, _limits(), strict=True))

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        if getattr(request, CLAIMED, None) is None:  # not counted before: axes counts it now
            super().user_login_failed(sender, credentials, request, **kwargs)
            return
        if self.is_locked(request, credentials):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=attempted_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        """The right password: this account's count from this address starts again.

        Only that one: other accounts' counts from the address stay, so signing in to
        one's own account does not buy more guesses at someone else's."""
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(
            username=attempted_username(request, {"username": user.get_username()}),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()

    def _claim(self, request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
        """Count this try; False when it is one more than a limit allows."""
        self.clean_expired_user_attempts(request, credentials)
        username = get_client_username(request, credentials)
        with transaction.atomic(using=router.db_for_write(AccessAttempt)):
            _one_at_a_time(request, username)
            _count_one(request, username)
            counts = self._counts(request, credentials)
        return all(count <= limit for count, limit in zip(counts, _limits(), strict=True))

    def _counts(self, request: HttpRequest, credentials: dict[str, Any] | None) -> list[int]:
        """Recent failures per AXES_LOCKOUT_PARAMETERS: [account and address, address, account]."""
        return [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]


def _limits() -> list[int]:
    return [
        settings.LOGIN_MAX_FAILURES,
        settings.LOGIN_MAX_FAILURES_PER_ADDRESS,
        settings.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    ]


def _one_at_a_time(request: HttpRequest, username: str | None) -> None:
    """Hold the address's, then the account's, lock until the transaction ends.

    (SQLite: its first write does.) Each kind has its own key space (1: addresses, 2:
    accounts) and is always taken in that order, so two tries never wait on each other."""
    connection = transaction.get_connection(router.db_for_write(AccessAttempt))
    if connection.vendor == "postgresql":
        address = request.axes_ip_address  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            for space, key in ((1, f"porch sign-in {address}"), (2, f"porch sign-in {username}")):
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", [space, key])


def _count_one(request: HttpRequest, username: str | None) -> None:
    same = AccessAttempt.objects.filter(
        username=username,
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        user_agent=request.axes_user_agent,  # type: ignore[attr-defined]
    )
    when = request.axes_attempt_time  # type: ignore[attr-defined]
    if not same.update(failures_since_start=F("failures_since_start") + 1, attempt_time=when):
        AccessAttempt.objects.create(
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            user_agent=request.axes_user_agent,  # type: ignore[attr-defined]
            http_accept=request.axes_http_accept,  # type: ignore[attr-defined]
            path_info=request.axes_path_info,  # type: ignore[attr-defined]
            get_data="",
            post_data="",
            failures_since_start=1,
        )
