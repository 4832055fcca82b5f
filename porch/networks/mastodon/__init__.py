"""Mastodon (any instance) through its REST API, with Mastodon.py.

auth.py     app registration and the OAuth authorization-code flow
client.py   MastodonClient: notifications, publishing, metrics
errors.py   every Mastodon.py exception mapped to one NetworkError
rules.py    the instance's own limits and how Mastodon counts a post's length
text.py     status HTML to plain text
"""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="mastodon",
    label="Mastodon",
    client="porch.networks.mastodon.client.MastodonClient",
    can=Capabilities(search=True, direct_messages=True, stream=True, followers_only=True),
    poll_scale=(1, 20),
)
