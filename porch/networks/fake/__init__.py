"""The fake network: the whole interface over a SQLite file, for tests, benchmarks and the demo.

Nothing in it reaches the internet. It is registered like any network (this descriptor
and one line in settings.NETWORKS), but offers no connect card: accounts are made on it
by code (tests, `make bench`), and the demo's accounts run on it whatever network they
show (porch.networks.sync.client_for).

client.py    FakeClient: publish and send_direct (once per idempotency key), fetch with a
             cursor, search, metrics made up from ids and handles, followers and profiles
             from its file, rules (its own, or those of the network an account imitates)
store.py     the SQLite file (settings.FAKE_NETWORK_DB): posts, direct messages, customers'
             posts, who follows whom and their profiles (store.follow, store.set_profile),
             faults injected on demand (rate limit, timeout, lost answer, expired token,
             503, a person refusing direct messages)
customer.py  the made-up customer who writes to the demo's accounts every few minutes
"""

from porch.networks.base import Capabilities, NetworkDescriptor

NETWORK = NetworkDescriptor(
    name="fake",
    label="Fake (demo)",
    client="porch.networks.fake.client.FakeClient",
    can=Capabilities(
        search=True,
        direct_messages=True,
        followers_only=True,
        engage=True,
        followers="all",
        send_direct="followers",
        send_direct_note="Fake network: a direct message to each follower.",
    ),
    poll_scale=(1, 1),
    profile_url="porch.networks.fake.client.profile_url",
    post_url="porch.networks.fake.client.link_to_post",
    periodic=(("fake-customer-posts", "porch.networks.fake.customer.customer_posts", 180),),
)
