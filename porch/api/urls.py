"""/api/v1/ (ninja's own namespace "api-v1", which its document reverses at the top level)
and the API's pages (namespace "api": tokens and webhooks, in page_urls.py)."""

from django.urls import URLPattern, URLResolver, include, path

from porch.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("", include("porch.api.page_urls")),
]
