"""Webhooks: a workspace's endpoints get its events, signed, in order, retried for a day.

signing.py   the Standard Webhooks signature (webhook-id, -timestamp, -signature)
outbox.py    the events listener: an Event and its deliveries, in the emitter's transaction
delivery.py  the sender: claim an endpoint, send its queue oldest first, retry, give up
services.py  what the pages and the API do with endpoints (owner or manager)
views.py, forms.py   the pages (/w/<slug>/api/webhooks/)
"""
