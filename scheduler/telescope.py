"""What the executor needs of a mount, and which mount endpoint it drives.

Two endpoints fit :class:`Mount`: the LX200 client (``scheduler.mount.MountEndpoint``, config key
``mount``) and the SRT ACU client (``scheduler.acu.AcuEndpoint``, config key ``acu``). Both report
through the agent's ``mount_slew_started``/``_done``/``_failed`` and ``mount_position`` callbacks with
the same ``SlewEvent``/``Position`` values. ``PYROS_MOUNT_KIND`` picks one: ``lx200``, ``acu``, or
``auto`` (the default): the one configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from .acu import AcuCallerError, AcuEndpoint
from .mount import MountCallerError, MountEndpoint

KINDS: dict[str, type] = {"lx200": MountEndpoint, "acu": AcuEndpoint}
CALLER_ERRORS = (MountCallerError, AcuCallerError)
"""What ``goto``/``park`` raise for a request the mount cannot take (bad target, endpoint not running)."""


class Mount(Protocol):
    """``goto``/``park`` return the operation number of their SlewEvents; all return at once."""

    name: str

    def goto(self, ra_deg: float, dec_deg: float) -> int: ...

    def park(self) -> int: ...

    def abort(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...


def select_mount(endpoints: Iterable[Any], kind: str) -> Mount | None:
    """The endpoint of ``kind`` among ``endpoints`` (None if not configured); MountCallerError for an
    unknown kind, or for ``auto`` when both an LX200 and an ACU are configured."""
    found: dict[str, Any] = {
        name: next((e for e in endpoints if isinstance(e, cls)), None) for name, cls in KINDS.items()
    }
    if kind == "auto":
        configured = [e for e in found.values() if e is not None]
        if len(configured) > 1:
            raise MountCallerError("both `mount` (LX200) and `acu` are configured: set PYROS_MOUNT_KIND")
        return configured[0] if configured else None
    if kind not in KINDS:
        raise MountCallerError(f"PYROS_MOUNT_KIND = {kind!r}: expected auto, {' or '.join(KINDS)}")
    chosen: Mount | None = found[kind]
    return chosen
