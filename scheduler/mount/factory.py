"""The ``mount = HOST:PORT`` configuration key of an agent's section: opens a :class:`MountEndpoint`.

Registered with :func:`common.endpoints.register_endpoint` when ``scheduler.mount`` is imported.
"""

from __future__ import annotations

from typing import Any

from common.conf import setting
from common.endpoints import register_endpoint
from scheduler.mount.endpoint import CallSoon, MountEndpoint
from scheduler.mount.exceptions import MountCallerError


def mount_endpoint(agent: CallSoon, address: Any) -> MountEndpoint | None:
    """Endpoint factory for the agent config: ``mount = HOST:PORT`` in the agent's section, or None.

    The callbacks are the agent's ``mount_slew_started``/``mount_slew_done``/``mount_slew_failed``/
    ``mount_position`` methods when it has them.
    """
    value = (getattr(address, "options", None) or {}).get("mount", "").strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise MountCallerError(f"mount = {value!r}: expected HOST:PORT")
    return MountEndpoint(
        agent,
        host,
        int(port),
        poll_interval=setting("PYROS_MOUNT_POLL_INTERVAL"),
        position_interval=setting("PYROS_MOUNT_POSITION_INTERVAL"),
        reply_timeout=setting("PYROS_MOUNT_REPLY_TIMEOUT"),
        on_started=getattr(agent, "mount_slew_started", None),
        on_done=getattr(agent, "mount_slew_done", None),
        on_failed=getattr(agent, "mount_slew_failed", None),
        on_position=getattr(agent, "mount_position", None),
    )


register_endpoint("mount", mount_endpoint)
