"""Facebook's connect page, under accounts/connect/facebook/ (porch/networks/urls.py)."""

from django.urls import path

from porch.networks.facebook import views

urlpatterns = [path("", views.connect, name="connect_facebook")]
