"""The Ivy software bus, sans-IO: line codec, per-peer handshake state machine, discovery datagram.

Every TCP message is one line ``"<type> <id>\\x02<params>\\n"`` (UTF-8). A MSG carries the groups
captured by the subscriber's regexp, each followed by ETX (``\\x03``)::

    >>> encode_msg(7, ("1", "abc"))
    b'2 7\\x021\\x03abc\\x03\\n'

:class:`IvyDecoder` takes bytes in any slices (``receive_data``) and yields :class:`IvyMessage`
values (``next_event``); it decodes whole lines as UTF-8, never a recv chunk. :class:`IvyPeerState`
checks a peer's handshake order (START_INIT once and first, regexps, END_INIT). Text containing a
newline, STX or ETX is refused by every encoder (:class:`IvyInvalidTextError`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .exceptions import (
    IvyBusAddressError,
    IvyIllegalStateError,
    IvyInvalidTextError,
    IvyLineTooLongError,
    IvyMalformedAnnounceError,
    IvyMalformedLineError,
)

# Message types.
BYE = 0
ADD_REGEXP = 1
MSG = 2
ERROR = 3
DEL_REGEXP = 4
END_INIT = END_REGEXP = 5
START_INIT = START_REGEXP = 6
DIRECT_MSG = 7
DIE = 8
PING = 9
PONG = 10
MESSAGE_TYPES = range(11)
TYPE_NAMES = (
    "BYE",
    "ADD_REGEXP",
    "MSG",
    "ERROR",
    "DEL_REGEXP",
    "END_INIT",
    "START_INIT",
    "DIRECT_MSG",
    "DIE",
    "PING",
    "PONG",
)

ARG_START = "\x02"
ARG_END = "\x03"
PROTOCOL_VERSION = 3
DEFAULT_PORT = 2010
DEFAULT_BUS = "127.255.255.255:2010"
DEFAULT_MAX_LINE = 1 << 20

_FORBIDDEN = ("\n", ARG_START, ARG_END)
_TYPE_TEXTS = {str(t): t for t in MESSAGE_TYPES}
_new_message = tuple.__new__


class IvyMessage(NamedTuple):
    """One decoded line: ``type`` (0-10), ``id`` and the raw ``params`` text (see :func:`msg_args`)."""

    type: int
    id: int
    params: str

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]

    def args(self) -> tuple[str, ...]:
        """The ETX-separated arguments (the captured groups of a MSG)."""
        return msg_args(self.params)


# --- encoding -------------------------------------------------------------------------------------
def check_text(text: str, what: str = "text") -> str:
    """Return ``text`` unchanged, or raise :class:`IvyInvalidTextError` if Ivy cannot carry it."""
    if not isinstance(text, str):
        raise IvyInvalidTextError(f"Ivy {what} must be a str, not {type(text).__name__}")
    for char in _FORBIDDEN:
        if char in text:
            raise IvyInvalidTextError(f"Ivy {what} must not contain {char!r}: {text[:80]!r}")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as exc:
            raise IvyInvalidTextError(f"Ivy {what} is not encodable as UTF-8 ({exc.reason}): {text[:80]!r}") from None
    return text


def encode_line(msg_type: int, num_id: int, params: str = "") -> bytes:
    """One line; ``params`` is checked (no newline, STX, ETX)."""
    if msg_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown Ivy message type {msg_type!r}")
    check_text(params, "parameter")
    return f"{msg_type} {int(num_id)}\x02{params}\n".encode()


def encode_msg(sub_id: int, args: Sequence[str]) -> bytes:
    """A MSG for subscription ``sub_id``: each argument followed by ETX (``None`` sends empty)."""
    parts = [check_text(arg or "", "argument") for arg in args]
    body = "\x03".join(parts) + "\x03" if parts else ""
    return f"2 {int(sub_id)}\x02{body}\n".encode()


def encode_bye(num_id: int = 0) -> bytes:
    return encode_line(BYE, num_id)


def encode_add_regexp(sub_id: int, regexp: str) -> bytes:
    return encode_line(ADD_REGEXP, sub_id, regexp)


def encode_error(num_id: int, text: str) -> bytes:
    return encode_line(ERROR, num_id, text)


def encode_del_regexp(sub_id: int) -> bytes:
    return encode_line(DEL_REGEXP, sub_id)


def encode_start_init(port: int, name: str) -> bytes:
    return encode_line(START_INIT, port, name)


def encode_end_init() -> bytes:
    return encode_line(END_INIT, 0)


def encode_direct(num_id: int, text: str) -> bytes:
    return encode_line(DIRECT_MSG, num_id, text)


def encode_die(num_id: int = 0, text: str = "") -> bytes:
    return encode_line(DIE, num_id, text)


def encode_ping(ping_id: int) -> bytes:
    return encode_line(PING, ping_id)


def encode_pong(ping_id: int) -> bytes:
    return encode_line(PONG, ping_id)


def encode_handshake(port: int, name: str, regexps: Iterable[tuple[int, str]]) -> bytes:
    """START_INIT, one ADD_REGEXP per subscription, END_INIT: what both sides send first."""
    lines = [encode_start_init(port, name)]
    lines.extend(encode_add_regexp(sub_id, regexp) for sub_id, regexp in regexps)
    lines.append(encode_end_init())
    return b"".join(lines)


# --- decoding -------------------------------------------------------------------------------------
def msg_args(params: str) -> tuple[str, ...]:
    """Split MSG params on ETX like ivy-c: a trailing ETX is dropped; a missing one is tolerated."""
    if not params:
        return ()
    if params[-1] == ARG_END:
        params = params[:-1]
    return tuple(params.split(ARG_END))


def _is_number(text: str) -> bool:
    digits = text[1:] if text[:1] == "-" else text
    return digits.isascii() and digits.isdigit()


def parse_line(line: str) -> IvyMessage:
    """Parse one line (without its newline); raise :class:`IvyMalformedLineError`."""
    head, sep, params = line.partition(ARG_START)
    type_text, space, id_text = head.partition(" ")
    if not sep or not space or not type_text.isascii() or not type_text.isdigit() or not _is_number(id_text):
        raise IvyMalformedLineError(f"bad format request, expected 'type id\\x02params': {line[:80]!r}")
    msg_type = int(type_text)
    if msg_type > PONG:
        raise IvyMalformedLineError(f"unknown Ivy message type {msg_type}: {line[:80]!r}")
    return IvyMessage(msg_type, int(id_text), params)


class IvyDecoder:
    """Bytes in (any slicing) -> :class:`IvyMessage` out, one line at a time.

    A malformed line raises from ``next_event`` once, and is consumed: the next call goes on with
    the following line. A line longer than ``max_line`` bytes raises :class:`IvyLineTooLongError`.
    """

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.max_line = max_line
        self._buffer = bytearray()
        self._lines: deque[str | bytes] = deque()

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete line."""
        return len(self._buffer)

    def receive_data(self, data: bytes) -> None:
        buffer = self._buffer
        if not buffer and data[-1:] == b"\n":  # the common case: whole lines, nothing pending
            try:
                parts: list[str] | list[bytes] = data.decode().split("\n")
            except UnicodeDecodeError:
                parts = data.split(b"\n")
            parts.pop()  # after the final newline
            self._lines.extend(parts)
            return
        buffer += data
        end = buffer.rfind(b"\n")
        if end >= 0:
            chunk = bytes(buffer[:end])
            del buffer[: end + 1]
            # A newline byte never occurs inside a multi-byte UTF-8 sequence: decoding the complete
            # lines at once equals decoding each line. On an error, fall back to line by line.
            try:
                self._lines.extend(chunk.decode().split("\n"))
            except UnicodeDecodeError:
                self._lines.extend(chunk.split(b"\n"))
        if len(buffer) > self.max_line:
            size = len(buffer)
            buffer.clear()
            raise IvyLineTooLongError(size, self.max_line)

    def next_event(self) -> IvyMessage | None:
        """The next complete message, or None when more data is needed."""
        lines = self._lines
        if not lines:
            return None
        line = lines.popleft()
        if isinstance(line, bytes):
            try:
                line = line.decode()
            except UnicodeDecodeError as exc:
                raise IvyMalformedLineError(f"Ivy line is not UTF-8 ({exc.reason}): {line[:80]!r}") from None
        if len(line) > self.max_line:
            raise IvyLineTooLongError(len(line), self.max_line)
        return parse_line(line)

    def events(self) -> list[IvyMessage]:
        """Every complete message up to the first malformed line (the fast path of a reader). When
        the first pending line is malformed it raises, like ``next_event``; [] means more data."""
        lines = self._lines
        out: list[IvyMessage] = []
        append = out.append
        max_line = self.max_line
        while lines:
            line = lines[0]
            if type(line) is str and len(line) <= max_line:
                head, sep, params = line.partition(ARG_START)
                type_text, space, id_text = head.partition(" ")
                if sep and space and id_text.isdigit() and id_text.isascii() and type_text in _TYPE_TEXTS:
                    lines.popleft()
                    append(_new_message(IvyMessage, (_TYPE_TEXTS[type_text], int(id_text), params)))
                    continue
            if out:
                return out  # the caller consumes these before the slow path raises
            event = self.next_event()
            if event is not None:
                append(event)
        return out

    def feed(self, data: bytes) -> list[IvyMessage]:
        """``receive_data`` then every complete message (raises on the first malformed line)."""
        self.receive_data(data)
        out = []
        while (event := self.next_event()) is not None:
            out.append(event)
        return out


# --- handshake --------------------------------------------------------------------------------------
NOT_INITIALIZED = "not initialized"
INITIALIZING = "initializing"
INITIALIZED = "initialized"

_ALWAYS_ALLOWED = frozenset({BYE, ERROR})


class IvyPeerState:
    """What one remote peer told us, checked for order: START_INIT once and first (only BYE and
    ERROR may precede it), then its regexps, then END_INIT once. ``receive`` raises
    :class:`IvyIllegalStateError` on a violation and records the peer's name, port and regexps."""

    def __init__(self) -> None:
        self.state = NOT_INITIALIZED
        self.name: str | None = None
        self.port: int | None = None
        self.regexps: dict[int, str] = {}

    @property
    def initialized(self) -> bool:
        return self.state == INITIALIZED

    def receive(self, message: IvyMessage) -> None:
        msg_type = message.type
        if msg_type in _ALWAYS_ALLOWED:
            return
        if msg_type == START_INIT:
            if self.state != NOT_INITIALIZED:
                raise IvyIllegalStateError(f"START_INIT received twice (from {self.name!r})")
            self.state = INITIALIZING
            self.name = message.params
            self.port = message.id
            return
        if self.state == NOT_INITIALIZED:
            raise IvyIllegalStateError(f"{message.type_name} received before START_INIT")
        if msg_type == END_INIT:
            if self.state == INITIALIZED:
                raise IvyIllegalStateError(f"END_INIT received twice (from {self.name!r})")
            self.state = INITIALIZED
        elif msg_type == ADD_REGEXP:
            self.regexps[message.id] = message.params
        elif msg_type == DEL_REGEXP:
            self.regexps.pop(message.id, None)


# --- discovery ------------------------------------------------------------------------------------------
class Announce(NamedTuple):
    """A UDP discovery datagram: ``"<version> <port> <agent_id> <name>\\n"``."""

    version: int
    port: int
    agent_id: str
    name: str


def encode_announce(port: int, agent_id: str, name: str) -> bytes:
    if not agent_id or any(c.isspace() for c in agent_id):
        raise IvyInvalidTextError(f"an Ivy agent id must be non-empty without spaces: {agent_id!r}")
    check_text(name, "agent name")
    return f"{PROTOCOL_VERSION} {int(port)} {agent_id} {name}\n".encode()


def decode_announce(data: bytes) -> Announce:
    """Parse a datagram; the name may contain spaces (everything after the agent id)."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise IvyMalformedAnnounceError(f"discovery datagram is not UTF-8: {data[:80]!r}") from None
    fields = text.rstrip("\n").split(" ", 3)
    if len(fields) < 2 or not all(f.isascii() and f.isdigit() for f in fields[:2]):
        raise IvyMalformedAnnounceError(f"bad discovery datagram, expected 'version port id name': {text[:80]!r}")
    port = int(fields[1])
    if not 0 < port <= 65535:
        raise IvyMalformedAnnounceError(f"discovery datagram with an invalid port {port}: {text[:80]!r}")
    agent_id = fields[2] if len(fields) > 2 else ""
    name = fields[3] if len(fields) > 3 else ""
    return Announce(int(fields[0]), port, agent_id, name)


def parse_bus(bus: str) -> tuple[list[str], int]:
    """``"127.255.255.255:2010"`` -> ``(["127.255.255.255"], 2010)``; short addresses are padded
    with ``.255`` (``"127"`` -> ``127.255.255.255``); a missing port is 2010."""
    text = bus.strip()
    host_part, colon, port_text = text.rpartition(":")
    if not colon:
        host_part, port_text = text, ""
    port = DEFAULT_PORT
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) <= 65535:
            raise IvyBusAddressError(f"Ivy bus {bus!r}: the port must be 1-65535")
        port = int(port_text)
    addresses = [_pad_address(part, bus) for part in (host_part or "127").split(",")]
    return addresses, port


def _pad_address(part: str, bus: str) -> str:
    octets = part.strip().strip(".").split(".")
    if not 1 <= len(octets) <= 4 or not all(o.isascii() and o.isdigit() and int(o) <= 255 for o in octets):
        raise IvyBusAddressError(f"Ivy bus {bus!r}: {part!r} is not an IPv4 address or prefix")
    octets += ["255"] * (4 - len(octets))
    return ".".join(str(int(o)) for o in octets)


def is_multicast(address: str) -> bool:
    return 224 <= int(address.split(".", 1)[0]) <= 239
