"""Login throttling: too many failures for one username or address lock both for a while."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from porch.workspaces.models import LoginFailure


def _keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}", f"addr:{address}"]


def is_locked(username: str, address: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    for key in _keys(username, address):
        if (
            LoginFailure.objects.filter(key=key, at__gte=since).count()
            >= settings.LOGIN_MAX_FAILURES
        ):
            return True
    return False


def record_failure(username: str, address: str) -> None:
    LoginFailure.objects.bulk_create([LoginFailure(key=key) for key in _keys(username, address)])
    old = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    LoginFailure.objects.filter(at__lt=old).delete()


def clear(username: str) -> None:
    LoginFailure.objects.filter(key=_keys(username, "")[0]).delete()
