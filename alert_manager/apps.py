from django.apps import AppConfig


class AlertManagerConfig(AppConfig):
    name = "alert_manager"
    verbose_name = "Alert manager"

    def ready(self) -> None:
        from common.agent import Agent
        from common.runtime import runtime

        from .agent import AlertManagerAgent

        runtime.register(Agent.ALERT_MANAGER, AlertManagerAgent)
        runtime.autostart()
