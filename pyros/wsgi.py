"""WSGI entry point (HTTP only; the websocket needs the ASGI application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")

application = get_wsgi_application()
