"""The four minor servos behind the MSCU (Medicina/SRT minor servo control unit): their position
history, drive cabinet state and the answers of each command (see the package docstring)."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from typing import ClassVar

CLOSER = "\r\n"
OMG_EPOCH_OFFSET = 122_192_928_000_000_000
"""100 ns ticks from 1582-10-15 (the OMG/ACS time origin) to the Unix epoch."""
HISTORY_SIZE = 2**15
SETUP_SECONDS = 3.0
SERVOS = {0: "PFP", 1: "SRP", 2: "GFR", 3: "M3R"}
AXES = {"PFP": 3, "SRP": 6, "GFR": 1, "M3R": 1}
STOW_POSITION: dict[str, list[float]] = {
    "PFP": [2730.15, 0, -195],
    "SRP": [-125, -125, -125, 0, 0, 0],
    "GFR": [0],
    "M3R": [0],
}
SPAR_VALUES: dict[tuple[int | float, ...], str] = {(1250, 0): "3", (1240, 0): "10"}
"""``getspar`` answers by (index, subindex): acceleration and maximum speed; anything else is 0."""

Number = int | float


def ctime() -> int:
    """Now, in 100 ns ticks since 1582-10-15 (OMG time)."""
    return int(OMG_EPOCH_OFFSET + time.time() * 10_000_000)


class DriveCabinet:
    """The drive cabinet state; a setup takes ``SETUP_SECONDS`` (state 1), then the servo is ready (0)."""

    states: ClassVar[dict[str, int]] = {
        "ready": 0,
        "starting": 1,
        "block_removed": 2,
        "stow": 3,
        "power_failure": 4,
        "disable": 5,
        "reset_required": 6,
        "blocked": 7,
    }

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._state = self.states["stow"]
        self._ready_at: float | None = None

    @property
    def cab_state(self) -> int:
        if self._ready_at is not None and self._clock() >= self._ready_at:
            self._state, self._ready_at = self.states["ready"], None
        return self._state

    @cab_state.setter
    def cab_state(self, value: int) -> None:
        self._state, self._ready_at = value, None

    def set_state(self, state: str) -> None:
        """Go to the named state; an unknown name changes nothing."""
        if state in self.states:
            self.cab_state = self.states[state]

    def start_setup(self) -> None:
        self.cab_state = self.states["starting"]
        self._ready_at = self._clock() + SETUP_SECONDS


class History:
    """Commanded positions ``[time, axis1, ..., axisN]`` sorted by time (the last 2**15)."""

    def __init__(self, n_axes: int) -> None:
        self.n_axes = n_axes
        self.history: list[list[Number]] = []
        self._lock = threading.Lock()
        self.insert([0] * n_axes)

    def insert(self, position: list[Number], timestamp: Number | None = None) -> None:
        entry = [timestamp or ctime(), *position]
        with self._lock:
            bisect.insort(self.history, entry, key=lambda e: e[0])
            del self.history[:-HISTORY_SIZE]

    def clean(self, since: Number | None = None) -> None:
        """Forget the positions commanded for after ``since`` (default now). DISCOS also drops the
        newest past position when none is in the future; here the past stays."""
        since = since or ctime()
        with self._lock:
            keep = bisect.bisect_right(self.history, since, key=lambda e: e[0])
            del self.history[max(1, keep) :]

    def get(self, target_time: Number | None = None) -> list[Number]:
        """The position at ``target_time`` (default now): the newest entry not after it, linearly
        interpolated towards the next one when there is one; the oldest entry when all are later."""
        target = ctime() if target_time is None else target_time
        with self._lock:
            index = bisect.bisect_right(self.history, target, key=lambda e: e[0]) - 1
            if index < 0:
                return list(self.history[0])
            current = self.history[index]
            if index == len(self.history) - 1:
                return list(current)
            following = self.history[index + 1]
        factor = float(target - current[0]) / (following[0] - current[0])
        return [target] + [(1 - factor) * a + factor * b for a, b in zip(current[1:], following[1:], strict=True)]


class Servo:
    """One minor servo: id 0..3, its axes, history and drive cabinet."""

    ctime = staticmethod(ctime)

    def __init__(self, address: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.id = address
        self.name = SERVOS[address]
        self.axes = AXES[self.name]
        self.stow_position = STOW_POSITION[self.name]
        self.history = History(self.axes)
        self.dc = DriveCabinet(clock)
        self.setpos_NAK = False
        self.stow(0)

    @staticmethod
    def _echo(prefix: str, params: tuple[Number, ...]) -> str:
        return prefix + "".join(f",{p}" for p in params) + CLOSER

    def _both(self, name: str, cmd_num: int, params: tuple[Number, ...]) -> list[str]:
        answer = self._echo(f"@{name}:{cmd_num}={self.id}", params)
        return [answer.replace("@", "?"), answer]

    def _positions(self) -> str:
        return "".join(f",{p}" for p in self.history.get()[1:])

    def getpos(self, cmd_num: int) -> list[str]:
        return [f"?getpos:{cmd_num}={self.id}> {ctime()}{self._positions()}{CLOSER}"]

    def getappstatus(self, cmd_num: int) -> list[str]:
        return [f"?getappstatus:{cmd_num}={self.id}> 0000030D{CLOSER}"]

    def getstatus(self, cmd_num: int) -> list[str]:
        state = f"{ctime()},4,FFFF,{self.dc.cab_state}"  # 4: remote auto; FFFF: everything fine
        return [f"?getstatus:{cmd_num}={self.id}> {state}{self._positions()}{CLOSER}"]

    def setpos(self, cmd_num: int, *params: Number) -> list[str]:
        if self.setpos_NAK or len(params) != self.axes + 3:
            answer = f"!NAK_setpos:{cmd_num}={self.id},cannot set the position{CLOSER}"
            return [answer, answer]
        self.history.insert(list(params[-self.axes :]), params[0])
        return self._both("setpos", cmd_num, params)

    def setup(self, cmd_num: int, *params: Number) -> list[str]:
        self.dc.start_setup()
        return self._both("setup", cmd_num, params)

    def stow(self, cmd_num: int, *params: Number) -> list[str]:
        self.dc.cab_state = DriveCabinet.states["stow"]
        self.history.insert(self.stow_position)
        return self._both("stow", cmd_num, params)

    def disable(self, cmd_num: int, *params: Number) -> list[str]:
        self.dc.cab_state = DriveCabinet.states["stow"]
        return self._both("disable", cmd_num, params)

    def clean(self, cmd_num: int, *params: Number) -> list[str]:
        self.history.clean()
        return self._both("clean", cmd_num, params)

    def getspar(self, cmd_num: int, *params: Number) -> list[str]:
        value = SPAR_VALUES.get(tuple(params[-2:]), "0")
        return [f"?getspar:{cmd_num}={self.id}> {value}{CLOSER}"]

    def setsdatbitb16(self, cmd_num: int, *params: Number) -> list[str]:
        return [self._echo(f"@setsdatbitb16:{cmd_num}={self.id}", params)]

    def stop(self) -> None:
        """Nothing runs in the background (the setup delay is computed when read)."""


COMMANDS = (
    "getpos",
    "getappstatus",
    "getstatus",
    "setpos",
    "setup",
    "stow",
    "disable",
    "clean",
    "getspar",
    "setsdatbitb16",
)
