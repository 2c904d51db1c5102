from django.urls import path

from . import api, views

urlpatterns = [
    path("api/alerts/", api.AlertListView.as_view(), name="api-alerts"),
    path("api/alerts/<int:pk>/", api.AlertDetailView.as_view(), name="api-alert"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
]
