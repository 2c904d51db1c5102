"""The VOEvent Transport Protocol (VTP), sans-IO: bytes in, messages and the bytes to answer out.

A VTP frame is a 4-byte big-endian length followed by that many bytes of XML: either a VOEvent or a
``<trn:Transport role=...>`` message (``authenticate``, ``iamalive``, ``ack``, ``nak``) with ``Origin``,
``Response``, ``TimeStamp`` and an optional ``Meta``.

- :class:`FrameDecoder` splits a byte stream into frames (feed it one byte at a time if you like).
- :class:`SubscriberConnection` is the subscriber's side of a broker connection: it answers
  ``authenticate`` and ``iamalive`` and acknowledges each VOEvent *as soon as its frame is complete*
  (the caller sends :meth:`data_to_send` before doing anything else with the event).
- :class:`AuthorConnection` is an author's side of a one-shot submission: send a VOEvent, read ack/nak.

Nothing here touches a socket, a thread or Django.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from .exceptions import VTPProtocolError

TRANSPORT_NS = "http://www.telescope-networks.org/xml/Transport/v1.1"
DEFAULT_MAX_FRAME = 4 * 1024 * 1024
_LENGTH = struct.Struct(">I")
# One parser for every caller: lxml serialises the use of a parser between threads with its own lock.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
)


class NeedData:
    """Returned by ``next_*`` when the bytes received so far do not complete a message."""

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()


@dataclass(frozen=True, slots=True)
class Transport:
    """A Transport message: ``role`` is authenticate, iamalive, ack or nak."""

    role: str
    origin: str | None = None
    response: str | None = None
    timestamp: str | None = None
    result: str | None = None  # a nak's Meta/Result
    params: dict[str, list[str]] = field(default_factory=dict)  # Meta/Param name -> values


@dataclass(frozen=True, slots=True)
class VOEventFrame:
    """A VOEvent as it came (``payload``: the raw bytes); ``ivorn`` is None if it could not be read."""

    payload: bytes
    ivorn: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A frame that is neither a Transport message nor a VOEvent (kept for the record)."""

    payload: bytes
    reason: str


Message = Transport | VOEventFrame | Unreadable


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def transport_message(
    role: str,
    origin: str | None,
    response: str | None = None,
    *,
    params: dict[str, list[str]] | None = None,
    result: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The XML of a Transport message (children in the schema's order: Origin, Response, TimeStamp, Meta)."""
    root = etree.Element(f"{{{TRANSPORT_NS}}}Transport", nsmap={"trn": TRANSPORT_NS})
    root.set("version", "1.0")
    root.set("role", role)
    if origin is not None:
        etree.SubElement(root, "Origin").text = origin
    if response is not None:
        etree.SubElement(root, "Response").text = response
    etree.SubElement(root, "TimeStamp").text = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if params or result:
        meta = etree.SubElement(root, "Meta")
        for name, values in (params or {}).items():
            for value in values:
                etree.SubElement(meta, "Param", name=name, value=value)
        if result:
            etree.SubElement(meta, "Result").text = result
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def decode(payload: bytes) -> Message:
    """What one frame's payload is."""
    if b"<!DOCTYPE" in payload or b"<!ENTITY" in payload:
        return Unreadable(payload, "DOCTYPE/DTD not allowed")
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError as exc:
        return Unreadable(payload, f"malformed XML: {exc}")
    name = etree.QName(root).localname
    if name == "VOEvent":
        return VOEventFrame(payload, (root.get("ivorn") or "").strip() or None, root.get("role"))
    if name != "Transport":
        return Unreadable(payload, f"unexpected root element {name!r}")
    params: dict[str, list[str]] = {}
    for param in root.iterfind("Meta/Param"):
        params.setdefault(param.get("name") or "", []).append(param.get("value") or "")
    return Transport(
        role=root.get("role") or "",
        origin=_text(root, "Origin"),
        response=_text(root, "Response"),
        timestamp=_text(root, "TimeStamp"),
        result=_text(root, "Meta/Result"),
        params=params,
    )


def _text(root: etree._Element, path: str) -> str | None:
    element = root.find(path)
    return None if element is None or element.text is None else element.text.strip()


class FrameDecoder:
    """Length-prefixed frames out of a byte stream."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def next_frame(self) -> bytes | NeedData:
        if len(self._buffer) < 4:
            return NEED_DATA
        (length,) = _LENGTH.unpack_from(self._buffer)
        if length > self.max_frame:
            raise VTPProtocolError(
                f"frame of {length} bytes announced, over the limit of {self.max_frame} "
                "(a little-endian length prefix?)"
            )
        end = 4 + length
        if len(self._buffer) < end:
            return NEED_DATA
        payload = bytes(self._buffer[4:end])
        del self._buffer[:end]
        return payload


class SubscriberConnection:
    """A subscriber's view of one broker connection.

    Feed it with :meth:`receive_data`, take messages with :meth:`next_message`, and send
    :meth:`data_to_send` after each one: the answers (authenticate, iamalive, ack) are queued before the
    message is returned, so acknowledging never waits on what the caller does with the event.
    """

    def __init__(
        self,
        local_ivo: str,
        *,
        filters: list[str] | None = None,
        max_frame: int = DEFAULT_MAX_FRAME,
    ) -> None:
        self.local_ivo = local_ivo
        self.filters = list(filters or [])
        self.decoder = FrameDecoder(max_frame)
        self._outgoing = bytearray()
        self.broker_ivo: str | None = None
        self.authenticated = False
        self.events = 0
        self.acks = 0
        self.iamalives = 0
        self.unreadable = 0

    def receive_data(self, data: bytes) -> None:
        self.decoder.receive_data(data)

    def next_message(self) -> Message | NeedData:
        payload = self.decoder.next_frame()
        if isinstance(payload, NeedData):
            return payload
        message = decode(payload)
        if isinstance(message, VOEventFrame):
            self.events += 1
            self._ack(message.ivorn)
        elif isinstance(message, Transport):
            self._answer(message)
        else:
            self.unreadable += 1
            self._ack(None)  # a subscriber that naks is dropped by the broker: take it and record it
        return message

    def _answer(self, message: Transport) -> None:
        if message.role == "authenticate":
            self.broker_ivo = message.origin
            self.authenticated = True
            params = {"xpath-filter": self.filters} if self.filters else None
            self._queue(transport_message("authenticate", message.origin, self.local_ivo, params=params))
        elif message.role == "iamalive":
            self.broker_ivo = message.origin or self.broker_ivo
            self.iamalives += 1
            self._queue(transport_message("iamalive", message.origin, self.local_ivo))
        # ack/nak are not sent to subscribers; anything else is returned to the caller as it is

    def _ack(self, ivorn: str | None) -> None:
        self.acks += 1
        self._queue(transport_message("ack", ivorn or "", self.local_ivo))

    def _queue(self, payload: bytes) -> None:
        self._outgoing += frame(payload)

    def data_to_send(self) -> bytes:
        data = bytes(self._outgoing)
        self._outgoing.clear()
        return data


class AuthorConnection:
    """An author's one-shot submission: :meth:`send_event` then feed the reply until ack or nak."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.decoder = FrameDecoder(max_frame)
        self.sent_ivorn: str | None = None

    def send_event(self, payload: bytes) -> bytes:
        message = decode(payload)
        if not isinstance(message, VOEventFrame) or message.ivorn is None:
            raise VTPProtocolError("only a VOEvent with an IVORN can be submitted")
        self.sent_ivorn = message.ivorn
        return frame(payload)

    def receive_data(self, data: bytes) -> None:
        self.decoder.receive_data(data)

    def next_reply(self) -> Transport | NeedData:
        payload = self.decoder.next_frame()
        if isinstance(payload, NeedData):
            return payload
        message = decode(payload)
        if not isinstance(message, Transport) or message.role not in ("ack", "nak"):
            raise VTPProtocolError(f"expected ack or nak, got {_what(message)}")
        return message


def _what(message: Message) -> str:
    if isinstance(message, Transport):
        return f"Transport role={message.role!r}"
    if isinstance(message, VOEventFrame):
        return f"VOEvent {message.ivorn}"
    return f"unreadable frame ({message.reason})"
