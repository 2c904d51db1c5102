"""The USD command table (spec §3.7): code -> parameter count, decoding and per-driver action.

An action takes the driver and the raw parameter bytes (their count already checked) and returns
``True`` (ACK), ``False`` (NAK) or, for the four queries, the reply's data bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulators.active_surface.usd import USD

Action = Callable[[USD, bytes], bool | bytes]

SOFT_RESET = 0x01


def _signed(params: bytes) -> int:
    return int.from_bytes(params, "big", signed=True)


@dataclass(frozen=True)
class Command:
    code: int
    name: str
    n_params: int
    action: Action
    query: bool = False
    first_driver_only: bool = False
    """Broadcast reaches only the lowest-index driver (quirk Q5)."""


COMMANDS: dict[int, Command] = {
    c.code: c
    for c in (
        Command(0x01, "soft reset", 0, lambda d, p: d.soft_reset()),
        Command(0x02, "soft trigger", 0, lambda d, p: d.soft_trigger()),
        Command(0x10, "get version", 0, lambda d, p: d.version_byte(), query=True),
        Command(0x11, "soft stop", 0, lambda d, p: d.soft_stop()),
        Command(0x12, "get position", 0, lambda d, p: d.position_bytes(), query=True),
        Command(0x13, "get status", 0, lambda d, p: d.status_bytes(), query=True),
        Command(0x14, "get driver type", 0, lambda d, p: d.driver_type_byte(), query=True),
        Command(0x20, "set min frequency", 2, lambda d, p: d.set_min_frequency(_signed(p))),
        Command(0x21, "set max frequency", 2, lambda d, p: d.set_max_frequency(_signed(p))),
        Command(0x22, "set slope delayer", 1, lambda d, p: d.set_slope_delayer(p[0]), first_driver_only=True),
        Command(0x23, "set reference position", 4, lambda d, p: d.set_reference_position(_signed(p))),
        Command(0x25, "set I/O pins", 1, lambda d, p: d.set_io_pins(p[0])),
        Command(0x26, "set resolution", 1, lambda d, p: d.set_resolution(p[0])),
        Command(0x27, "set current reduction", 1, lambda d, p: d.set_current_reduction(p[0])),
        Command(0x28, "set response delay", 1, lambda d, p: d.set_response_delay(p[0])),
        Command(0x29, "set delayed execution", 1, lambda d, p: d.set_delayed_execution(p[0])),
        Command(0x2A, "set stop I/O", 1, lambda d, p: d.set_stop_io(p[0])),
        Command(0x2B, "set positioning I/O", 1, lambda d, p: d.set_positioning_io(p[0])),
        Command(0x2C, "set home I/O", 1, lambda d, p: d.set_home_io(p[0])),
        Command(0x2D, "set working mode", 2, lambda d, p: d.set_working_mode(p[0])),
        Command(0x30, "set absolute position", 4, lambda d, p: d.set_absolute_position(_signed(p))),
        Command(0x31, "set relative position", 4, lambda d, p: d.set_relative_position(_signed(p))),
        Command(0x32, "rotate", 1, lambda d, p: d.rotate(_signed(p))),
        Command(0x35, "set velocity", 3, lambda d, p: d.set_velocity(_signed(p))),
    )
}
