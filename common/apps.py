from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Agent runtime"

    def ready(self) -> None:
        """Register the wire dialects' configuration keys (``ivy_bus``, ``pymasep_port``, ``netnode_*``)
        and hook heartbeats, status events and the control listener into this process's runtime (before
        any app registers and autostarts its agent: common comes first in INSTALLED_APPS)."""
        from . import checks, console_events, control_listener, heartbeat
        from .communication import endpoint as pymasep_endpoint
        from .ivy import agent as ivy_agent
        from .networking import endpoint as netnode_endpoint
        from .runtime import runtime

        del pymasep_endpoint, ivy_agent, netnode_endpoint, console_events  # imported for their registrations
        runtime.add_start_guard(checks.config_errors)
        heartbeat.install(runtime)
        control_listener.install(runtime)
