"""The accounts pages: connecting, settings and disconnecting network accounts. Each
installed network's own connect pages (its descriptor's connect_urls) are mounted under
accounts/connect/<name>/."""

from django.urls import URLPattern, URLResolver, include, path

from porch.networks import registry, views


def _connect_pages() -> list[URLResolver]:
    return [
        path(f"w/<slug:slug>/accounts/connect/{network.name}/", include(network.connect_urls))
        for network in registry.descriptors()
        if network.connect_urls
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    path("w/<slug:slug>/accounts/", views.accounts, name="accounts"),
    path("w/<slug:slug>/accounts/connect/", views.connect, name="connect"),
    *_connect_pages(),
    path(
        "w/<slug:slug>/accounts/callback/<str:network>/",
        views.connect_callback,
        name="connect_callback",
    ),
    path(
        "w/<slug:slug>/accounts/<int:account_id>/",
        views.account_settings,
        name="account_settings",
    ),
    path(
        "w/<slug:slug>/accounts/<int:account_id>/disconnect/",
        views.disconnect,
        name="disconnect",
    ),
]
