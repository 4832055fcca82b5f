"""The demo's bakery as each network shows it: (network, handle, the network's id for it,
server). The demo's accounts keep these networks' names and rules but run on the fake
network (porch.networks.sync.client_for), so nothing the demo does reaches a real one."""

SHOP_ACCOUNTS = [
    ("bluesky", "crumbandco.bsky.social", "did:plc:crumbandcodemo", "https://bsky.social"),
    ("mastodon", "crumbandco@bakers.social", "109000000000000001", "https://bakers.social"),
    ("x", "CrumbAndCo", "1000000000000000001", ""),
    ("facebook", "Crumb & Co. Bakery", "100000000000001", ""),
]
