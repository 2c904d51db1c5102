"""The ``acu = HOST:PORT`` configuration key of an agent's section: opens an :class:`AcuEndpoint`.

``HOST:PORT`` is the ACU's command port; its status port is the next one unless ``acu_status_port``
is given. The site is ``PYROS_SITE``. Registered with :func:`common.endpoints.register_endpoint` when
``scheduler.acu`` is imported.
"""

from __future__ import annotations

from typing import Any

from common.conf import setting
from common.endpoints import register_endpoint
from scheduler.acu.endpoint import AcuEndpoint
from scheduler.acu.exceptions import AcuCallerError
from scheduler.mount.endpoint import CallSoon


def acu_endpoint(agent: CallSoon, address: Any) -> AcuEndpoint | None:
    """Endpoint factory for the agent config: ``acu = HOST:PORT`` in the agent's section, or None.

    The callbacks are the agent's ``mount_slew_started``/``mount_slew_done``/``mount_slew_failed``/
    ``mount_position`` methods when it has them, as for the LX200 ``mount`` key.
    """
    from scheduler.store import site

    options = getattr(address, "options", None) or {}
    value = options.get("acu", "").strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    status_port = options.get("acu_status_port", "").strip()
    if not host or not port.isdigit() or (status_port and not status_port.isdigit()):
        raise AcuCallerError(f"acu = {value!r}, acu_status_port = {status_port!r}: expected HOST:PORT and a port")
    return AcuEndpoint(
        agent,
        host,
        int(port),
        int(status_port) if status_port else None,
        site=site(),
        rates=(float(setting("PYROS_ACU_AZIMUTH_RATE")), float(setting("PYROS_ACU_ELEVATION_RATE"))),
        track_step=float(setting("PYROS_ACU_TRACK_STEP")),
        track_points=int(setting("PYROS_ACU_TRACK_POINTS")),
        tolerance=float(setting("PYROS_ACU_TOLERANCE")),
        position_interval=float(setting("PYROS_MOUNT_POSITION_INTERVAL")),
        reply_timeout=float(setting("PYROS_MOUNT_REPLY_TIMEOUT")),
        on_started=getattr(agent, "mount_slew_started", None),
        on_done=getattr(agent, "mount_slew_done", None),
        on_failed=getattr(agent, "mount_slew_failed", None),
        on_position=getattr(agent, "mount_position", None),
    )


register_endpoint("acu", acu_endpoint)
