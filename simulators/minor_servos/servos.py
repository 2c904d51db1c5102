"""The minor servos: their axes, motion, delayed mode changes and program-track trajectories.

Nothing runs by itself: a servo's state is brought up to a time when it is read (``advance(now)``,
called by ``get_status``, by every command and by reading ``operative_mode``), so that it follows
``time.time()`` (also when a test speeds it up) without a thread. A preset/setup moves each axis
towards its commanded position at its maximum rate and switches to the pending mode on arrival; STOW
switches after ``timer_value`` seconds; in program track the axes chase a cubic interpolation of the
trajectory points (0.2 s apart) at their maximum rates.
"""

from __future__ import annotations

import random
import threading
import time
from bisect import bisect_left, bisect_right
from typing import Any

PROGRAM_TRACK_TIMEGAP = 0.2
LEAD_IN_POINTS = 20  # extrapolated points placed before a trajectory's first one (as DISCOS)
HISTORY = 5.0  # seconds of past trajectory kept
SETUP, STOW, STOP, PRESET, PROGRAMTRACK = 10, 20, 30, 40, 50


def hermite(times: list[float], values: list[float], now: float) -> float:
    """Cubic Hermite interpolation (finite-difference tangents) of ``values`` at ``now``, clamped at the ends."""
    if now <= times[0]:
        return values[0]
    if now >= times[-1]:
        return values[-1]
    i = bisect_right(times, now) - 1
    t0, t1 = times[i], times[i + 1]
    h = t1 - t0
    s = (now - t0) / h

    def tangent(k: int) -> float:
        lo, hi = max(k - 1, 0), min(k + 1, len(times) - 1)
        return (values[hi] - values[lo]) / (times[hi] - times[lo]) * h

    m0, m1 = tangent(i), tangent(i + 1)
    s2, s3 = s * s, s * s * s
    return (
        (2 * s3 - 3 * s2 + 1) * values[i] + (s3 - 2 * s2 + s) * m0 + (-2 * s3 + 3 * s2) * values[i + 1] + (s3 - s2) * m1
    )


def _step(current: float, target: float, max_step: float) -> float:
    return target if abs(target - current) <= max_step else current + (max_step if target > current else -max_step)


class Servo:
    """One servo of ``dof`` axes with limits ``min_coord``/``max_coord`` and rates ``max_delta`` (per s)."""

    operative_modes = {SETUP: "SETUP", STOW: "STOW", STOP: "STOP", PRESET: "PRESET", PROGRAMTRACK: "PROGRAMTRACK"}
    program_track_capable = False
    min_coord: list[float]
    max_coord: list[float]
    max_delta: list[float]

    def __init__(self, name: str, dof: int = 1, stop: Any = None) -> None:
        self.name = name
        self.enabled, self.status, self.block = 1, 1, 2
        self._mode = 0
        self.future_oper_mode = 0
        self.DOF = dof
        self._coords: list[float] = [0.0] * dof
        self.cmd_coords: list[float] = [0.0] * dof
        self.offsets: list[float] = [0.0] * dof
        self.last_status_read = time.time()
        self.pending_mode: tuple[float, int] | None = None  # (time.time() deadline, mode)
        self.lock = threading.RLock()
        self.trajectory_lock = self.lock
        self.trajectory_id: int | None = None
        self.trajectory_start_time: float | None = None
        self.trajectory_point_id: int | None = None
        self.trajectory: list[list[float]] = [[] for _ in range(dof + 1)]
        self.pt_table: list[tuple[list[float], list[float]]] = []

    # --- the mode, brought up to date when read ----------------------------------------------------
    @property
    def operative_mode(self) -> int:
        self.advance(time.time())
        return self._mode

    @operative_mode.setter
    def operative_mode(self, mode: int) -> None:
        self._mode = mode

    @property
    def coords(self) -> list[float]:
        self.advance(time.time())
        return self._coords

    @coords.setter
    def coords(self, coords: list[float]) -> None:
        self._coords = list(coords)

    def cancel_pending(self) -> None:
        self.pending_mode = None

    def change_mode_later(self, delay: float, mode: int) -> None:
        self.pending_mode = (time.time() + delay, mode)

    def advance(self, now: float) -> None:
        """Move to ``now``, applying a delayed mode change at its own time."""
        with self.lock:
            if self.pending_mode is not None and self.pending_mode[0] <= now:
                deadline, mode = self.pending_mode
                self.pending_mode = None
                self._move(deadline)
                self._mode = mode
            self._move(now)

    def _move(self, now: float) -> None:
        elapsed = max(now - self.last_status_read, 0.0)
        self.last_status_read = now
        if self._mode == PROGRAMTRACK:
            self._track(now, elapsed)
        elif self._mode in (STOW, STOP):
            self.cmd_coords = list(self._coords)
        elif self._coords != self.cmd_coords or self.future_oper_mode != 0:
            self._coords = [
                _step(c, t, rate * elapsed)
                for c, t, rate in zip(self._coords, self.cmd_coords, self.max_delta, strict=True)
            ]
            if self._coords == self.cmd_coords:
                self._mode, self.future_oper_mode = self.future_oper_mode, 0

    def _clip(self, index: int, value: float) -> float:
        return min(max(value, self.min_coord[index]), self.max_coord[index])

    # --- commands -------------------------------------------------------------------------------
    def set_coords(self, coords: list[float | None], future_oper_mode: int, apply_offsets: bool = True) -> bool:
        """Command a position (``None``: keep that axis); False if out of range (nothing changes)."""
        target: list[float] = []
        for index, value in enumerate(coords):
            if value is None:
                target.append(self.cmd_coords[index])
                continue
            value += self.offsets[index] if apply_offsets else 0.0
            if not self.min_coord[index] <= value <= self.max_coord[index]:
                return False
            target.append(value)
        self.cmd_coords = target
        self.future_oper_mode = future_oper_mode
        return True

    def set_offsets(self, coords: list[float]) -> None:
        self.offsets[: len(coords)] = coords

    # --- program track --------------------------------------------------------------------------
    def start_trajectory(self, trajectory_id: int, start_time: float) -> None:
        self.trajectory = [[] for _ in range(self.DOF + 1)]
        self.trajectory_id, self.trajectory_start_time = trajectory_id, start_time

    def add_point(self, point_id: int, point_time: float, coords: list[float]) -> None:
        """Append a trajectory point (clipped to the limits) and rebuild the interpolation table."""
        times = self.trajectory[0]
        if len(times) == 1 and point_id == 1:  # lead-in: extrapolate the first segment backwards
            for index in range(self.DOF):
                first = self.trajectory[index + 1][0]
                delta = coords[index] - first
                lead = [self._clip(index, first - delta * i) for i in range(LEAD_IN_POINTS, 0, -1)]
                self.trajectory[index + 1][:0] = lead
            times[:0] = [times[0] - PROGRAM_TRACK_TIMEGAP * i for i in range(LEAD_IN_POINTS, 0, -1)]
        times.append(point_time)
        for index in range(self.DOF):
            self.trajectory[index + 1].append(self._clip(index, coords[index]))
        old = bisect_left(times, time.time() - HISTORY)
        for column in self.trajectory:
            del column[:old]
        if len(times) > 3:
            self.pt_table = [(list(times), list(self.trajectory[i + 1])) for i in range(self.DOF)]

    def _track(self, now: float, elapsed: float) -> None:
        if not self.pt_table:
            return
        times = self.pt_table[0][0]
        if now >= times[0]:
            for index, (t, values) in enumerate(self.pt_table):
                goal = self._clip(index, hermite(t, values, now))
                self._coords[index] = _step(self._coords[index], goal, self.max_delta[index] * elapsed)
        if now > times[-1]:  # trajectory done
            self.trajectory_id = self.trajectory_start_time = self.trajectory_point_id = None
            self.trajectory = [[] for _ in range(self.DOF + 1)]
            self.pt_table = []

    # --- status ---------------------------------------------------------------------------------
    def get_status(self, now: float) -> str:
        self.advance(now)
        return (
            f",{self.name}_ENABLED={self.enabled}|{self.name}_STATUS={self.status}|{self.name}_BLOCK={self.block}|"
            f"{self.name}_OPERATIVE_MODE={self._mode}|" + "|".join(f"{k}={v}" for k, v in self.fields())
        )

    def fields(self) -> list[tuple[str, object]]:
        """The servo-specific ``NAME=value`` status fields."""
        return []


def _elongation(limit: float = 10.0) -> str:
    return f"{random.uniform(-limit, limit):.6f}"


class PFP(Servo):
    """The primary focus positioner: TX, TZ, RTHETA."""

    program_track_capable = True

    def __init__(self, stop: Any = None) -> None:
        self.x_enabled = self.z_master_enabled = self.z_slave_enabled = 1
        self.theta_master_enabled = self.theta_slave_enabled = 1
        self.max_coord, self.min_coord = [1490.0, 50.0, 77.0], [-1490.0, -200.0, -1.0]
        self.max_delta = [25.0, 5.0, 0.42]
        super().__init__("PFP", dof=3, stop=stop)

    def fields(self) -> list[tuple[str, object]]:
        enabled = [
            ("X", self.x_enabled), ("Z_MASTER", self.z_master_enabled), ("Z_SLAVE", self.z_slave_enabled),
            ("THETA_MASTER", self.theta_master_enabled), ("THETA_SLAVE", self.theta_slave_enabled),
        ]  # fmt: skip
        axes = ("TX", "TZ", "RTHETA")
        return [
            *[(f"PFP_{name}_ENABLED", value) for name, value in enabled],
            *[(f"PFP_ELONG_{name}", _elongation()) for name, _ in enabled],
            *[(f"PFP_{axis}", f"{c:.6f}") for axis, c in zip(axes, self._coords, strict=True)],
            *[(f"PFP_OFFSET_{axis}", f"{o:.6f}") for axis, o in zip(axes, self.offsets, strict=True)],
        ]


class SRP(Servo):
    """The subreflector positioner: TX, TY, TZ (mm), RX, RY, RZ (degrees)."""

    program_track_capable = True

    def __init__(self, stop: Any = None) -> None:
        self.z1_enabled = self.z2_enabled = self.z3_enabled = 1
        self.y4_enabled = self.y5_enabled = self.x6_enabled = 1
        self.max_coord = [120.0, 120.0, 120.0, 0.25, 0.25, 0.25]
        self.min_coord = [-120.0, -120.0, -120.0, -0.25, -0.25, -0.25]
        self.max_delta = [4.0, 4.0, 4.0, 0.38, 0.38, 0.38]
        super().__init__("SRP", dof=6, stop=stop)

    def fields(self) -> list[tuple[str, object]]:
        actuators = ("Z1", "Z2", "Z3", "Y1", "Y2", "X1")
        flags = (self.z1_enabled, self.z2_enabled, self.z3_enabled, self.y4_enabled, self.y5_enabled, self.x6_enabled)
        axes = ("TX", "TY", "TZ", "RX", "RY", "RZ")
        return [
            *[(f"SRP_{a}_ENABLED", f) for a, f in zip(actuators, flags, strict=True)],
            *[(f"SRP_ELONG_{a}", _elongation()) for a in actuators],
            *[(f"SRP_{axis}", f"{c:.6f}") for axis, c in zip(axes, self._coords, strict=True)],
            *[(f"SRP_OFFSET_{axis}", f"{o:.6f}") for axis, o in zip(axes, self.offsets, strict=True)],
        ]


class _Rotator(Servo):
    """A one-axis rotator driven by a clockwise and a counterclockwise motor (M3R, GFR)."""

    def __init__(self, name: str, low: float, high: float, rate: float) -> None:
        self.cw_enabled = self.ccw_enabled = 1
        self.min_coord, self.max_coord, self.max_delta = [low], [high], [rate]
        super().__init__(name)

    def fields(self) -> list[tuple[str, object]]:
        n = self.name
        return [
            (f"{n}_CLOCKWISE_ENABLED", self.cw_enabled), (f"{n}_COUNTERCLOCKWISE_ENABLED", self.ccw_enabled),
            (f"{n}_CLOCKWISE", _elongation(2.0)), (f"{n}_COUNTERCLOCKWISE", _elongation(2.0)),
            (f"{n}_ROTATION", f"{self._coords[0]:.6f}"), (f"{n}_OFFSET", f"{self.offsets[0]:.6f}"),
        ]  # fmt: skip


class M3R(_Rotator):
    """The third mirror's rotator."""

    def __init__(self) -> None:
        super().__init__("M3R", -165.0, 165.0, 3.14)


class GFR(_Rotator):
    """The Gregorian focus rotator."""

    def __init__(self) -> None:
        super().__init__("GFR", -166.0, 168.5, 3.5)


class Derotator(Servo):
    """A receiver derotator (``DR_<name>``)."""

    program_track_capable = True

    def __init__(self, name: str, stop: Any = None) -> None:
        self.rotary_axis_enabled = 1
        self.max_coord, self.min_coord, self.max_delta = [150.0], [-150.0], [3.276]
        super().__init__(f"DR_{name}", stop=stop)

    def fields(self) -> list[tuple[str, object]]:
        return [
            (f"{self.name}_ROTARY_AXIS_ENABLED", self.rotary_axis_enabled),
            (f"{self.name}_ROTATION", f"{self._coords[0]:.6f}"),
            (f"{self.name}_OFFSET", f"{self.offsets[0]:.6f}"),
        ]
