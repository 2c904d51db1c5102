"""URLs of the operator console (``/``, ``/agents/<name>/``, ``/messages/``, ``/simulators/``) and the
REST API (``/api/``)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import api, views
from .throttling import throttle_login

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("agents/<str:name>/", views.agent_detail, name="console-agent"),
    path("messages/", views.messages, name="console-messages"),
    path("simulators/", views.simulators, name="console-simulators"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Any active user may sign in here (the admin's login page takes staff only).
    path("login/", throttle_login(views.LoginView.as_view()), name="login"),
    path("logout/", views.LogoutView.as_view(next_page="login"), name="logout"),
    path("api/agents/", api.AgentListView.as_view(), name="api-agents"),
    path("api/agents/<str:name>/", api.AgentDetailView.as_view(), name="api-agent"),
    path("api/agents/<str:name>/messages/", api.AgentMessageView.as_view(), name="api-agent-messages"),
    *[
        path(
            f"api/agents/<str:name>/{action}/",
            api.control_view(action).as_view(),
            name=f"api-agent-{action}",
        )
        for action in ("start", "stop", "restart")
    ],
    path("api/messages/", api.MessageLogListView.as_view(), name="api-messages"),
    path("api/token/", api.ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
