"""What a status of the ACU says of the commands the endpoint sent: pure functions of an
:class:`~scheduler.acu.codec.AcuStatus` (no socket, no clock of their own)."""

from __future__ import annotations

import math
from typing import Any

from scheduler.acu.codec import AZIMUTH, POINTING, AcuStatus
from scheduler.acu.track import Tracker, from_mjd

REFUSED = {("received", 4): "wrong mode", ("received", 5): "invalid parameters", ("parameter", 4): "wrong mode",
           ("parameter", 5): "invalid parameters", ("executed", 3): "error"}  # fmt: skip


def refusal(status: AcuStatus, counter: int) -> str | None:
    """Why the ACU refused the command ``counter`` (``wrong mode`` ...), or None."""
    answer = status.answer_to(counter)
    return None if answer is None else REFUSED.get(answer)


def settled(status: AcuStatus, subsystem: int, counter: int) -> bool:
    """The status answers the command ``counter``, or a later command of its subsystem (which the ACU
    took after it: the blocks keep the last command only)."""
    return status.answer_to(counter) is not None or latest(status, subsystem) > counter


def latest(status: AcuStatus, subsystem: int) -> int:
    """The newest command counter the status reports for ``subsystem``."""
    if subsystem == POINTING:
        return status.pointing_parameter[0]
    axis = status.azimuth if subsystem == AZIMUTH else status.elevation
    return max(axis.received[0], axis.executed[0], axis.parameter[0])


def on_target(status: AcuStatus, tracker: Tracker, tolerance: float) -> bool:
    """The program track runs, both axes track, and both are within ``tolerance`` deg (azimuth on the
    sky) of the target at the ACU's time."""
    az, el = status.azimuth, status.elevation
    if status.pt_state != 3 or az.trajectory_state != 7 or el.trajectory_state != 7:
        return False
    seconds = (from_mjd(status.act_time_mjd) - tracker.start).total_seconds()
    target_az, target_el = (float(v[0]) for v in tracker.at([seconds]))
    d_az = ((az.position - target_az + 180.0) % 360.0 - 180.0) * math.cos(math.radians(el.position))
    return abs(d_az) <= tolerance and abs(el.position - target_el) <= tolerance


def stowed(status: AcuStatus, counter: int) -> bool:
    """The drive to stow ``counter`` executed and the elevation's pins in."""
    el = status.elevation
    return el.stowed and el.executed[0] == counter and el.executed[2] == 1


def axes_view(status: AcuStatus) -> dict[str, Any]:
    return {
        name: {"position": axis.position, "commanded": axis.commanded, "velocity": axis.velocity,
               "axis_state": axis.axis_state, "trajectory_state": axis.trajectory_state, "stowed": axis.stowed}
        for name, axis in (("azimuth", status.azimuth), ("elevation", status.elevation))
    } | {"pt_state": status.pt_state, "pt_table_length": status.pt_table_length}  # fmt: skip
