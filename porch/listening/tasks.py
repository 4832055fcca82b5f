"""Listening's background work: searches follow the accounts connected after them."""

from django_tasks import task

from porch.listening.services import follow_all


@task()
def follow_searches() -> int:
    """Each active search polled on every network it runs on where an account is now
    connected; how many searches."""
    return follow_all()
