from django.urls import path

from . import api

urlpatterns = [
    path("api/alerts/", api.AlertListView.as_view(), name="api-alerts"),
    path("api/alerts/<int:pk>/", api.AlertDetailView.as_view(), name="api-alert"),
]
