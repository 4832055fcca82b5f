"""X (Twitter) through the X API v2: tweepy for the API, httpx for OAuth 2.0 tokens.

auth.py     OAuth 2.0 Authorization Code with PKCE: authorize URL, code exchange, refresh
client.py   XClient, the NetworkClient for X
errors.py   tweepy/requests failures -> NetworkError
cursor.py   the fetch and search cursors (small JSON objects), X's times and ids
payloads.py X's JSON replies -> Incoming, PostMetrics, AccountMetrics
rules.py    twitter-text v3 weighted length (280), URL detection
costs.py    pay-per-use prices and the estimate
"""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="x",
    label="X",
    client="porch.networks.x.client.XClient",
    can=Capabilities(search=True, direct_messages=True, paid_reads=True, one_text_per_account=True),
    poll_scale=(8, 40),
)
