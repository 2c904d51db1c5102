"""The calibration multiplexer simulator (DISCOS ``calmux``): TCP 12500, one-letter commands.

A message is a command letter, space-separated integer arguments and a ``\\n`` or ``\\r``, at most 7
characters in all (``I 16 1\\n``):

* ``I CH POL`` selects input channel CH (0..16) with polarity POL (0/1) -> ``ack\\n``
* ``C CAL`` switches the calibration mark of the slow channel (16) on/off (0/1) -> ``ack\\n``
* ``?`` -> ``CH POL CAL\\n`` of the selected channel (``16 0 0`` at start)
* ``F MS`` integrates for MS milliseconds (0..5000), then answers ``0 0 0`` (no newline, as DISCOS)

Wrong argument count, value or type -> ``nak\\n``. A first byte that is not a command letter returns
False; a 7th character that is not a terminator raises (message too long).
"""

from __future__ import annotations

import threading
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.utils import ByteString, to_text

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 12500), (), ThreadingTCPServer, {})]

TERMINATORS = ("\n", "\r")
MAX_MESSAGE = 7
CHANNELS = 17
SLOW_CHANNEL = 16
MAX_PERIOD_MS = 5000
ACK, NAK = "ack\n", "nak\n"


class System(ListeningSystem):
    """Selected channel, per-channel polarity and calibration flags, shared by every client."""

    def __init__(self) -> None:
        self.current_channel = SLOW_CHANNEL
        self.polarities = [0] * CHANNELS
        self.calon = [0] * CHANNELS
        self.msg = ""
        self._stopped = threading.Event()

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        self.msg += ch
        if len(self.msg) == 1:
            if ch in ("I", "C", "F", "?"):
                return True
            self.msg = ""
            return False
        if ch not in TERMINATORS:
            if len(self.msg) < MAX_MESSAGE:
                return True
            self.msg = ""
            raise MalformedInputError(f"Message too long: max length should be {MAX_MESSAGE}")
        message, self.msg = self.msg[:-1], ""
        return self.execute(message)

    def execute(self, message: str) -> str:
        letter, *words = [w.strip() for w in message.split(" ")]
        try:
            params = [int(w) for w in words]
        except ValueError:
            return NAK
        if letter == "I":
            return self.set_input(params)
        if letter == "C":
            return self.set_calibration(params)
        if letter == "?":
            return self.get_status(params)
        return self.get_frequency(params)

    def set_input(self, params: list[int]) -> str:
        if len(params) != 2 or params[0] not in range(CHANNELS) or params[1] not in (0, 1):
            return NAK
        channel, polarity = params
        self.current_channel = channel
        self.polarities[channel] = polarity
        return ACK

    def set_calibration(self, params: list[int]) -> str:
        if len(params) != 1 or params[0] not in (0, 1):
            return NAK
        self.calon[SLOW_CHANNEL] = params[0]
        return ACK

    def get_status(self, params: list[int]) -> str:
        if params:
            return NAK
        channel = self.current_channel
        return f"{channel} {self.polarities[channel]} {self.calon[channel]}\n"

    def get_frequency(self, params: list[int]) -> str:
        if len(params) != 1 or not 0 <= params[0] <= MAX_PERIOD_MS:
            return NAK
        self._stopped.wait(params[0] / 1000)  # the integration period; cut short when the server stops
        return "0 0 0"

    def system_stop(self) -> str:
        self._stopped.set()
        return super().system_stop()
