"""REST API of the scheduler.

- ``GET /api/requests/?state=pending``: observation requests (paginated); ``POST``: create one.
- ``GET|PUT|PATCH /api/requests/<id>/``: read or change one (while pending or scheduled);
  ``DELETE /api/requests/<id>/`` or ``POST /api/requests/<id>/cancel/``: cancel it (kept, state
  ``cancelled``).
- ``GET /api/schedule/``: the current schedule with its slots (404 before the first plan).

Reading needs a signed-in user. Creating needs ``scheduler.add_observationrequest``; changing or
cancelling needs to own the request or ``scheduler.manage_requests`` (staff have both). Every change
is published as a websocket ``schedule`` event; the scheduler agent re-plans on its next poll.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from . import events, store
from .models import ObservationRequest
from .serializers import ObservationRequestSerializer, ScheduleSerializer

MANAGE = "scheduler.manage_requests"
ADD = "scheduler.add_observationrequest"


class RequestPermission(BasePermission):
    message = "needs scheduler.add_observationrequest to create, and to own the request or scheduler.manage_requests"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method == "POST" and getattr(view, "action", None) == "create":
            return bool(user.is_staff or user.has_perm(ADD))
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        user = request.user
        return bool(user.is_staff or user.has_perm(MANAGE) or (obj.owner_id is not None and obj.owner_id == user.pk))


class ObservationRequestViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[ObservationRequest],
):
    serializer_class = ObservationRequestSerializer
    permission_classes = [IsAuthenticated, RequestPermission]

    def get_queryset(self) -> QuerySet[ObservationRequest]:
        qs = ObservationRequest.objects.all().order_by("priority", "id")
        state = self.request.query_params.get("state")
        if state:
            if state not in ObservationRequest.State.values:
                raise ValidationError({"state": f"one of {', '.join(ObservationRequest.State.values)}"})
            qs = qs.filter(state=state)
        return qs

    def perform_create(self, serializer: BaseSerializer[ObservationRequest]) -> None:
        row = serializer.save(owner=self.request.user)
        _changed(row, "created")

    def perform_update(self, serializer: BaseSerializer[ObservationRequest]) -> None:
        row = serializer.instance
        if row is not None and row.state not in ObservationRequest.WAITING:
            raise ValidationError({"state": f"a {row.state} request cannot be changed"})
        row = serializer.save(state=ObservationRequest.State.PENDING)
        _changed(row, "updated")

    @extend_schema(responses={200: ObservationRequestSerializer, 400: OpenApiResponse(description="Finished.")})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        return self.cancel(request, pk)

    @extend_schema(request=None, responses={200: ObservationRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        if row.state in (ObservationRequest.State.DONE, ObservationRequest.State.FAILED):
            raise ValidationError({"state": f"a {row.state} request cannot be cancelled"})
        if row.state != ObservationRequest.State.CANCELLED:
            row.state = ObservationRequest.State.CANCELLED
            row.save(update_fields=["state", "updated_at"])
            _changed(row, "cancelled")
        return Response(ObservationRequestSerializer(row).data, status=status.HTTP_200_OK)


def _changed(row: ObservationRequest, change: str) -> None:
    data = {"change": change, "request": ObservationRequestSerializer(row).data}
    transaction.on_commit(lambda: events.publish("request", data))


class ScheduleView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="schedule_current",
        summary="The current schedule (latest version of the newest night) with its slots",
        responses={200: ScheduleSerializer, 404: OpenApiResponse(description="Nothing planned yet.")},
    )
    def get(self, request: Request) -> Response:
        view = store.schedule_view(store.current_schedule())
        if view is None:
            raise NotFound("no schedule yet")
        return Response(view)
