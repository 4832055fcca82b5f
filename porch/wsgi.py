"""The WSGI application served by `porch serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "porch.settings")
application = get_wsgi_application()
