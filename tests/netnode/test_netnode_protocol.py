"""common.protocol.netnode: the autopilot JSON message and the ZMQ frame layouts (sans-IO)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.networking.codec import (
    CONFIRM,
    NOREPEAT,
    NetMessage,
    Route,
    confirm_for,
    decode_message,
    encode_confirm,
    encode_message,
    make_message,
    node_frames,
    split_router,
    station_route,
)
from common.networking.exceptions import NetFrameError, NetMessageError, NetNodeError, UnsafePayloadError

TS = "2026-11-22T03:54:25.582535"
SPEC_BODY = (
    b'{"id": "c_0", "to": "raw", "sender": "c", "key": "HELLO", "value": {"a": 1}, '
    b'"timestamp": "2026-11-22T03:54:25.582535", "changed": false, "flags": {"NOREPEAT": true}, '
    b'"blosc": false, "ttl": 2}'
)


def test_encode_matches_the_spec_body_byte_for_byte() -> None:
    msg = make_message("c", 0, "raw", "HELLO", {"a": 1}, timestamp=TS)
    assert msg.id == "c_0"
    assert encode_message(msg) == SPEC_BODY


def test_decode_spec_body() -> None:
    msg = decode_message(SPEC_BODY)
    assert msg == NetMessage("c_0", "raw", "c", "HELLO", {"a": 1}, TS, False, {NOREPEAT: True}, False, 2, {})
    assert not msg.wants_confirm


def test_repeat_message_has_no_norepeat_and_extra_fields_are_top_level() -> None:
    msg = make_message("pilot", 7, "T", "DATA", [1, 2], repeat=True, flags={"MINPRINT": True}, subject="m1")
    assert msg.flags == {"MINPRINT": True}
    assert msg.wants_confirm
    obj = json.loads(encode_message(msg))
    assert obj["subject"] == "m1" and obj["id"] == "pilot_7" and obj["ttl"] == 2
    assert decode_message(encode_message(msg)).extra == {"subject": "m1"}


def test_timestamp_is_iso8601() -> None:
    msg = make_message("a", 0, "b", "K")
    import datetime

    assert datetime.datetime.fromisoformat(msg.timestamp)


@pytest.mark.parametrize("sender", ["a", 'pilot "é" 1'])
def test_confirm_answers_with_the_message_id_flagged_norepeat(sender: str) -> None:
    msg = make_message(sender, 3, "b", "K", repeat=True)
    confirm = confirm_for(msg, "b", 9)
    assert (confirm.key, confirm.value, confirm.to, confirm.sender, confirm.id) == (
        CONFIRM,
        f"{sender}_3",
        sender,
        "b",
        "b_9",
    )
    assert confirm.flags == {NOREPEAT: True} and not confirm.wants_confirm
    # the fast encoder gives the same bytes
    assert encode_confirm(msg, "b", 9, confirm.timestamp) == encode_message(confirm)


@pytest.mark.parametrize(
    "obj, text",
    [
        pytest.param({"to": "b", "sender": "a", "key": "K"}, "'id'", id="no-id"),
        pytest.param({"id": "a_0", "sender": "a", "key": "K"}, "'to'", id="no-to"),
        pytest.param({"id": "a_0", "to": "b", "key": "K"}, "'sender'", id="no-sender"),
        pytest.param({"id": "a_0", "to": "b", "sender": "a"}, "'key'", id="no-key"),
        pytest.param({"id": 5, "to": "b", "sender": "a", "key": "K"}, "'id'", id="id-not-str"),
        pytest.param({"id": "a_0", "to": [], "sender": "a", "key": "K"}, "'to'", id="empty-path"),
        pytest.param({"id": "a_0", "to": "b", "sender": "a", "key": "K", "ttl": "2"}, "ttl", id="ttl-str"),
        pytest.param({"id": "a_0", "to": "b", "sender": "a", "key": "K", "flags": [1]}, "flags", id="flags-list"),
        pytest.param([1, 2], "JSON object", id="not-object"),
    ],
)
def test_required_fields_are_validated(obj: object, text: str) -> None:
    with pytest.raises(NetMessageError, match=text):
        decode_message(json.dumps(obj).encode())


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"[" * 100000, id="deep"),
    ],
)
def test_garbage_raises_codec_errors(body: bytes) -> None:
    with pytest.raises(NetMessageError):
        decode_message(body)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int16", ">i4", "int64", "float32", "float64", "complex128"])
def test_numpy_round_trip(dtype: str) -> None:
    array = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    body = encode_message(make_message("a", 0, "b", "ARR", {"data": array, "n": [array[0]]}))
    wire = json.loads(body)["value"]["data"]
    assert wire == {
        "NUMPY_ARRAY": base64.b64encode(array.tobytes()).decode(),
        "DTYPE": str(array.dtype),
        "SHAPE": [3, 4],
    }
    value = decode_message(body).value
    assert value["data"].dtype == array.dtype and np.array_equal(value["data"], array)
    assert np.array_equal(value["n"][0], array[0])
    assert decode_message(body, expand_arrays=False).value["data"] == wire


def test_object_arrays_are_not_sent() -> None:
    with pytest.raises(TypeError, match="object"):
        encode_message(make_message("a", 0, "b", "ARR", np.array([object()])))


def _array_body(array_obj: dict[str, object], blosc: bool = False) -> bytes:
    return json.dumps({"id": "a_0", "to": "b", "sender": "a", "key": "K", "value": array_obj, "blosc": blosc}).encode()


@pytest.mark.parametrize(
    "array_obj, blosc, error",
    [
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "object", "SHAPE": [1]}, False, UnsafePayloadError, id="object"),
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "|O", "SHAPE": [1]}, False, UnsafePayloadError, id="O"),
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "<U1", "SHAPE": [1]}, False, UnsafePayloadError, id="unicode"),
        pytest.param({"NUMPY_ARRAY": "gAN9cQAu"}, False, UnsafePayloadError, id="legacy-pickle"),
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "uint8", "SHAPE": [3]}, True, UnsafePayloadError, id="blosc"),
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "uint8", "SHAPE": [4]}, False, NetMessageError, id="size"),
        pytest.param({"NUMPY_ARRAY": "A", "DTYPE": "uint8", "SHAPE": [1]}, False, NetMessageError, id="base64"),
        pytest.param({"NUMPY_ARRAY": "AAAA", "DTYPE": "uint8", "SHAPE": [-3]}, False, NetMessageError, id="shape"),
    ],
)
def test_unsafe_or_broken_arrays_are_refused(array_obj: dict[str, object], blosc: bool, error: type) -> None:
    with pytest.raises(error):
        decode_message(_array_body(array_obj, blosc))


def test_blosc_refused_even_when_allowed_without_blosc2() -> None:
    body = _array_body({"NUMPY_ARRAY": "AAAA", "DTYPE": "uint8", "SHAPE": [3]}, blosc=True)
    with pytest.raises(UnsafePayloadError):
        decode_message(body, allow_blosc=True)
    # not expanding leaves the packed data untouched (nothing unpacked, nothing refused)
    assert decode_message(body, expand_arrays=False).value["NUMPY_ARRAY"] == "AAAA"


# --- frames ------------------------------------------------------------------------------------------
BODY = b'{"id": "n_0"}'


@pytest.mark.parametrize(
    "to, direct, frames",
    [
        pytest.param("b", False, [b"T", b"b", BODY], id="via-station"),
        pytest.param("b", True, [b"b", b"b", BODY], id="direct"),
        pytest.param("T", False, [b"T", b"T", BODY], id="to-station"),
        pytest.param(["S1", "S2", "S3"], False, [b"S1", b"S2", b"S3", b"S3", BODY], id="multihop"),
        pytest.param(["S1"], False, [b"S1", b"S1", BODY], id="one-hop-list"),
    ],
)
def test_node_frames(to: str | list[str], direct: bool, frames: list[bytes]) -> None:
    assert node_frames(to, BODY, upstream="T", direct=direct) == frames


def test_split_router() -> None:
    assert split_router([b"n", b"T", b"b", BODY]) == (b"n", [b"T", b"b", BODY])
    with pytest.raises(NetFrameError):
        split_router([BODY])


ME = frozenset({b"S", b"_S"})


@pytest.mark.parametrize(
    "rest, known, push_id, route",
    [
        pytest.param([b"S", b"S", BODY], set(), None, Route("deliver", body=BODY), id="to-me"),
        pytest.param([b"S", b"_S", BODY], set(), None, Route("deliver", body=BODY), id="to-my-node"),
        pytest.param([BODY], set(), b"U", Route("deliver", body=BODY), id="from-dealer"),
        pytest.param([b"S", b"c", BODY], {b"c"}, b"U", Route("router", [b"c", BODY]), id="to-child"),
        pytest.param([b"S", b"x", BODY], set(), b"U", Route("pusher", [b"U", b"x", BODY]), id="upstream"),
        pytest.param([b"S", b"x", BODY], set(), None, Route("router", [b"x", BODY]), id="unknown-no-pusher"),
        pytest.param(
            [b"S", b"S2", b"S3", b"S3", BODY],
            {b"S2"},
            b"U",
            Route("router", [b"S2", b"S3", b"S3", BODY]),
            id="mh-router",
        ),
        pytest.param(
            [b"S", b"U", b"S3", b"S3", BODY], set(), b"U", Route("pusher", [b"U", b"S3", b"S3", BODY]), id="mh-pusher"
        ),
        pytest.param(
            [b"S", b"S", b"U", b"S3", b"S3", BODY],
            set(),
            b"U",
            Route("pusher", [b"U", b"S3", b"S3", BODY]),
            id="mh-autopilot-duplicated-hop",
        ),
        pytest.param([b"S3", b"S3", BODY], {b"S3"}, b"U", Route("router", [b"S3", b"S3", BODY]), id="mh-last-hop"),
        pytest.param([b"S", b""], set(), None, Route("ping"), id="ping"),
        pytest.param([b"S", b"CLOSING"], set(), None, Route("closing"), id="closing"),
    ],
)
def test_station_route(rest: list[bytes], known: set[bytes], push_id: bytes | None, route: Route) -> None:
    assert station_route(rest, ME, known, push_id) == route


# --- fuzz --------------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_bytes_only_codec_errors(body: bytes) -> None:
    try:
        decode_message(body)
    except NetNodeError:
        pass


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "to",
                "sender",
                "key",
                "value",
                "flags",
                "ttl",
                "blosc",
                "timestamp",
                "changed",
                "NUMPY_ARRAY",
                "DTYPE",
                "SHAPE",
                "x",
            ]
        ),
        json_values,
        max_size=10,
    )
)
def test_fuzz_json_objects_only_codec_errors(obj: dict[str, object]) -> None:
    body = json.dumps({"value": obj, **obj}).encode()
    try:
        decode_message(body)
    except NetNodeError:
        pass


@settings(max_examples=100, deadline=None)
@given(
    json_values,
    st.dictionaries(st.text(max_size=5).filter(lambda k: k not in {"id", "to", "key"}), json_values, max_size=3),
)
def test_encoding_is_json_dumps_of_the_fields(value: object, extra: dict[str, object]) -> None:
    extra = {
        k: v
        for k, v in extra.items()
        if k not in {"sender", "value", "timestamp", "changed", "flags", "blosc", "ttl", "serialized"}
    }
    msg = make_message("a\u00e9", 1, ["x", "y"], "K\n", value, flags={"NOLOG": True}, **extra)
    fields = {
        "id": msg.id,
        "to": "y",
        "sender": msg.sender,
        "key": msg.key,
        "value": value,
        "timestamp": msg.timestamp,
        "changed": False,
        "flags": {"NOREPEAT": True, "NOLOG": True},
        "blosc": False,
        "ttl": 2,
        **extra,
    }
    assert encode_message(msg) == json.dumps(fields).encode()
