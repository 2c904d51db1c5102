"""URLs of the dashboard (``/``) and the REST API (``/api/``)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from . import api, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("api/agents/", api.AgentListView.as_view(), name="api-agents"),
    path("api/agents/<str:name>/", api.AgentDetailView.as_view(), name="api-agent"),
    path("api/agents/<str:name>/messages/", api.AgentMessageView.as_view(), name="api-agent-messages"),
    path("api/messages/", api.MessageLogListView.as_view(), name="api-messages"),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
