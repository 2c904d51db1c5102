from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Agent runtime"

    def ready(self) -> None:
        # The wire dialects register their configuration keys (ivy_bus, pymasep_port, netnode_*).
        from .communication import endpoint as pymasep_endpoint  # noqa: F401

        # Heartbeats and status events for the agents of this process (before any app registers and
        # autostarts its agent: common comes first in INSTALLED_APPS).
        from .heartbeat import install
        from .ivy_agent import IvyEndpoint  # noqa: F401
        from .networking import endpoint as netnode_endpoint  # noqa: F401
        from .runtime import runtime

        install(runtime)
