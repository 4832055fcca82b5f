"""Mastodon (any instance) through its REST API, with Mastodon.py.

auth.py     app registration and the OAuth authorization-code flow
client.py   MastodonClient: notifications, publishing, metrics
errors.py   every Mastodon.py exception mapped to one NetworkError
rules.py    the instance's own limits and how Mastodon counts a post's length
text.py     status HTML to plain text
"""
