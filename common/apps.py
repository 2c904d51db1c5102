from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Agent runtime"

    def ready(self) -> None:
        # Heartbeats and status events for the agents of this process (before any app registers and
        # autostarts its agent: common comes first in INSTALLED_APPS).
        from .heartbeat import install
        from .runtime import runtime

        install(runtime)
