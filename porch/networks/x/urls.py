"""X's connect button's target, under accounts/connect/x/ (porch/networks/urls.py)."""

from django.urls import path

from porch.networks.x import views

urlpatterns = [path("", views.connect, name="connect_x")]
