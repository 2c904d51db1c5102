"""The operator console: server-rendered pages (agents, one agent, the message log, simulators) whose
live parts come over the websocket ``/ws/agents/`` (``static/common/*.js``); sign-in; the favicon.

Reading needs a signed-in user; sending a message needs ``common.inject_message``; the start, stop and
restart buttons need ``common.control_agent`` (they call ``POST /api/agents/<name>/<action>/``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control

from . import console
from .conf import setting
from .permissions import can_control, can_inject
from .status import agent_views
from .timefmt import zone_name


def _page(request: HttpRequest, section: str, **extra: Any) -> dict[str, Any]:
    return {
        "section": section,
        "can_inject": can_inject(request.user),
        "can_control": can_control(request.user),
        "heartbeat_max_age": float(setting("PYROS_HEARTBEAT_MAX_AGE")),
        "default_timeout": float(setting("PYROS_SEND_TIMEOUT")),
        "time_zone": zone_name(),
        **extra,
    }


@login_required(login_url="login")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Agents: the live table (the rows come with the page and are then kept live by the websocket)."""
    return render(request, "common/agents.html", _page(request, "agents", agents=agent_views()))


@login_required(login_url="login")
def agent_detail(request: HttpRequest, name: str) -> HttpResponse:
    views = agent_views(only=name)
    if not views:
        raise Http404(f"unknown agent {name!r}")
    view = views[0]
    endpoints, traffic = console.activity(name, view)
    context = _page(
        request,
        "agents",
        agent=view,
        known=console.known_messages(name, view),
        endpoints=endpoints,
        traffic=traffic,
        recent=console.recent_messages(name),
        errors=console.recent_errors(name),
    )
    return render(request, "common/agent.html", context)


@login_required(login_url="login")
def messages(request: HttpRequest) -> HttpResponse:
    """The message log: filters, search, pagination; new rows arrive live on the first page."""
    form = console.MessageFilterForm(request.GET or None, agents=console.agent_names())
    rows = console.filter_log(form)
    paginator = Paginator(rows, int(setting("PYROS_CONSOLE_PAGE_SIZE")))
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = _page(
        request,
        "messages",
        form=form,
        page=page,
        query=query.urlencode(),
        live=page.number == 1,
    )
    return render(request, "common/messages.html", context)


@login_required(login_url="login")
def simulators(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "json":
        return JsonResponse({"runs": console.simulator_runs()})
    if request.GET.get("fragment"):  # what simulators.js swaps in every 2 s
        return render(request, "common/simulator_runs.html", {"runs": console.simulator_runs()})
    return render(request, "common/simulators.html", _page(request, "simulators", runs=console.simulator_runs()))


LogoutView = auth_views.LogoutView


class LoginView(auth_views.LoginView):
    """Any active user signs in here (the admin's login takes staff only); a database without any user
    says how to create the first one."""

    template_name = "common/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["no_user"] = not get_user_model().objects.exists()
        return context


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("common/favicon.ico"), permanent=False)
