"""X (Twitter) through the X API v2: tweepy for the API, httpx for OAuth 2.0 tokens.

auth.py     OAuth 2.0 Authorization Code with PKCE: authorize URL, code exchange, refresh
client.py   XClient, the NetworkClient for X
people.py   followers, following and user lookups as Profiles (users read are billed)
errors.py   tweepy/requests failures -> NetworkError
cursor.py   the fetch and search cursors (small JSON objects), X's times and ids
payloads.py X's JSON replies -> Incoming, PostMetrics, AccountMetrics
rules.py    twitter-text v3 weighted length (280), URL detection
costs.py    pay-per-use prices and the estimate
archive.py  an X archive (history import) read into ImportedPosts
limits.py   what a plan writes to: a post, the profile bio
views.py    connecting: the OAuth start (urls.py) and finish; templates/ its connect card
"""

from porch.networks.base import ArchiveFormat, Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="x",
    label="X",
    client="porch.networks.x.client.XClient",
    archive=ArchiveFormat(
        reader="porch.networks.x.archive.READER",
        file="X archive (.zip)",
        steps="Settings \u203a Your account \u203a Download an archive",
        smaller="Upload only data/tweets.js from an X archive",
    ),
    profile_url="porch.networks.x.payloads.profile_url",
    post_url="porch.networks.x.payloads.status_url",
    can=Capabilities(
        search=True,
        direct_messages=True,
        paid_reads=True,
        one_text_per_account=True,
        engage=True,
        followers="budget",
        followers_note=(
            "X charges for each follower read: Porch reads the newest followers within the "
            "account's monthly cost cap."
        ),
        send_direct="if_they_allow",
        send_direct_note=(
            "X: by DM to followers who accept messages, at $0.015 each (X's price), within "
            "the account's monthly budget; the account must be reconnected once to allow "
            "sending DMs."
        ),
    ),
    poll_scale=(8, 40),
    costs="porch.networks.x.costs.estimated_cost",
    blurb=(
        "You sign in at X and allow Porch. Reading mentions costs about $0.005 a post: "
        "you can set a monthly cap."
    ),
    connect_urls="porch.networks.x.urls",
    connect_card="networks/x/card.html",
    connect_check="porch.networks.x.views.problem",
    oauth_finish="porch.networks.x.views.finish",
    post_rules="porch.networks.x.limits.POST",
    bio_rules="porch.networks.x.limits.BIO",
    plan_label="X (Twitter)",
)
