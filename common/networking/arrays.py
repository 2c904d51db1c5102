"""numpy arrays inside Net_Node (autopilot) JSON messages, sans-IO.

An array travels as ``{"NUMPY_ARRAY": <base64>, "DTYPE": "<dtype str>", "SHAPE": [..]}`` where the
base64 is the array's raw ``tobytes()`` (C order) or, when the message says ``"blosc": true``, a
blosc2-packed array. Unpacking blosc2 data may call pickle, so it is refused unless the caller
explicitly allows it (and has blosc2 installed). Only plain numeric and bool dtypes are accepted in
either direction: never object, void, string or datetime arrays.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import math
import re
from typing import Any

import numpy as np

from .exceptions import NetMessageError, UnsafePayloadError

ARRAY_KEY = "NUMPY_ARRAY"
DTYPE_KEY = "DTYPE"
SHAPE_KEY = "SHAPE"
ARRAY_KEYS = frozenset({ARRAY_KEY, DTYPE_KEY, SHAPE_KEY})
MAX_DIMENSIONS = 32

# bool, signed/unsigned integers, floats and complex numbers, by name or by type string.
_DTYPE_RE = re.compile(
    r"(?:bool|u?int(?:8|16|32|64)|float(?:16|32|64)|complex(?:64|128)"
    r"|[<>|=]?(?:b1|\?|[iu][1248]|f[248]|c(?:8|16)))"
)
_ALLOWED_KINDS = frozenset("biufc")


def allowed_dtype(text: str) -> np.dtype[Any]:
    """The dtype named by ``text`` if it is on the allow-list; :class:`UnsafePayloadError` otherwise."""
    if not isinstance(text, str) or _DTYPE_RE.fullmatch(text) is None:
        raise UnsafePayloadError(f"array dtype {text!r} is not allowed (plain numeric and bool dtypes only)")
    dtype = np.dtype(text)
    if dtype.kind not in _ALLOWED_KINDS:  # pragma: no cover - the pattern only admits these kinds
        raise UnsafePayloadError(f"array dtype {text!r} is not allowed")
    return dtype


def encode_array(array: np.ndarray[Any, Any]) -> dict[str, Any]:
    """The wire form of ``array`` (raw bytes, C order). Raises TypeError for dtypes off the allow-list."""
    if array.dtype.kind not in _ALLOWED_KINDS or array.dtype.fields is not None:
        raise TypeError(f"numpy arrays of dtype {array.dtype} cannot be sent (plain numeric and bool only)")
    data = np.ascontiguousarray(array).tobytes()
    return {
        ARRAY_KEY: base64.b64encode(data).decode("ascii"),
        DTYPE_KEY: str(array.dtype),
        SHAPE_KEY: list(array.shape),
    }


def json_default(obj: Any) -> Any:
    """``default`` hook for the JSON encoder: numpy arrays and scalars; anything else is a TypeError."""
    if isinstance(obj, np.ndarray):
        return encode_array(obj)
    if isinstance(obj, np.generic) and obj.dtype.kind in _ALLOWED_KINDS:
        value = obj.item()
        return [value.real, value.imag] if isinstance(value, complex) else value
    raise TypeError(f"a Net_Node message cannot carry {type(obj).__name__} values")


class PendingArray:
    """An array seen while parsing, unpacked once the message's ``blosc`` field is known."""

    __slots__ = ("data", "dtype", "shape")

    def __init__(self, data: bytes, dtype: str | None, shape: tuple[int, ...] | None) -> None:
        self.data = data
        self.dtype = dtype
        self.shape = shape


def read_array_dict(obj: dict[str, Any]) -> PendingArray:
    """Validate the fields of one array dict (not yet unpacked)."""
    extra = set(obj) - ARRAY_KEYS
    if extra:
        raise NetMessageError(f"array object has unexpected fields {sorted(extra)}")
    encoded = obj[ARRAY_KEY]
    if not isinstance(encoded, str):
        raise NetMessageError("NUMPY_ARRAY must be a base64 string")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NetMessageError("NUMPY_ARRAY is not valid base64") from None
    dtype = obj.get(DTYPE_KEY)
    shape = obj.get(SHAPE_KEY)
    if (dtype is None) != (shape is None):
        raise NetMessageError("an array needs both DTYPE and SHAPE")
    if dtype is not None and not isinstance(dtype, str):
        raise NetMessageError("DTYPE must be a string")
    return PendingArray(data, dtype, None if shape is None else _read_shape(shape))


def _read_shape(shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS:
        raise NetMessageError(f"SHAPE must be a list of at most {MAX_DIMENSIONS} sizes")
    for size in shape:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise NetMessageError(f"SHAPE sizes must be non-negative integers, got {size!r}")
    return tuple(shape)


def unpack(pending: PendingArray, blosc: bool, allow_blosc: bool) -> np.ndarray[Any, Any]:
    """The array of ``pending``: raw bytes, or blosc2 (only when ``allow_blosc``)."""
    if blosc or pending.dtype is None:
        return _unpack_blosc(pending, allow_blosc)
    dtype = allowed_dtype(pending.dtype)
    shape = pending.shape or ()
    expected = math.prod(shape) * dtype.itemsize
    if expected != len(pending.data):
        raise NetMessageError(f"array of {pending.dtype} {list(shape)} needs {expected} bytes, got {len(pending.data)}")
    return np.frombuffer(pending.data, dtype=dtype).reshape(shape)


def _unpack_blosc(pending: PendingArray, allow_blosc: bool) -> np.ndarray[Any, Any]:
    if not allow_blosc:
        raise UnsafePayloadError(
            "blosc-packed arrays are refused (unpacking them may unpickle wire data); "
            "set NETNODE_ALLOW_BLOSC = True to accept them from trusted peers"
        )
    try:
        blosc2 = importlib.import_module("blosc2")
    except ImportError:
        raise UnsafePayloadError("blosc-packed array received but blosc2 is not installed") from None
    try:
        array = blosc2.unpack_array2(pending.data)
    except Exception as exc:
        raise NetMessageError(f"blosc array cannot be unpacked: {exc}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in _ALLOWED_KINDS:
        raise UnsafePayloadError("blosc payload is not a plain numeric array")
    return array


def expand_pending(value: Any, blosc: bool, allow_blosc: bool) -> Any:
    """Replace every :class:`PendingArray` inside ``value`` (dicts and lists) by its array."""
    if isinstance(value, PendingArray):
        return unpack(value, blosc, allow_blosc)
    if isinstance(value, dict):
        return {k: expand_pending(v, blosc, allow_blosc) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_pending(v, blosc, allow_blosc) for v in value]
    return value
