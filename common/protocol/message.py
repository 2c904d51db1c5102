"""The native pyros message and its JSON codec, sans-IO.

On the wire a message is one frame (``framing.U32_BE``) whose payload is a UTF-8 JSON object::

    {"kind": "request", "id": 7, "type": "Observation finished", "params": {"id": 3}, "sender": "cli"}

``kind`` is ``request`` (a reply is expected), ``notify`` (no reply), ``reply`` (``params`` holds
``{"result": ...}``) or ``error`` (``params`` holds ``{"error": <kind>, "message": <text>}`` plus
details). A reply carries the id of the request it answers.

Limits agree both ways (what can be decoded can be encoded back, and we never send what the peer's
decoder refuses): a message nests at most :data:`MAX_DEPTH` containers (the message object itself is
level 1, ``params`` level 2) and a frame carries at most the size the decoder was given. Decoding
over a limit raises :class:`MalformedMessageError`/:class:`FrameTooLargeError` (the peer's fault);
encoding over it raises :class:`UnencodableMessageError`/:class:`OutgoingFrameTooLargeError` (ours; both
``ValueError``, not ``ProtocolError``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from .exceptions import MalformedMessageError, UnencodableMessageError
from .framing import DEFAULT_MAX_FRAME_SIZE, U32_BE, FrameDecoder, encode_frame

REQUEST = "request"
NOTIFY = "notify"
REPLY = "reply"
ERROR = "error"
KINDS = frozenset({REQUEST, NOTIFY, REPLY, ERROR})

MAX_DEPTH = 64  # containers, counting the message object itself (params: level 2)
MAX_TYPE_LENGTH = 255  # characters of ``type`` (both ways): every reply echoes it

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
# Decoding with orjson: strict RFC 8259 (no NaN/Infinity literals, no lone surrogates) and fast.
# Encoding stays with the standard library, which refuses NaN instead of writing null.
_loads = orjson.loads


@dataclass(frozen=True, slots=True)
class Message:
    """One native message. ``type`` names what is asked (``"STATUS"``, ``"Observation finished"``)."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    sender: str = ""
    kind: str = REQUEST

    @property
    def expects_reply(self) -> bool:
        return self.kind == REQUEST

    def reply(self, result: Any, sender: str = "") -> Message:
        return Message(self.type, {"result": result}, self.id, sender, REPLY)

    def error(self, error: str, text: str, sender: str = "", **details: Any) -> Message:
        return Message(self.type, {"error": error, "message": text, **details}, self.id, sender, ERROR)


def require_message(obj: Any) -> Message:
    """Validate a decoded JSON value as a message; raise :class:`MalformedMessageError` if it is not."""
    if not isinstance(obj, dict):
        raise MalformedMessageError(f"a message is a JSON object, got {type(obj).__name__}")
    kind = obj.get("kind", REQUEST)
    if kind not in KINDS:
        raise MalformedMessageError(f"'kind' must be one of {sorted(KINDS)}, got {kind!r}")
    mtype = obj.get("type")
    if not isinstance(mtype, str) or not mtype:
        raise MalformedMessageError("'type' must be a non-empty string")
    if len(mtype) > MAX_TYPE_LENGTH:
        raise MalformedMessageError(f"'type' of {len(mtype)} characters exceeds the limit of {MAX_TYPE_LENGTH}")
    params = obj.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise MalformedMessageError(f"'params' must be a JSON object, got {type(params).__name__}")
    mid = obj.get("id", 0)
    if not isinstance(mid, int) or isinstance(mid, bool):
        raise MalformedMessageError("'id' must be an integer")
    sender = obj.get("sender", "")
    if not isinstance(sender, str):
        raise MalformedMessageError("'sender' must be a string")
    return Message(mtype, params, mid, sender, kind)


def too_deep(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``obj`` nests more than ``limit`` containers (dict/list/tuple); iterative, no recursion."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


# A JSON text nesting over MAX_DEPTH containers has at least this many bytes (each opens and closes):
# shorter ones (most messages) skip the depth check altogether.
_SHORTEST_TOO_DEEP = 2 * (MAX_DEPTH + 1)


def _may_be_too_deep(data: bytes) -> bool:
    """Cheap pre-check: every container opens with ``{`` or ``[``, so fewer of those than MAX_DEPTH
    (or a text too short to hold them) cannot nest too deeply."""
    return len(data) >= _SHORTEST_TOO_DEEP and data.count(b"{") + data.count(b"[") > MAX_DEPTH


def encode_message(message: Message) -> bytes:
    """JSON payload of ``message`` (no frame header). Raises :class:`UnencodableMessageError` (a
    ``ValueError``) for params JSON cannot carry (NaN, cycles, nesting over :data:`MAX_DEPTH`) and
    ``TypeError`` for values of other types (sets, objects)."""
    if len(message.type) > MAX_TYPE_LENGTH:
        raise UnencodableMessageError(f"type of {len(message.type)} characters exceeds the limit of {MAX_TYPE_LENGTH}")
    obj = {
        "kind": message.kind,
        "id": message.id,
        "type": message.type,
        "params": message.params,
        "sender": message.sender,
    }
    try:
        data = _dumps(obj).encode()
    except RecursionError:
        raise UnencodableMessageError(f"params nest deeper than {MAX_DEPTH} levels (or are cyclic)") from None
    except ValueError as exc:
        raise UnencodableMessageError(str(exc)) from None
    if len(data) >= _SHORTEST_TOO_DEEP and _may_be_too_deep(data) and too_deep(obj):
        raise UnencodableMessageError(f"params nest deeper than {MAX_DEPTH} levels")
    return data


def decode_message(payload: bytes) -> Message:
    try:
        obj = _loads(payload)
    except orjson.JSONDecodeError as exc:
        if "utf-8" in str(exc).lower():
            raise MalformedMessageError(f"payload is not UTF-8: {exc}") from None
        if "depth limit" in str(exc) or "recursion" in str(exc).lower():
            raise MalformedMessageError(f"payload nests deeper than {MAX_DEPTH} levels") from None
        raise MalformedMessageError(f"payload is not JSON: {exc}") from None
    if len(payload) >= _SHORTEST_TOO_DEEP and _may_be_too_deep(payload) and too_deep(obj):
        raise MalformedMessageError(f"payload nests deeper than {MAX_DEPTH} levels")
    return require_message(obj)


def frame_message(message: Message, max_size: int | None = None) -> bytes:
    """The whole frame (header + JSON) for ``message``, ready for one write."""
    return encode_frame(encode_message(message), U32_BE, max_size)


class MessageDecoder:
    """Bytes in, native messages out. Frame and message errors are raised as ProtocolError
    subclasses; after one, the stream is unusable and the connection should close."""

    __slots__ = ("_frames",)

    def __init__(self, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        self._frames = FrameDecoder(U32_BE, max_size)

    @property
    def pending(self) -> int:
        return self._frames.pending

    @property
    def max_size(self) -> int:
        return self._frames.max_size

    def receive_data(self, data: bytes) -> None:
        self._frames.receive_data(data)

    def next_message(self) -> Message | None:
        payload = self._frames.next_frame()
        return None if payload is None else decode_message(payload)

    def feed(self, data: bytes) -> list[Message]:
        self.receive_data(data)
        messages: list[Message] = []
        while (message := self.next_message()) is not None:
            messages.append(message)
        return messages
