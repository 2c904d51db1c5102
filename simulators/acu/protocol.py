"""The ACU's command protocol, sans-IO: framing byte by byte, decoding and encoding commands.

A message: start flag ``1A CF FC 1D``, UINT32 total length, UINT32 command counter, UINT32 number of
commands, the commands, end flag ``D1 CF FC A1`` (little endian throughout). Commands:

* mode (id 1, 26 bytes): UINT16 1, UINT16 subsystem, UINT32 counter, INT16 mode, REAL64 p1, REAL64 p2;
* parameter (id 2, 26 bytes): UINT16 2, UINT16 subsystem, UINT32 counter, UINT16 parameter, REAL64 p1, p2;
* program track parameter (id 4): UINT16 4, UINT16 subsystem, UINT32 counter, UINT16 parameter (61),
  interpolation mode (4), tracking mode (1), load mode (1 new table, 2 append), sequence length,
  REAL64 start time (MJD), azimuth and elevation maximum rates, then per entry INT32 relative time
  (ms), REAL64 azimuth, REAL64 elevation (20 bytes).

Subsystems: 1 azimuth, 2 elevation, 5 pointing. The ACU never answers on this connection: what it did
is in its status stream (the received/executed command blocks).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from simulators.exceptions import MalformedInputError

START_FLAG = b"\x1a\xcf\xfc\x1d"
END_FLAG = b"\xd1\xcf\xfc\xa1"
HEADER = struct.Struct("<4sIII")  # flag, length, counter, number of commands
MODE = struct.Struct("<HHihdd")
PARAMETER = struct.Struct("<HHIHdd")
TRACK_HEADER = struct.Struct("<HHIHHHHHddd")
TRACK_ENTRY = struct.Struct("<idd")
MAX_ENTRIES = 1000  # per program track command on the wire (the ACU accepts 50: more are answered 5)
MAX_MESSAGE = HEADER.size + 3 * (TRACK_HEADER.size + MAX_ENTRIES * TRACK_ENTRY.size) + len(END_FLAG)


@dataclass
class ModeRequest:
    subsystem: int
    counter: int
    mode_id: int
    parameter_1: float
    parameter_2: float
    command_id = 1


@dataclass
class ParameterRequest:
    subsystem: int
    counter: int
    parameter_id: int
    parameter_1: float
    parameter_2: float
    command_id = 2


@dataclass
class ProgramTrackRequest:
    subsystem: int
    counter: int
    parameter_id: int
    interpolation_mode: int
    tracking_mode: int
    load_mode: int
    sequence_length: int
    start_time: float  # MJD
    azimuth_rate: float
    elevation_rate: float
    entries: list[tuple[int, float, float]] = field(default_factory=list)  # (ms, az, el)
    command_id = 4


Request = ModeRequest | ParameterRequest | ProgramTrackRequest


class Framer:
    """Cuts messages out of a byte stream, as DISCOS's ACU does; remembers the last command counter.

    :meth:`feed` takes one byte: False if it cannot start a message, True while a message is
    incomplete, the complete message (``bytes``) otherwise. Raises :class:`MalformedInputError` (and
    starts over) for a repeated command counter, a length outside 21..``MAX_MESSAGE`` or a wrong end flag.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.length = 0
        self.last_counter: int | None = None

    def reset(self) -> None:
        self.buffer.clear()
        self.length = 0

    def feed(self, byte: int) -> bool | bytes:
        buffer = self.buffer
        buffer.append(byte)
        size = len(buffer)
        if size <= 4:
            if buffer != START_FLAG[:size]:
                self.reset()
                return False
            return True
        if size == 8:
            self.length = int.from_bytes(buffer[4:8], "little")
            if not HEADER.size + len(END_FLAG) < self.length <= MAX_MESSAGE:
                self.reset()
                raise MalformedInputError(f"Wrong message length {self.length}.")
        elif size == 12:
            counter = int.from_bytes(buffer[8:12], "little")
            if counter == self.last_counter:
                self.reset()
                raise MalformedInputError("Duplicated command counter.")
            self.last_counter = counter
        elif size > HEADER.size and size == self.length:
            message = bytes(buffer)
            self.reset()
            if message[-4:] != END_FLAG:
                raise MalformedInputError(f"Wrong end flag: got {message[-4:].hex()}, expected {END_FLAG.hex()}.")
            return message
        return True


def decode_message(message: bytes) -> list[Request]:
    """The commands of a complete message; MalformedInputError if they do not add up, repeat a
    subsystem or are of an unknown kind."""
    count = int.from_bytes(message[12:16], "little", signed=True)
    body = message[HEADER.size : -len(END_FLAG)]
    requests: list[Request] = []
    while body:
        request, size = _decode_one(body)
        body = body[size:]
        if any(r.subsystem == request.subsystem for r in requests):
            raise MalformedInputError(f"More than one command for subsystem {request.subsystem}.")
        requests.append(request)
    if len(requests) != count:
        raise MalformedInputError("Malformed message.")
    return requests


def _decode_one(body: bytes) -> tuple[Request, int]:
    kind = int.from_bytes(body[:2], "little")
    if kind in (1, 2):
        if len(body) < MODE.size:
            raise MalformedInputError("Malformed message.")
        if kind == 1:
            _, subsystem, counter, mode, p1, p2 = MODE.unpack_from(body)
            return ModeRequest(subsystem, counter, mode, p1, p2), MODE.size
        _, subsystem, counter, parameter, p1, p2 = PARAMETER.unpack_from(body)
        return ParameterRequest(subsystem, counter, parameter, p1, p2), PARAMETER.size
    if kind != 4:
        raise MalformedInputError("Unknown command.")
    if len(body) < TRACK_HEADER.size:
        raise MalformedInputError("Malformed program track sequence.")
    fields = TRACK_HEADER.unpack_from(body)
    size = TRACK_HEADER.size + fields[7] * TRACK_ENTRY.size
    if len(body) < size:
        raise MalformedInputError("Malformed program track sequence.")
    entries = [TRACK_ENTRY.unpack_from(body, TRACK_HEADER.size + i * TRACK_ENTRY.size) for i in range(fields[7])]
    return ProgramTrackRequest(*fields[1:], entries=entries), size  # type: ignore[arg-type]


# --- encoding (the client side) ------------------------------------------------------------------
def encode_mode(subsystem: int, counter: int, mode_id: int, p1: float = 0.0, p2: float = 0.0) -> bytes:
    return MODE.pack(1, subsystem, counter, mode_id, p1, p2)


def encode_parameter(subsystem: int, counter: int, parameter_id: int, p1: float = 0.0, p2: float = 0.0) -> bytes:
    return PARAMETER.pack(2, subsystem, counter, parameter_id, p1, p2)


def encode_program_track(request: ProgramTrackRequest) -> bytes:
    header = TRACK_HEADER.pack(
        4, request.subsystem, request.counter, request.parameter_id, request.interpolation_mode,
        request.tracking_mode, request.load_mode, len(request.entries), request.start_time,
        request.azimuth_rate, request.elevation_rate,
    )  # fmt: skip
    return header + b"".join(TRACK_ENTRY.pack(int(t), az, el) for t, az, el in request.entries)


def encode_message(counter: int, commands: list[bytes]) -> bytes:
    body = b"".join(commands)
    return HEADER.pack(START_FLAG, HEADER.size + len(body) + len(END_FLAG), counter, len(commands)) + body + END_FLAG
