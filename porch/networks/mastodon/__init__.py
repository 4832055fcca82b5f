"""Mastodon (any instance) through its REST API, with Mastodon.py.

auth.py     app registration and the OAuth authorization-code flow
client.py   MastodonClient: notifications, publishing, direct messages (private
            mentions), metrics, engaging
people.py   followers, follows, profiles and suggestions as Profiles (by account URI)
errors.py   every Mastodon.py exception mapped to one NetworkError
rules.py    the instance's own limits and how Mastodon counts a post's length
text.py     status HTML to plain text
archive.py  a Mastodon export (history import) read into ImportedPosts
links.py    profile addresses
stream.py   the notification stream; listen.py starts one per account (can.stream)
limits.py   what a plan writes to: a post, the profile's note
views.py    connecting: the instance form (forms.py, urls.py), the OAuth finish;
            templates/ its connect card
"""

from porch.networks.base import ArchiveFormat, Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="mastodon",
    label="Mastodon",
    client="porch.networks.mastodon.client.MastodonClient",
    archive=ArchiveFormat(
        reader="porch.networks.mastodon.archive.READER",
        file="Mastodon export (.zip)",
        steps="Preferences \u203a Import and export \u203a Request your archive",
    ),
    profile_url="porch.networks.mastodon.links.profile_url",
    can=Capabilities(
        search=True,
        direct_messages=True,
        stream=True,
        followers_only=True,
        engage=True,
        followers="all",
        send_direct="followers",
        send_direct_note="Mastodon: a direct message to each follower (a private mention).",
    ),
    poll_scale=(1, 20),
    blurb="Any instance: you sign in there and allow Porch.",
    connect_urls="porch.networks.mastodon.urls",
    connect_card="networks/mastodon/card.html",
    oauth_finish="porch.networks.mastodon.views.finish",
    stream="porch.networks.mastodon.listen",
    post_rules="porch.networks.mastodon.limits.POST",
    bio_rules="porch.networks.mastodon.limits.BIO",
)
