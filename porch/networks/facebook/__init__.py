"""Facebook Pages through the Graph API, with httpx.

graph.py    requests with the Page token, usage headers, log redaction
errors.py   Graph's error replies mapped to one NetworkError
auth.py     checking a Page access token
cursor.py   the fetch cursor: a time watermark and recently seen ids, per stream
client.py   FacebookClient: comments, tags and messages in; posts, replies, metrics out
"""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="facebook",
    label="Facebook Page",
    client="porch.networks.facebook.client.FacebookClient",
    can=Capabilities(direct_messages=True),
    poll_scale=(10, 40),
)
