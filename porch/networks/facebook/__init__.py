"""Facebook Pages through the Graph API, with httpx.

graph.py    requests with the Page token, usage headers, log redaction
errors.py   Graph's error replies mapped to one NetworkError
auth.py     checking a Page access token
cursor.py   the fetch cursor: a time watermark and recently seen ids, per stream
client.py   FacebookClient: comments, tags and messages in; posts, replies, messages
            (to people who wrote in the last 24 hours), metrics out
links.py    the Page's address
limits.py   what a plan writes to: a post, the Page's about
views.py    connecting with a Page token (forms.py, urls.py); templates/ its connect card
"""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="facebook",
    label="Facebook Page",
    client="porch.networks.facebook.client.FacebookClient",
    profile_url="porch.networks.facebook.links.profile_url",
    can=Capabilities(
        direct_messages=True,
        followers="",
        followers_note=(
            "Facebook does not tell Pages who follows them: Porch knows the people who "
            "comment on or message the Page."
        ),
        send_direct="wrote_first",
        send_direct_hours=24,
        send_direct_note=(
            "Facebook: only people who messaged the Page in the last 24 hours can be sent a "
            "code (Messenger's rule)."
        ),
    ),
    poll_scale=(10, 40),
    blurb="A Page access token. Porch tells you before it expires.",
    connect_urls="porch.networks.facebook.urls",
    connect_card="networks/facebook/card.html",
    post_rules="porch.networks.facebook.limits.POST",
    bio_rules="porch.networks.facebook.limits.BIO",
    plan_label="Facebook",
)
