"""The HTTP API (`/api/v1/`, django-ninja) and webhooks: what the pages do, for machines."""
