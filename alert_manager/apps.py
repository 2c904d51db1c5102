from django.apps import AppConfig


class AlertManagerConfig(AppConfig):
    name = "alert_manager"
    verbose_name = "Alert manager"
