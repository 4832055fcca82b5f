"""Maps a network's name to its client class; adding a network is copying a folder."""

from importlib import import_module

from porch.networks.base import NetworkClient

CLIENTS = {
    "bluesky": "porch.networks.bluesky.client.BlueskyClient",
    "mastodon": "porch.networks.mastodon.client.MastodonClient",
    "x": "porch.networks.x.client.XClient",
    "facebook": "porch.networks.facebook.client.FacebookClient",
}


def client_class(network: str) -> type[NetworkClient]:
    try:
        path = CLIENTS[network]
    except KeyError:
        raise ValueError(f"unknown network {network!r}: use one of {', '.join(CLIENTS)}") from None
    module, name = path.rsplit(".", 1)
    found: type[NetworkClient] = getattr(import_module(module), name)
    return found
