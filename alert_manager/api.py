"""REST API of the alerts.

- ``GET /api/alerts/?role=&state=&mission=&since=`` (newest first, paginated) and ``GET /api/alerts/<id>/``
  (with the packets, their raw XML and the timing audit): any signed-in user.
- ``POST /api/alerts/`` with a VOEvent XML body (``Content-Type: application/xml`` or ``text/xml``):
  needs ``alert_manager.add_alert``. 201 accepted (new alert, update, retraction, test), 200 duplicate,
  400 rejected (with the reason; the packet is recorded).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from common.conf import setting

from .handover import process
from .models import Alert
from .serializers import AlertDetailSerializer, AlertSerializer, IngestResultSerializer


class XMLBodyParser(BaseParser):
    """The body as bytes, untouched (the VOEvent codec parses it, hardened)."""

    media_type = "application/xml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:
        limit = setting("PYROS_ALERT_MAX_PACKET_SIZE")
        data = stream.read(limit + 1) if stream is not None else b""
        return bytes(data)


class TextXMLBodyParser(XMLBodyParser):
    media_type = "text/xml"


class AlertPermissions(DjangoModelPermissions):
    """Reading: any signed-in user; POST: alert_manager.add_alert."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": [], "HEAD": [], "OPTIONS": []}


_FILTERS = [
    OpenApiParameter("role", OpenApiTypes.STR, description="observation, test, ..."),
    OpenApiParameter("state", OpenApiTypes.STR, description="active or retracted"),
    OpenApiParameter("mission", OpenApiTypes.STR, description="SWIFT, FERMI, ... (case-insensitive)"),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Received at or after (ISO 8601)."),
]


class AlertListView(generics.ListCreateAPIView[Alert]):
    permission_classes = [IsAuthenticated, AlertPermissions]
    serializer_class = AlertSerializer
    parser_classes = [XMLBodyParser, TextXMLBodyParser]
    queryset = Alert.objects.all()

    @extend_schema(operation_id="alerts_list", summary="Alerts, newest first", parameters=_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="alerts_create",
        summary="Ingest one VOEvent packet (XML body)",
        request={"application/xml": OpenApiTypes.BINARY, "text/xml": OpenApiTypes.BINARY},
        responses={
            201: IngestResultSerializer,
            200: OpenApiResponse(IngestResultSerializer, description="Duplicate IVORN: nothing stored."),
            400: OpenApiResponse(IngestResultSerializer, description="Rejected: the reason is in `reason`."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data
        if not isinstance(data, bytes):
            raise ValidationError("send the VOEvent as the body, with Content-Type application/xml or text/xml")
        result = process(data, source=f"api:{request.user.get_username()}")
        status = {"rejected": 400, "duplicate": 200}.get(result.outcome, 201)
        return Response(IngestResultSerializer(result.to_json()).data, status=status)

    def get_queryset(self) -> QuerySet[Alert]:
        queryset = Alert.objects.order_by("-received_at", "-id")
        params = self.request.query_params
        for name in ("role", "state"):
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        if params.get("mission"):
            queryset = queryset.filter(mission__iexact=params["mission"])
        if params.get("since"):
            since = parse_datetime(params["since"])
            if since is None:
                raise ValidationError({"since": f"{params['since']!r} is not an ISO 8601 date and time"})
            queryset = queryset.filter(received_at__gte=since)
        return queryset


class AlertDetailView(generics.RetrieveAPIView[Alert]):
    permission_classes = [IsAuthenticated]
    serializer_class = AlertDetailSerializer
    queryset = Alert.objects.prefetch_related("packets")

    @extend_schema(operation_id="alerts_retrieve", summary="One alert, its packets and its timing audit")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
