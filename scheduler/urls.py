"""Scheduler routes under ``/api/`` (included from pyros/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("api/requests", api.ObservationRequestViewSet, basename="api-requests")

urlpatterns = [
    path("api/schedule/", api.ScheduleView.as_view(), name="api-schedule"),
    *router.urls,
]
