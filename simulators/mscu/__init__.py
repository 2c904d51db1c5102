"""The minor servo control unit simulator (DISCOS ``mscu``): TCP 10000, four servos (0 PFP, 1 SRP,
2 GFR, 3 M3R) with 3, 6, 1, 1 axes.

A request is ``#CMD:NUM=SERVO[,P1,...]`` ended by ``\\r\\n`` or ``\\n\\r`` (``!``, ``?``, ``@`` also start
one; a start byte always restarts). Parameters are integers, ``0x`` hexadecimal or floats (with a
``.``); answers echo them converted. Most commands answer twice, a ``?`` acknowledgement then the ``@``
completion, both ended by ``\\r\\n``:

* ``setpos:N=S,TIME,X,Y,P1..Paxes`` stores a commanded position at TIME (0 = now); a wrong count,
  or the ``$system_setpos_NAK%%%%%`` custom command (undone by ``$system_setpos_ACK%%%%%``) ->
  ``!NAK_setpos:N=S,cannot set the position`` twice;
* ``setup`` (cabinet state 1 for 3 s, then 0 ready), ``stow`` (state 3, stow position), ``disable``
  (state 3), ``clean`` (forget future positions): ``?...`` then ``@...``;
* ``getpos`` -> ``?getpos:N=S> TIME,P1..``; ``getstatus`` -> ``?getstatus:N=S> TIME,4,FFFF,STATE,P1..``
  (TIME in 100 ns since 1582-10-15, positions interpolated at TIME); ``getappstatus`` ->
  ``?getappstatus:N=S> 0000030D``; ``getspar:N=S,..,IDX,SUB`` -> 3 (1250,0), 10 (1240,0) or 0;
  ``setsdatbitb16`` -> ``@...`` once.

A malformed request or unknown command raises ValueError; an unknown servo raises a KeyError (DISCOS's
lookup error). No reply in either case.
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError, UnknownDriverError
from simulators.mscu.servo import COMMANDS, SERVOS, Number, Servo
from simulators.utils import ByteString, to_text

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 10000), (), ThreadingTCPServer, {})]

HEADERS = ("#", "!", "?", "@")
CLOSERS = ("\r\n", "\n\r")
MAX_MESSAGE = 1024


def _number(text: str) -> Number:
    text = text.strip()
    if "x" in text:
        return int(text, 16)
    if "." in text:
        return float(text)
    return int(text)


def split_request(message: str) -> tuple[str, int, list[Number]]:
    """``#cmd:N=S,P1,...`` -> ``("cmd", N, [S, P1, ...])``; ValueError if malformed."""
    try:
        head, params_text = message[1:].rstrip().split("=")
        command, number = head.split(":")
        return command, int(number), [_number(p) for p in params_text.split(",")]
    except ValueError:
        raise MalformedInputError(f"Invalid message: {message!r}") from None


class System(ListeningSystem):
    """The four servos, shared by every client."""

    def __init__(self) -> None:
        self.servos = {address: Servo(address) for address in SERVOS}
        self.setpos_nak = False
        self.msg = ""

    def system_setpos_NAK(self) -> None:
        """Custom command: every ``setpos`` is refused until ``system_setpos_ACK``."""
        self.setpos_nak = True

    def system_setpos_ACK(self) -> None:
        self.setpos_nak = False

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        self.msg = ch if ch in HEADERS else self.msg + ch
        if not self.msg.startswith(HEADERS) or len(self.msg) > MAX_MESSAGE:
            self.msg = ""
            return False
        if not self.msg.endswith(CLOSERS):
            return True
        message, self.msg = self.msg, ""
        return self.execute(message)

    def execute(self, message: str) -> str:
        command, number, params = split_request(message)
        address = params[0]
        servo = self.servos.get(address) if isinstance(address, int) else None
        if servo is None:
            raise UnknownDriverError(f"no servo {params[0]}")
        if command not in COMMANDS:
            raise MalformedInputError(f"Command {command} unknown!")
        servo.setpos_NAK = self.setpos_nak
        return "".join(getattr(servo, command)(number, *params[1:]))
