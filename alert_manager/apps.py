from django.apps import AppConfig


class AlertManagerConfig(AppConfig):
    name = "alert_manager"
    verbose_name = "Alert manager"

    def ready(self) -> None:
        from common.agent import Agent
        from common.runtime import runtime

        from . import endpoints
        from .agent import AlertManagerAgent

        endpoints.register()  # vtp_broker, kafka_bootstrap in the [alert_manager] section
        runtime.register(Agent.ALERT_MANAGER, AlertManagerAgent)
        runtime.autostart()
