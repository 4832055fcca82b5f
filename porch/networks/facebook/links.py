"""Addresses of Facebook pages: a Page's profile."""

from porch.networks.base import AccountRef


def profile_url(account: AccountRef) -> str:
    """The Page by its id (its name may not be its address), else by what Porch has."""
    return f"https://www.facebook.com/{account.external_id or account.handle}"
