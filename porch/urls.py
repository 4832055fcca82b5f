"""The site's URLs: the admin, and every installed Porch app's own `urls.py`.

An app with pages has a `urls.py` beside its views; this module includes it, in the
order of INSTALLED_APPS, so adding an app's pages touches only that app's folder.
"""

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import module_has_submodule


def app_url_modules() -> list[str]:
    """The dotted paths of the installed Porch apps' `urls` modules."""
    return [
        f"{config.name}.urls"
        for config in apps.get_app_configs()
        if config.name.startswith("porch.") and module_has_submodule(config.module, "urls")
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    *(path("", include(module)) for module in app_url_modules()),
    path("admin/", admin.site.urls),
]
