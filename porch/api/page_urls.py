from django.urls import URLPattern, URLResolver, path

from porch.api import views
from porch.api.hooks import views as hooks

app_name = "api"

# TOKENS adds the token pages (/w/<slug>/api/...), WEBHOOKS the webhook pages.
urlpatterns: list[URLPattern | URLResolver] = []

urlpatterns += [
    path("w/<slug:slug>/api/", views.token_list, name="tokens"),
    path("w/<slug:slug>/api/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]

urlpatterns += [
    path("w/<slug:slug>/api/webhooks/", hooks.webhook_list, name="webhooks"),
    path("w/<slug:slug>/api/webhooks/new/", hooks.webhook_new, name="webhook_new"),
    path("w/<slug:slug>/api/webhooks/<int:pk>/", hooks.webhook_page, name="webhook"),
    path("w/<slug:slug>/api/webhooks/<int:pk>/do/", hooks.webhook_action, name="webhook_action"),
    path(
        "w/<slug:slug>/api/webhooks/deliveries/<int:pk>/redeliver/",
        hooks.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
