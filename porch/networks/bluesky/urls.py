"""Bluesky's connect page, under accounts/connect/bluesky/ (porch/networks/urls.py)."""

from django.urls import path

from porch.networks.bluesky import views

urlpatterns = [path("", views.connect, name="connect_bluesky")]
