"""The site's URLs: the admin, and every installed Porch app's own `urls.py`.

An app with pages has a `urls.py` beside its views; this module includes it, in the
order of INSTALLED_APPS, so adding an app's pages touches only that app's folder.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import module_has_submodule
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


def app_url_modules() -> list[str]:
    """The dotted paths of the installed Porch apps' `urls` modules."""
    return [
        f"{config.name}.urls"
        for config in apps.get_app_configs()
        if config.name.startswith("porch.") and module_has_submodule(config.module, "urls")
    ]


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer with Porch's icon."""
    found = finders.find("porch/favicon.ico")
    if not isinstance(found, str):
        raise Http404("no favicon")
    return FileResponse(open(found, "rb"), content_type="image/x-icon")  # FileResponse closes it


urlpatterns: list[URLPattern | URLResolver] = [
    *(path("", include(module)) for module in app_url_modules()),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
]
# Django's own handlers render 404.html, 500.html, 403.html and 400.html from porch/templates:
# 500.html and 400.html get no request and no context, so they stand alone (standalone.html).
