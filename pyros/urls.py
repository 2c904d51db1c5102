from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Alerts REST API (/api/alerts/).
    path("", include("alert_manager.urls")),
    # Agents dashboard (/) and REST API (/api/).
    path("", include("common.urls")),
    path("", include("scheduler.urls")),
]
