from django.urls import URLPattern, URLResolver

app_name = "api"

# TOKENS adds the token pages (/w/<slug>/api/...), WEBHOOKS the webhook pages.
urlpatterns: list[URLPattern | URLResolver] = []
