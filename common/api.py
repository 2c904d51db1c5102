"""REST API (Django REST framework) under ``/api/``.

- ``GET /api/agents/``, ``GET /api/agents/<name>/``: status of every agent (``common.status``).
- ``POST /api/agents/<name>/messages/`` ``{"message", "params", "timeout"}``: inject a message
  (``common.inject``): 200 reply, 400 bad body, 404 unknown agent, 429 too many injections by this
  user (``Retry-After``), 502 the agent answered with an error, 503 unreachable, 504 timeout.
- ``GET /api/messages/?agent=<name>&page=<n>&page_size=<n>``: the message log, newest first, paginated.
- ``POST /api/token/`` ``{"username", "password"}``: the user's API token (or ``manage.py
  drf_create_token <username>``); send it as ``Authorization: Token <key>``.

Reading needs a signed-in user (session with CSRF, or token); injecting needs
``common.inject_message`` (staff have it).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .control import ControlTimeoutError, control
from .exceptions import PyrosError, UnknownAgentError
from .inject import inject
from .models import MessageLog
from .permissions import CanControlAgents, CanInjectMessages
from .serializers import (
    AgentStatusSerializer,
    InjectErrorSerializer,
    InjectReplySerializer,
    InjectRequestSerializer,
    MessageLogSerializer,
)
from .status import agent_views
from .throttling import AuthFailureThrottle, InjectThrottle, TokenEndpointThrottle

log = logging.getLogger("pyros.api")

_NAME = OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="Agent name.")


class AgentListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="agents_list",
        summary="Status of every agent",
        responses={200: AgentStatusSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(AgentStatusSerializer(agent_views(), many=True).data)


class AgentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="agents_retrieve",
        summary="Status of one agent",
        parameters=[_NAME],
        responses={200: AgentStatusSerializer, 404: OpenApiResponse(description="Unknown agent.")},
    )
    def get(self, request: Request, name: str) -> Response:
        views = agent_views(only=name)
        if not views:
            raise NotFound(f"unknown agent {name!r}")
        return Response(AgentStatusSerializer(views[0]).data)


class AgentMessageView(APIView):
    permission_classes = [IsAuthenticated, CanInjectMessages]
    throttle_classes = [InjectThrottle]

    @extend_schema(
        operation_id="agents_messages_create",
        summary="Send a message to an agent and return its reply",
        parameters=[_NAME],
        request=InjectRequestSerializer,
        responses={
            200: InjectReplySerializer,
            400: OpenApiResponse(description="Bad body: each invalid field with the reason."),
            429: OpenApiResponse(description="Too many injections by this user: retry after Retry-After s."),
            404: InjectErrorSerializer,
            502: InjectErrorSerializer,
            503: InjectErrorSerializer,
            504: InjectErrorSerializer,
        },
    )
    def post(self, request: Request, name: str) -> Response:
        body = InjectRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        result = inject(request.user, name, data["message"], data["params"], data.get("timeout"), via="api")
        return Response(result.body(), status=result.status_code)


class AgentControlView(APIView):
    """POST /api/agents/{name}/{start,stop,restart}/: whichever process runs the agent."""

    permission_classes = [IsAuthenticated, CanControlAgents]
    action_name = "start"

    def post(self, request: Request, name: str) -> Response:
        try:
            result = control(name, self.action_name)
        except UnknownAgentError as exc:
            return Response({"error": "unknown agent", "detail": str(exc), "known": exc.known}, status=404)
        except ControlTimeoutError as exc:
            return Response({"error": "timeout", "detail": str(exc)}, status=504)
        except PyrosError as exc:
            return Response({"error": "unavailable", "detail": str(exc)}, status=503)
        log.info("agent %s: %s by %s (%s)", name, self.action_name, request.user, result.where)
        return Response(AgentStatusSerializer(result.status).data)


def control_view(action: str) -> type[AgentControlView]:
    """The view of ``POST /api/agents/{name}/<action>/`` (its own operation in the OpenAPI schema)."""
    schema = extend_schema(
        operation_id=f"agents_{action}",
        summary=f"{action.capitalize()} an agent (in this process or, through the channel layer, another)",
        parameters=[_NAME],
        request=None,
        responses={
            200: AgentStatusSerializer,
            403: OpenApiResponse(description="Needs the common.control_agent permission."),
            404: OpenApiResponse(description="Unknown agent."),
            503: OpenApiResponse(description="The agent runs in no process this one can reach."),
            504: OpenApiResponse(description="The agent's process did not answer in time."),
        },
    )

    class View(AgentControlView):
        action_name = action

        @schema
        def post(self, request: Request, name: str) -> Response:
            return super().post(request, name)

    View.__name__ = View.__qualname__ = f"Agent{action.capitalize()}View"
    return View


class MessageLogPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class MessageLogListView(generics.ListAPIView[MessageLog]):
    permission_classes = [IsAuthenticated]
    serializer_class = MessageLogSerializer
    pagination_class = MessageLogPagination

    @extend_schema(
        operation_id="messages_list",
        summary="The message log, newest first",
        parameters=[OpenApiParameter("agent", OpenApiTypes.STR, description="Only the messages sent to this agent.")],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[MessageLog]:
        queryset = MessageLog.objects.select_related("user").order_by("-sent_at", "-id")
        agent = self.request.query_params.get("agent")
        if agent:
            queryset = queryset.filter(agent=agent)
        return queryset


class ThrottledObtainAuthToken(ObtainAuthToken):
    """``POST /api/token/``: throttled per address, wrong passwords counted as failed authentications."""

    throttle_classes = [TokenEndpointThrottle]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        throttle = AuthFailureThrottle()
        throttle.check(request)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            throttle.record(request)
            return Response(serializer.errors, status=400)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
