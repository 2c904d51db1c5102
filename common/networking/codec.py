"""autopilot-compatible Net_Node messages and ZMQ frame layouts, sans-IO.

A message body is one UTF-8 JSON object (``autopilot.networking.Message``)::

    {"id": "c_0", "to": "raw", "sender": "c", "key": "HELLO", "value": {...},
     "timestamp": "2026-11-22T03:54:25.582535", "changed": false, "flags": {"NOREPEAT": true},
     "blosc": false, "ttl": 2}

``id`` is ``"<sender>_<counter>"``; extra keyword fields are top-level fields. numpy arrays travel
as ``{"NUMPY_ARRAY": <base64 of tobytes()>, "DTYPE": str, "SHAPE": [..]}`` (see netnode_arrays).

Frames (lists of ``bytes`` for one ZMQ multipart message):

- a Net_Node (DEALER, identity = its id) sends ``[hop0, recipient, body]``: hop0 is the recipient
  itself when it is a known direct peer (or ``force_to``), else the upstream Station;
- with ``to`` a list ``[h1..hn]`` it sends ``[h1, ..., hn, hn, body]`` (multihop);
- a ROUTER receives ``[sender_identity, *those frames]``;
- a Station forwards (:func:`station_route`) ``[to, body]`` to a child, ``[push_id, to, body]``
  upstream, multihop frames minus its own hop; an empty last frame is a ping (echoed), a last frame
  ``b"CLOSING"`` stops the Station.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .arrays import ARRAY_KEY, PendingArray, expand_pending, json_default, read_array_dict
from .exceptions import NetFrameError, NetMessageError

NOREPEAT = "NOREPEAT"
MINPRINT = "MINPRINT"
NOLOG = "NOLOG"
CONFIRM = "CONFIRM"
STREAM = "STREAM"
DEFAULT_TTL = 2
PING = b""
CLOSING = b"CLOSING"

FIELDS = ("id", "to", "sender", "key", "value", "timestamp", "changed", "flags", "blosc", "ttl")
_RESERVED = frozenset(FIELDS) | {"serialized"}

_loads = json.loads
_decoder = json.JSONDecoder()
# the C scanner when available: json.loads without its Python wrapper
_scan: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once  # type: ignore[attr-defined]
_ws = re.compile(r"[ \t\n\r]*").match
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_encoder is not None:  # json.dumps' C encoder, called directly (autopilot's separators)
    _encode_obj = _c_encoder(
        None, json_default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )

    def _dumps(obj: Any) -> str:
        return "".join(_encode_obj(obj, 0))

else:  # pragma: no cover - CPython always has the C encoder
    _py_encoder = json.JSONEncoder(default=json_default, check_circular=False)

    def _dumps(obj: Any) -> str:
        return _py_encoder.encode(obj)


@dataclass(slots=True)
class NetMessage:
    """One Net_Node message (``autopilot.networking.Message``); ``extra`` holds extra top-level fields."""

    id: str
    to: str | list[str]
    sender: str
    key: str
    value: Any = None
    timestamp: str = ""
    changed: bool = False
    flags: dict[str, Any] = field(default_factory=dict)
    blosc: bool = False
    ttl: int = DEFAULT_TTL
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def recipient(self) -> str:
        """The final recipient (the last hop of a multihop ``to``)."""
        return self.to[-1] if isinstance(self.to, list) else self.to

    @property
    def wants_confirm(self) -> bool:
        """The receiver answers CONFIRM (not to CONFIRMs, not to NOREPEAT messages)."""
        return self.key != CONFIRM and NOREPEAT not in self.flags

    def __getitem__(self, name: str) -> Any:
        if name in FIELDS:
            return getattr(self, name)
        return self.extra[name]

    def __contains__(self, name: object) -> bool:
        return name in FIELDS or name in self.extra

    def __str__(self) -> str:
        head = f"ID: {self.id}; TO: {self.to}; SENDER: {self.sender}; KEY: {self.key}; FLAGS: {self.flags}"
        if MINPRINT in self.flags:
            return head
        return f"{head}; VALUE: {self.value!r:.200}"


_second: list[Any] = [None, ""]  # [whole second, its local ISO 8601 text]: one datetime per second


def timestamp_now() -> str:
    """Local time, ISO 8601 with microseconds (like ``datetime.now().isoformat()``, but cheaper)."""
    now = time.time()
    whole = int(now)
    cached = _second
    if cached[0] != whole:
        cached[1] = datetime.datetime.fromtimestamp(whole).isoformat()
        cached[0] = whole
    return f"{cached[1]}.{int((now - whole) * 1_000_000):06d}"


def make_message(
    sender: str,
    counter: int,
    to: str | Sequence[str],
    key: str,
    value: Any = None,
    *,
    repeat: bool = False,
    flags: dict[str, Any] | None = None,
    ttl: int = DEFAULT_TTL,
    timestamp: str | None = None,
    **extra: Any,
) -> NetMessage:
    """A new message from ``sender``: id ``"<sender>_<counter>"``, NOREPEAT unless ``repeat``.
    ``to`` is the recipient (a multihop list is addressed to its last hop)."""
    if not isinstance(key, str) or not key:
        raise ValueError("a Net_Node message needs a non-empty string key")
    recipient = _recipient_of(to)
    if extra:
        clash = _RESERVED.intersection(extra)
        if clash:
            raise ValueError(f"extra fields cannot reuse message field names: {sorted(clash)}")
    all_flags: dict[str, Any] = {} if repeat else {NOREPEAT: True}
    if flags:
        all_flags.update(flags)
    return NetMessage(
        f"{sender}_{counter}", recipient, sender, key, value, timestamp or timestamp_now(), False, all_flags,
        False, ttl, extra,
    )  # fmt: skip


def _recipient_of(to: str | Sequence[str]) -> str:
    if isinstance(to, str):
        if not to:
            raise ValueError("'to' must be a non-empty identity")
        return to
    hops = list(to)
    if not hops or not all(isinstance(h, str) and h for h in hops):
        raise ValueError("a multihop 'to' must be a non-empty list of non-empty identities")
    return hops[-1]


def confirm_for(message: NetMessage, sender: str, counter: int) -> NetMessage:
    """The CONFIRM answering ``message`` (value = its id, flagged NOREPEAT)."""
    return make_message(sender, counter, message.sender, CONFIRM, message.id)


_CONFIRM_BODY = (
    '{"id": %s, "to": %s, "sender": %s, "key": "CONFIRM", "value": %s, "timestamp": "%s", '
    '"changed": false, "flags": {"NOREPEAT": true}, "blosc": false, "ttl": %d}'
)


def encode_confirm(message: NetMessage, sender: str, counter: int, timestamp: str | None = None) -> bytes:
    """``encode_message(confirm_for(message, sender, counter))``, byte for byte, without the detour."""
    quote = json.encoder.encode_basestring_ascii
    return (
        _CONFIRM_BODY
        % (quote(f"{sender}_{counter}"), quote(message.sender), quote(sender), quote(message.id),
           timestamp or timestamp_now(), DEFAULT_TTL)
    ).encode()  # fmt: skip


# --- JSON body ----------------------------------------------------------------------------------------
_BODY = '{"id": %s, "to": %s, "sender": %s, "key": %s, "value": %s, "timestamp": %s, "changed": %s, "flags": %s, '
_quote = json.encoder.encode_basestring_ascii


def encode_message(message: NetMessage) -> bytes:
    """The UTF-8 JSON body (what ``json.dumps`` of the fields gives, extra fields last). Raises
    ValueError/TypeError for values JSON cannot carry."""
    to = message.to
    try:
        text = _BODY % (
            _quote(message.id), _quote(to) if type(to) is str else _dumps(to), _quote(message.sender),
            _quote(message.key), _dumps(message.value), _quote(message.timestamp),
            "true" if message.changed else "false", _dumps(message.flags),
        )  # fmt: skip
        tail = f'"blosc": {"true" if message.blosc else "false"}, "ttl": {_dumps(message.ttl)}'
        if message.extra:
            tail += "".join(f", {_quote(k)}: {_dumps(v)}" for k, v in message.extra.items())
    except RecursionError:
        raise ValueError("the message value nests too deeply (or contains itself)") from None
    return f"{text}{tail}}}".encode()


def decode_message(body: bytes, *, expand_arrays: bool = True, allow_blosc: bool = False) -> NetMessage:
    """Parse and validate a body. Raises :class:`NetMessageError` (or its :class:`UnsafePayloadError`)."""
    pending: list[PendingArray] = []
    try:
        text = body.decode()
        if expand_arrays and ARRAY_KEY in text:
            obj = _loads(text, object_hook=_array_hook(pending))
        else:
            obj = _parse(text)
    except UnicodeDecodeError as exc:
        raise NetMessageError(f"body is not UTF-8: {exc}") from None
    except RecursionError:
        raise NetMessageError("body nests too deeply") from None
    except NetMessageError:
        raise
    except ValueError as exc:
        raise NetMessageError(f"body is not JSON: {exc}") from None
    message = require_message(obj)
    if pending:
        message.value = expand_pending(message.value, message.blosc, allow_blosc)
        message.flags = expand_pending(message.flags, message.blosc, allow_blosc)
        if message.extra:
            message.extra = expand_pending(message.extra, message.blosc, allow_blosc)
    return message


def _parse(text: str) -> Any:
    """``json.loads(text)`` minus its wrapper's overhead."""
    start = 0 if text[:1] == "{" else _skip_ws(text, 0)
    try:
        obj, end = _scan(text, start)
    except StopIteration as exc:
        raise json.JSONDecodeError("Expecting value", text, exc.value) from None
    if end != len(text) and _skip_ws(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return obj


def _skip_ws(text: str, pos: int) -> int:
    match = _ws(text, pos)
    return match.end() if match else pos


def _array_hook(pending: list[PendingArray]) -> Any:
    def hook(obj: dict[str, Any]) -> Any:
        if ARRAY_KEY in obj:
            array = read_array_dict(obj)
            pending.append(array)
            return array
        return obj

    return hook


def require_message(obj: Any) -> NetMessage:
    """Validate a decoded JSON value as a Net_Node message (fast path first, details on error)."""
    if type(obj) is not dict:
        raise NetMessageError(f"a Net_Node message is a JSON object, got {type(obj).__name__}")
    mid: Any = obj.get("id")
    to: Any = obj.get("to")
    sender: Any = obj.get("sender")
    key: Any = obj.get("key")
    flags = obj.get("flags") or {}
    timestamp = obj.get("timestamp") or ""
    ttl = obj.get("ttl", DEFAULT_TTL)
    changed = obj.get("changed", False)
    blosc = obj.get("blosc", False)
    if (
        type(mid) is not str or type(sender) is not str or type(key) is not str or type(to) is not str
        or not (mid and sender and key and to) or type(flags) is not dict or type(timestamp) is not str
        or type(ttl) is not int or type(changed) is not bool or type(blosc) is not bool
    ):  # fmt: skip
        to = _slow_check(obj)
    extra = {} if obj.keys() <= _RESERVED else {k: obj[k] for k in obj if k not in _RESERVED}
    return NetMessage(mid, to, sender, key, obj.get("value"), timestamp, changed, flags, blosc, ttl, extra)


def _slow_check(obj: dict[str, Any]) -> str | list[str]:
    """Name the field that is wrong (raises), or return a valid list (or unnested one-hop) ``to``."""
    for name in ("id", "sender", "key"):
        if not isinstance(obj.get(name), str) or not obj[name]:
            raise NetMessageError(f"required field {name!r} must be a non-empty string")
    to = obj.get("to")
    if isinstance(to, list):
        if not to or not all(isinstance(hop, str) and hop for hop in to):
            raise NetMessageError("field 'to' as a list must hold non-empty strings")
        to = to[0] if len(to) == 1 else to
    elif not isinstance(to, str) or not to:
        raise NetMessageError("required field 'to' must be a non-empty string or list of strings")
    if not isinstance(obj.get("flags") or {}, dict):
        raise NetMessageError("field 'flags' must be an object")
    if not isinstance(obj.get("timestamp") or "", str):
        raise NetMessageError("field 'timestamp' must be a string")
    ttl = obj.get("ttl", DEFAULT_TTL)
    if not isinstance(ttl, int) or isinstance(ttl, bool):
        raise NetMessageError("field 'ttl' must be an integer")
    if not isinstance(obj.get("changed", False), bool) or not isinstance(obj.get("blosc", False), bool):
        raise NetMessageError("fields 'changed' and 'blosc' must be booleans")
    return to


# --- frame layouts ------------------------------------------------------------------------------------
def node_frames(to: str | Sequence[str], body: bytes, *, upstream: str, direct: bool = False) -> list[bytes]:
    """What a Net_Node's DEALER sends: ``[hop0, recipient, body]`` or ``[h1..hn, hn, body]``.
    ``direct``: the recipient is a known direct peer (or ``force_to``), so hop0 is the recipient."""
    if isinstance(to, str):
        target = to.encode()
        return [target if direct else upstream.encode(), target, body]
    hops = [hop.encode() for hop in to]
    if not hops:
        raise ValueError("a multihop 'to' needs at least one hop")
    return [*hops, hops[-1], body]


def split_router(frames: Sequence[bytes]) -> tuple[bytes, list[bytes]]:
    """``[sender_identity, *rest]`` as received by a ROUTER."""
    if len(frames) < 2:
        raise NetFrameError(f"a ROUTER message has at least 2 frames, got {len(frames)}")
    return bytes(frames[0]), [bytes(f) for f in frames[1:]]


@dataclass(frozen=True, slots=True)
class Route:
    """What a Station does with a received frame list (:func:`station_route`).

    ``action``: ``"deliver"`` (``body`` is for us), ``"ping"`` (echo), ``"closing"`` (stop),
    ``"router"`` / ``"pusher"`` (send ``frames`` on that socket)."""

    action: Literal["deliver", "ping", "closing", "router", "pusher"]
    frames: list[bytes] = field(default_factory=list)
    body: bytes = b""


def station_route(
    rest: Sequence[bytes], my_ids: Container[bytes], known: Container[bytes], push_id: bytes | None
) -> Route:
    """Route the frames after the sender identity (or all frames received on the pusher).

    Leading frames naming this Station are its own hop and are dropped; ``[body]`` or
    ``[me, body]`` is delivered; ``[to, body]`` goes to a known child via the router, else
    upstream as ``[push_id, to, body]``; multihop ``[next, ..., hn, hn, body]`` goes to ``next``
    via the router when known, else upstream."""
    if not rest:
        raise NetFrameError("empty message")
    last = rest[-1]
    if last == PING:
        return Route("ping")
    if last == CLOSING:
        return Route("closing")
    frames = list(rest)
    while len(frames) > 2 and frames[0] in my_ids:
        del frames[0]
    if len(frames) == 1 or frames[-2] in my_ids:
        return Route("deliver", body=frames[-1])
    head = frames[0]
    if head in known:
        return Route("router", frames)
    if push_id is not None:
        return Route("pusher", frames if head == push_id else [push_id, *frames])
    return Route("router", frames)  # unknown and no upstream: try the router anyway (autopilot does)
