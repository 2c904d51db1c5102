"""The agents dashboard page (``/``): the page itself is static; the live data comes over the websocket."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .permissions import can_inject


@login_required(login_url="login")
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "can_inject": can_inject(request.user),
        "heartbeat_max_age": float(getattr(settings, "PYROS_HEARTBEAT_MAX_AGE", 5.0)),
        "default_timeout": float(getattr(settings, "PYROS_SEND_TIMEOUT", 5.0)),
    }
    return render(request, "common/dashboard.html", context)
