"""Bluesky: the AT Protocol through the atproto SDK (client, auth, rules, cursor scheme)."""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="bluesky",
    label="Bluesky",
    client="porch.networks.bluesky.client.BlueskyClient",
    can=Capabilities(search=True, direct_messages=True),
    poll_scale=(1, 1),
)
