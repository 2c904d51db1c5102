"""Scheduler routes: the REST API under ``/api/`` and the Schedule panel (included from pyros/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("api/requests", api.ObservationRequestViewSet, basename="api-requests")

urlpatterns = [
    path("schedule/", views.schedule_page, name="schedule"),
    path("schedule/night.svg", views.night_svg, name="schedule-svg"),
    path("api/schedule/", api.ScheduleView.as_view(), name="api-schedule"),
    *router.urls,
]
