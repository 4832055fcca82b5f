"""Bluesky: the AT Protocol through the atproto SDK (client, auth, rules, cursor scheme)."""
