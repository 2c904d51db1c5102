"""The agents dashboard page (``/``): the page itself is static; the live data comes over the websocket."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .conf import setting
from .permissions import can_inject


@login_required(login_url="login")
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "can_inject": can_inject(request.user),
        "heartbeat_max_age": float(setting("PYROS_HEARTBEAT_MAX_AGE")),
        "default_timeout": float(setting("PYROS_SEND_TIMEOUT")),
    }
    return render(request, "common/dashboard.html", context)
