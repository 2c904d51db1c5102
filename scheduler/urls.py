"""Scheduler routes: the REST API under ``/api/``, the Schedule, Telescope and Weather panels
(included from pyros/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, panels, views

router = SimpleRouter()
router.register("api/requests", api.ObservationRequestViewSet, basename="api-requests")

urlpatterns = [
    path("schedule/", views.schedule_page, name="schedule"),
    path("schedule/night.svg", views.night_svg, name="schedule-svg"),
    path("telescope/", panels.telescope_page, name="telescope"),
    path("weather/", panels.weather_page, name="weather"),
    path("api/schedule/", api.ScheduleView.as_view(), name="api-schedule"),
    *router.urls,
]
