"""A workspace's dashboard, the health page and the health check."""

from django.urls import path

from porch.dashboard import views

urlpatterns = [
    path("w/<slug:slug>/", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("healthz", views.healthz, name="healthz"),
]
