"""What the mount endpoint reports to its agent (immutable values, times in POSIX seconds UTC)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SlewEvent:
    """One step of a goto or a park: ``started``, ``done`` or ``failed``.

    ``operation`` numbers the goto/park calls of one endpoint (what ``goto()``/``park()`` returned);
    ``commanded_at`` is when the call was made, ``sent_at`` when ``:MS#``/``:hP#`` was written, ``at``
    when this step happened. ``ra_deg``/``dec_deg`` is the target (None for a park); ``position`` is
    where the mount reported itself at the end of the slew (``done``), ``reason`` why it failed.
    """

    step: str
    operation: int
    kind: str
    ra_deg: float | None
    dec_deg: float | None
    commanded_at: float
    sent_at: float | None
    at: float
    position: tuple[float, float] | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Position:
    """Where the mount points (``:GR#``/``:GD#``), read at ``at``; an ACU also gives its azimuth and
    elevation (deg), the RA/Dec being computed from them."""

    ra_deg: float
    dec_deg: float
    at: float
    azimuth: float | None = None
    elevation: float | None = None
