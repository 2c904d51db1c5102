from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Scheduler"

    def ready(self) -> None:
        from common.agent import Agent
        from common.runtime import runtime

        from . import acu, mount, weather  # noqa: F401  (their config keys: acu, mount, weather_station)
        from .agent import SchedulerAgent

        runtime.register(Agent.SCHEDULER, SchedulerAgent)
        runtime.autostart()
