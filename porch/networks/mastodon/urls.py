"""Mastodon's connect page, under accounts/connect/mastodon/ (porch/networks/urls.py)."""

from django.urls import path

from porch.networks.mastodon import views

urlpatterns = [path("", views.connect, name="connect_mastodon")]
