"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")

# Set up Django (and so the apps' ready()) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from common.checks import config_errors  # noqa: E402

# An ASGI server (daphne, uvicorn) runs no system checks: refuse to serve with a broken agent
# configuration, with one clear line instead of agents that crash in a loop.
if _errors := config_errors():
    sys.stderr.write(f"pyros: cannot start: {_errors[0]}\n")
    raise SystemExit(1)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from common.consumers import AgentsConsumer  # noqa: E402

websocket_urlpatterns: list = [
    path("ws/agents/", AgentsConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
