"""Bluesky: the AT Protocol through the atproto SDK (client, auth, rules, cursor scheme).

limits.py   what a plan writes to: a post, the profile description
views.py    connecting with an app password (forms.py, urls.py); templates/ its connect card
firehose.py every public post, live: Jetstream or the firehose (whole-network listening)
people.py   followers, follows, profiles and suggestions (porch.people)
"""

from porch.networks.base import ArchiveFormat, Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="bluesky",
    label="Bluesky",
    client="porch.networks.bluesky.client.BlueskyClient",
    archive=ArchiveFormat(
        reader="porch.networks.bluesky.archive.READER",
        file="Bluesky repository (.car)",
        steps="Settings \u203a Account \u203a Export my data",
    ),
    profile_url="porch.networks.bluesky.posts.profile_url",
    post_url="porch.networks.bluesky.posts.post_url",
    can=Capabilities(
        search=True,
        direct_messages=True,
        shows_posts_late=True,
        engage=True,
        followers="all",
        send_direct="if_they_allow",
        send_direct_note=(
            "Bluesky: by chat, to people whose chat settings allow it; the app password must "
            "allow direct messages."
        ),
    ),
    poll_scale=(1, 1),
    blurb="Your handle and an app password (never your main password).",
    connect_urls="porch.networks.bluesky.urls",
    connect_card="networks/bluesky/card.html",
    post_rules="porch.networks.bluesky.limits.POST",
    bio_rules="porch.networks.bluesky.limits.BIO",
    firehose="porch.networks.bluesky.firehose",
    hosted_handles=("bsky.social",),
)
