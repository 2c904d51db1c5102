from django.contrib import admin
from django.urls import include, path

from common.throttling import throttle_login

urlpatterns = [
    # The admin's sign-in, throttled on failures per address (429 with Retry-After), like the API's.
    path("admin/login/", throttle_login(admin.site.login), name="admin-login-throttled"),
    path("admin/", admin.site.urls),
    # Alerts REST API (/api/alerts/).
    path("", include("alert_manager.urls")),
    # Agents dashboard (/) and REST API (/api/).
    path("", include("common.urls")),
    path("", include("scheduler.urls")),
]
