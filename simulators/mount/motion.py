"""Motion of one axis with a finite rate and acceleration, as closed-form functions of time.

A move is a short list of segments, each giving position and velocity at any time: a *ramp* (speed up
from the current speed to at most the maximum rate, cruise, slow down to rest on the target) and a
*brake* (slow down to rest as fast as the acceleration allows). Time is always passed in, so the model
is exact at whatever instants it is asked about and tests need no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Brake:
    """From ``p0`` at speed ``v0`` (signed), decelerate at ``accel`` to rest."""

    t0: float
    p0: float
    v0: float
    accel: float

    @property
    def end(self) -> float:
        return self.t0 + abs(self.v0) / self.accel

    @property
    def p_end(self) -> float:
        return self.p0 + math.copysign(self.v0 * self.v0 / (2 * self.accel), self.v0)

    def at(self, t: float) -> tuple[float, float]:
        dt = min(max(0.0, t - self.t0), self.end - self.t0)
        direction = math.copysign(1.0, self.v0)
        return self.p0 + self.v0 * dt - direction * self.accel * dt * dt / 2, self.v0 - direction * self.accel * dt


@dataclass(frozen=True)
class Ramp:
    """From ``p0`` moving towards ``p1`` at speed ``v0 >= 0`` (along the move), to rest exactly on ``p1``."""

    t0: float
    p0: float
    p1: float
    v0: float
    vmax: float
    accel: float
    _peak: float = field(init=False)
    _t_up: float = field(init=False)
    _t_cruise: float = field(init=False)

    def __post_init__(self) -> None:
        distance, a = abs(self.p1 - self.p0), self.accel
        peak = min(self.vmax, math.sqrt(max(0.0, (2 * a * distance + self.v0 * self.v0) / 2)))
        up_distance = (peak * peak - self.v0 * self.v0) / (2 * a)
        down_distance = peak * peak / (2 * a)
        cruise = max(0.0, distance - up_distance - down_distance) / peak if peak > 0 else 0.0
        object.__setattr__(self, "_peak", peak)
        object.__setattr__(self, "_t_up", (peak - self.v0) / a)
        object.__setattr__(self, "_t_cruise", cruise)

    @property
    def end(self) -> float:
        return self.t0 + self._t_up + self._t_cruise + self._peak / self.accel

    @property
    def p_end(self) -> float:
        return self.p1

    def at(self, t: float) -> tuple[float, float]:
        direction = 1.0 if self.p1 >= self.p0 else -1.0
        dt = max(0.0, t - self.t0)
        a, v0, peak = self.accel, self.v0, self._peak
        if t >= self.end:
            return self.p1, 0.0
        if dt <= self._t_up:
            done, speed = v0 * dt + a * dt * dt / 2, v0 + a * dt
        elif dt <= self._t_up + self._t_cruise:
            done, speed = (peak * peak - v0 * v0) / (2 * a) + peak * (dt - self._t_up), peak
        else:
            left = self.end - t
            done, speed = abs(self.p1 - self.p0) - a * left * left / 2, a * left
        return self.p0 + direction * done, direction * speed


Segment = Brake | Ramp


@dataclass(frozen=True)
class AxisMove:
    """The segments of one axis move, back to back; at rest on the last segment's end point afterwards."""

    segments: tuple[Segment, ...]

    @property
    def end(self) -> float:
        return self.segments[-1].end

    def at(self, t: float) -> tuple[float, float]:
        for segment in self.segments:
            if t < segment.end:
                return segment.at(t)
        return self.segments[-1].p_end, 0.0


def still(t0: float, position: float) -> AxisMove:
    """An axis at rest."""
    return AxisMove((Brake(t0, position, 0.0, 1.0),))


def move_to(t0: float, p0: float, v0: float, p1: float, vmax: float, accel: float) -> AxisMove:
    """From ``p0`` at signed speed ``v0`` to rest on ``p1``: brake first if the current speed points away
    from the target or is too high to stop in time, then ramp."""
    direction = 1.0 if p1 >= p0 else -1.0
    along = v0 * direction
    if along < 0 or along * along / (2 * accel) > abs(p1 - p0):
        brake = Brake(t0, p0, v0, accel)
        return AxisMove((brake, Ramp(brake.end, brake.p_end, p1, 0.0, vmax, accel)))
    return AxisMove((Ramp(t0, p0, p1, along, vmax, accel),))


def stop(t0: float, move: AxisMove, accel: float) -> AxisMove:
    """Abort ``move`` at ``t0``: brake to rest from wherever it is."""
    position, speed = move.at(t0)
    return AxisMove((Brake(t0, position, speed, accel),))
