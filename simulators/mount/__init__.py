"""The Mount simulator: an equatorial telescope mount speaking the Meade LX200 command set over TCP.

One server with two addresses sharing one mount: clients of the listening port (10001) send LX200
commands (INDI's ``indi_lx200generic`` connects to it over TCP) and get LX200 replies; clients of the
sending port (10002) receive the mount's status, one JSON line every ``sampling_time`` (see
:mod:`.status`). Each connection has its own command framing; the mount (target, position, precision
mode) is shared, as with a real hand controller. ``manage.py runsimulators mount`` starts it.

Constructor keywords (all optional): ``sampling_time`` (s, 0.1), ``latitude``/``longitude`` (deg, east
positive; La Silla), ``slew_rate`` (deg/s, 5), ``acceleration`` (deg/s^2, 5), ``horizon`` (deg, 0),
``park_ha``/``park_dec`` (deg; the zenith), ``mount_type`` (``fork`` or ``german``),
``meridian_limit`` (deg past the meridian a German mount tracks on its flipped side, 15), ``clock``
(a ``time.time``-like callable). At run time the custom command ``$set_rates:RATE,ACCEL[,HORIZON]%%%%%``
changes the rates (and the horizon).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import SERVER_SHUTDOWN, ListeningSystem, SendingSystem
from simulators.mount.exceptions import MountConfigError
from simulators.mount.framing import ACK_REQUEST, FrameParser
from simulators.mount.lx200 import LX200
from simulators.mount.model import GotoResult, Mount, MountState, Pointing, Site
from simulators.mount.status import decode_status, encode_status
from simulators.utils import ByteString, to_text

__all__ = ["GotoResult", "Mount", "MountState", "Pointing", "Site", "System", "decode_status", "servers"]

LISTEN_PORT = 10001
SEND_PORT = 10002
servers: list[tuple[Any, ...]] = [(("127.0.0.1", LISTEN_PORT), ("127.0.0.1", SEND_PORT), ThreadingTCPServer, {})]


class ConnectionParser:
    """One connection's LX200 framing, executing complete requests on the shared mount."""

    def __init__(self, lx200: LX200) -> None:
        self.lx200 = lx200
        self.frames = FrameParser()

    def parse(self, byte: ByteString) -> bool | str:
        result = self.frames.feed(to_text(byte))
        if result is ACK_REQUEST:
            return self.lx200.ack()
        if isinstance(result, str):
            reply = self.lx200.execute(result)
            return True if reply is None else reply
        return result  # type: ignore[return-value]


class System(ListeningSystem, SendingSystem):
    """The mount: LX200 on the listening port, JSON status lines on the sending port."""

    sampling_time = 0.1

    def __init__(
        self,
        sampling_time: float = 0.1,
        latitude: float = Site.latitude_deg,
        longitude: float = Site.longitude_deg,
        slew_rate: float = 5.0,
        acceleration: float = 5.0,
        horizon: float = 0.0,
        park_ha: float = 0.0,
        park_dec: float | None = None,
        mount_type: str = "fork",
        meridian_limit: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if mount_type not in ("fork", "german"):
            raise MountConfigError(f"mount_type {mount_type!r}: expected 'fork' or 'german'")
        self.sampling_time = float(sampling_time)  # type: ignore[misc]
        self.clock = clock
        site = Site(float(latitude), float(longitude))
        self.mount = Mount(
            clock(),
            site,
            float(slew_rate),
            float(acceleration),
            float(horizon),
            float(park_ha),
            None if park_dec is None else float(park_dec),
            german=mount_type == "german",
            meridian_limit_deg=float(meridian_limit),
        )
        self.lx200 = LX200(self.mount, clock)
        self._parser = ConnectionParser(self.lx200)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._publish_loop, name="mount status", daemon=True)
        self._thread.start()

    def parse(self, byte: ByteString) -> bool | str:
        return self._parser.parse(byte)

    def new_parser(self) -> ConnectionParser:
        return ConnectionParser(self.lx200)

    def status(self) -> bytes:
        """The current status line (what the sending port pushes)."""
        return encode_status(self.mount, self.mount.pointing(self.clock()), self.lx200.last_goto_at)

    def _publish_loop(self) -> None:
        deadline = time.monotonic()
        while not self._stop.wait(max(0.0, deadline - time.monotonic())):
            if self.subscribers():
                self.publish(self.status())
            deadline = max(deadline + self.sampling_time, time.monotonic())

    def set_rates(self, slew_rate: str, acceleration: str, horizon: str = "") -> str:
        """Custom command ``$set_rates:RATE,ACCEL[,HORIZON]%%%%%`` (deg/s, deg/s^2, deg): for tests and
        operators that start the simulator with ``runsimulators`` and want faster or slower slews."""
        try:
            self.mount.set_rates(float(slew_rate), float(acceleration), float(horizon) if horizon else None)
        except ValueError as exc:  # not numbers, or MountConfigError
            return f"$error:{exc}%%%%%"
        return "$ok%%%%%"

    def system_stop(self) -> str:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5.0)
        return SERVER_SHUTDOWN
