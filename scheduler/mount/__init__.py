"""The scheduler's side of the telescope mount: an LX200 client (sans-IO codec + agent endpoint).

``MountEndpoint(agent, host, port, on_started=..., on_done=..., on_failed=..., on_position=...)`` is an
agent endpoint (start/stop/describe); ``goto(ra_deg, dec_deg)``, ``park()``, ``abort()`` return at
once and the outcome comes back in the agent's thread through ``agent.call_soon``.
"""

from scheduler.mount.endpoint import MountEndpoint
from scheduler.mount.events import Position, SlewEvent
from scheduler.mount.exceptions import MountCallerError, MountError, MountPeerError
from scheduler.mount.factory import mount_endpoint

__all__ = [
    "MountCallerError",
    "MountEndpoint",
    "MountError",
    "MountPeerError",
    "Position",
    "SlewEvent",
    "mount_endpoint",
]
