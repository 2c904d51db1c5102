"""LX200 client codec, sans-IO: commands to bytes, reply bytes (fed in any pieces) to replies.

LX200 replies carry no command name, so the codec remembers what it sent and what kind of reply each
command gets: none (``:Q#``, ``:hP#``), one character (``:Sr``/``:Sd`` -> ``1``/``0``, ACK ->
alignment letter), ``:MS#`` (``0``, or a digit and a message up to ``#``), or text up to ``#``
(getters, ``:D#``, ``:CM#``). Replies come back in order.
"""

from __future__ import annotations

import enum
import re
from collections import deque
from dataclasses import dataclass

from scheduler.mount.exceptions import MountCallerError, MountPeerError

MAX_REPLY = 128
"""Longest reply text accepted (classic LX200 ``:D#`` replies are 33 bytes)."""


class ReplyKind(enum.Enum):
    NONE = "none"
    CHAR = "char"
    GOTO = "goto"
    TEXT = "text"


@dataclass(frozen=True)
class Command:
    name: str
    wire: bytes
    kind: ReplyKind


@dataclass(frozen=True)
class Reply:
    command: Command
    text: str
    """The reply without its ``#`` terminator."""


def _sexagesimal(value: float, signed: bool) -> str:
    total = round(abs(value) * 3600)
    whole, rest = divmod(total, 3600)
    sign = ("-" if value < 0 and total else "+") if signed else ""
    return f"{sign}{whole:02d}:{rest // 60:02d}:{rest % 60:02d}"


def ack() -> Command:
    return Command("ACK", b"\x06", ReplyKind.CHAR)


def get_ra() -> Command:
    return Command("GR", b":GR#", ReplyKind.TEXT)


def get_dec() -> Command:
    return Command("GD", b":GD#", ReplyKind.TEXT)


def set_target_ra(ra_deg: float) -> Command:
    if not 0 <= ra_deg < 360:
        raise MountCallerError(f"right ascension {ra_deg} deg is outside 0..360")
    hours = _sexagesimal(ra_deg / 15.0, signed=False)
    if hours.startswith("24"):
        hours = "00" + hours[2:]
    return Command("Sr", f":Sr{hours}#".encode(), ReplyKind.CHAR)


def set_target_dec(dec_deg: float) -> Command:
    if not -90 <= dec_deg <= 90:
        raise MountCallerError(f"declination {dec_deg} deg is outside -90..90")
    degrees, minutes, seconds = _sexagesimal(dec_deg, signed=True).split(":")
    return Command("Sd", f":Sd{degrees}*{minutes}:{seconds}#".encode(), ReplyKind.CHAR)


def goto() -> Command:
    return Command("MS", b":MS#", ReplyKind.GOTO)


def slew_status() -> Command:
    return Command("D", b":D#", ReplyKind.TEXT)


def abort() -> Command:
    return Command("Q", b":Q#", ReplyKind.NONE)


def park() -> Command:
    return Command("hP", b":hP#", ReplyKind.NONE)


_FIELDS = re.compile(r"\s*([+-]?)(\d+)[^\d]+(\d+(?:\.\d+)?)(?:[^\d]+(\d+(?:\.\d+)?))?\s*")


def parse_sexagesimal(text: str) -> float:
    """``HH:MM:SS``, ``HH:MM.T``, ``sDD*MM'SS``, ``sDD\\xdfMM`` -> decimal (hours or degrees)."""
    match = _FIELDS.fullmatch(text)
    if match is None:
        raise MountPeerError(f"not a sexagesimal value: {text!r}")
    sign, whole, minutes, seconds = match.groups()
    value = int(whole) + float(minutes) / 60 + float(seconds or 0) / 3600
    return -value if sign == "-" else value


def parse_ra(text: str) -> float:
    """A ``:GR#`` reply -> degrees."""
    return parse_sexagesimal(text) * 15.0


def parse_dec(text: str) -> float:
    """A ``:GD#`` reply -> degrees."""
    return parse_sexagesimal(text)


def slew_complete(text: str) -> bool:
    """A ``:D#`` reply: the slew is over when nothing but spaces precede the ``#`` (INDI's reading)."""
    return text.strip(" ") == ""


def goto_outcome(text: str) -> tuple[int, str]:
    """A ``:MS#`` reply -> (0 slewing / 1 below horizon / 2 busy ..., message)."""
    if not text or not text[0].isdigit():
        raise MountPeerError(f"not a goto reply: {text!r}")
    return int(text[0]), text[1:]


class LX200ClientCodec:
    """Tracks the commands sent and cuts the reply stream into :class:`Reply` objects."""

    def __init__(self) -> None:
        self._pending: deque[Command] = deque()
        self._buffer = bytearray()

    @property
    def waiting(self) -> int:
        """Replies still expected."""
        return len(self._pending)

    def send(self, command: Command) -> bytes:
        """The bytes to write for ``command`` (its reply, if any, is now expected)."""
        if command.kind is not ReplyKind.NONE:
            self._pending.append(command)
        return command.wire

    def receive_data(self, data: bytes) -> list[Reply]:
        """Feed received bytes (any split); the replies they complete, in order."""
        replies = []
        for value in data:
            reply = self._feed(value)
            if reply is not None:
                replies.append(reply)
        return replies

    def _feed(self, value: int) -> Reply | None:
        if not self._pending:
            raise MountPeerError(f"unexpected byte 0x{value:02x} with no reply expected")
        command = self._pending[0]
        ch = chr(value)
        first = not self._buffer
        if command.kind is ReplyKind.CHAR or (command.kind is ReplyKind.GOTO and first and ch == "0"):
            return self._complete(ch)
        if ch == "#":
            return self._complete(self._buffer.decode("latin-1"))
        if len(self._buffer) >= MAX_REPLY:
            raise MountPeerError(f"reply to :{command.name}# longer than {MAX_REPLY} bytes")
        self._buffer.append(value)
        return None

    def _complete(self, text: str) -> Reply:
        command = self._pending.popleft()
        self._buffer.clear()
        return Reply(command, text)
