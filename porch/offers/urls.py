"""Offers: the offers and their codes, the counter, staff links and till imports."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "offers"

urlpatterns: list[URLPattern] = []
