"""Addresses of Mastodon pages: an account's profile on its server."""

from porch.networks.base import AccountRef


def profile_url(account: AccountRef) -> str:
    """https://server/@user, from the handle user@server (the stored server where known)."""
    user, _, server = account.handle.partition("@")
    return f"{account.server_url or 'https://' + server}/@{user}"
