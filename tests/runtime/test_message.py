from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.protocol import (
    ERROR,
    MAX_DEPTH,
    REPLY,
    MalformedMessageError,
    Message,
    MessageDecoder,
    OutgoingFrameTooLargeError,
    ProtocolError,
    UnencodableMessageError,
    decode_message,
    encode_message,
    frame_message,
)


def test_wire_layout_is_u32_big_endian_length_then_json():
    frame = frame_message(Message("Observation finished", {"id": 3}, 7, "cli"))
    payload = b'{"kind":"request","id":7,"type":"Observation finished","params":{"id":3},"sender":"cli"}'
    assert frame == len(payload).to_bytes(4, "big") + payload


def test_round_trip_with_unicode_and_nesting():
    msg = Message("Nouvelle étoile ★", {"list": [1, 2.5, None, True], "nested": {"é": "ü"}}, 42, "me")
    assert decode_message(encode_message(msg)) == msg


def test_reply_and_error_keep_the_request_id():
    msg = Message("PING", {}, 9, "cli")
    assert msg.reply("PONG", "agent") == Message("PING", {"result": "PONG"}, 9, "agent", REPLY)
    err = msg.error("HandlerError", "boom", "agent", exception="ValueError")
    assert err.kind == ERROR and err.id == 9
    assert err.params == {"error": "HandlerError", "message": "boom", "exception": "ValueError"}


def test_messages_fed_one_byte_at_a_time():
    msgs = [Message("A", {"i": i}, i, "s") for i in range(5)]
    stream = b"".join(frame_message(m) for m in msgs)
    decoder = MessageDecoder()
    out = []
    for i in range(len(stream)):
        out += decoder.feed(stream[i : i + 1])
    assert out == msgs


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        pytest.param(b"\xff\xfe", "UTF-8", id="not-utf8"),
        pytest.param(b"{nope", "not JSON", id="not-json"),
        pytest.param(b"[1, 2]", "JSON object", id="array"),
        pytest.param(b'{"params": {}}', "'type'", id="no-type"),
        pytest.param(b'{"type": ""}', "'type'", id="empty-type"),
        pytest.param(b'{"type": "A", "params": [1]}', "'params'", id="params-not-object"),
        pytest.param(b'{"type": "A", "id": "x"}', "'id'", id="id-not-int"),
        pytest.param(b'{"type": "A", "id": true}', "'id'", id="id-bool"),
        pytest.param(b'{"type": "A", "kind": "other"}', "'kind'", id="bad-kind"),
        pytest.param(b'{"type": "A", "sender": 3}', "'sender'", id="sender-not-str"),
        pytest.param(b"[" * 100000 + b"]" * 100000, "nests", id="deep-nesting"),
    ],
)
def test_malformed_payloads_are_named(payload, why):
    with pytest.raises(MalformedMessageError, match=why):
        decode_message(payload)


def test_params_json_cannot_carry_are_refused_on_encode():
    with pytest.raises(ValueError):
        encode_message(Message("A", {"x": float("nan")}))
    with pytest.raises(TypeError):
        encode_message(Message("A", {"x": {1, 2}}))


def test_frame_size_limit_applies_on_encode():
    with pytest.raises(OutgoingFrameTooLargeError):
        frame_message(Message("A", {"x": "y" * 100}), max_size=50)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=500))
def test_random_payloads_only_raise_codec_errors(data):
    try:
        msg = decode_message(data)
    except MalformedMessageError:
        return
    assert isinstance(msg.type, str) and isinstance(msg.params, dict)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30), st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_round_trip_of_random_messages(mtype, params):
    msg = Message(mtype, params, 1, "s")
    assert decode_message(encode_message(msg)) == msg
    assert json.loads(encode_message(msg))["type"] == mtype


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=50))
def test_random_streams_never_hang_and_raise_only_protocol_errors(data, chunk):
    decoder = MessageDecoder(max_size=1000)
    try:
        for i in range(0, len(data), chunk):
            decoder.feed(data[i : i + chunk])
    except ProtocolError:
        pass


def _nested(levels: int) -> dict:
    """params nesting ``levels`` containers (params itself is one), so the message has levels + 1."""
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("levels", [1, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 1000, 5000])
def test_decoder_and_encoder_agree_on_depth(levels):
    """What the decoder accepts, the encoder encodes (and the other way round): no RecursionError."""
    message = Message("A", _nested(levels), 3)
    payload = json.dumps({"type": "A", "id": 3, "params": message.params}).encode() if levels < 900 else None
    fits = levels + 1 <= MAX_DEPTH
    if fits:
        assert decode_message(encode_message(message)) == message
        assert payload is not None and decode_message(payload).params == message.params
        return
    with pytest.raises(UnencodableMessageError, match="deeper than"):
        encode_message(message)
    with pytest.raises(ValueError):  # what the agent's reply path catches
        encode_message(message.reply(message.params))
    deep = b'{"type":"A","params":' + b'{"a":' * levels + b"1" + b"}" * levels + b"}"
    with pytest.raises(MalformedMessageError, match="deeper than"):
        decode_message(deep)


def test_a_reply_carrying_stored_params_at_the_limit_is_refused_cleanly():
    request = decode_message(encode_message(Message("STORE", _nested(MAX_DEPTH - 1), 1)))
    with pytest.raises(UnencodableMessageError):
        encode_message(request.reply({"stored": request.params}))


def test_cyclic_and_nan_params_are_errors_of_the_caller():
    cycle: list = []
    cycle.append(cycle)
    for params in ({"x": cycle}, {"x": float("nan")}):
        with pytest.raises(UnencodableMessageError) as caught:
            encode_message(Message("A", params))
        assert not isinstance(caught.value, ProtocolError)


def test_brackets_inside_strings_do_not_count_as_depth():
    message = Message("A", {"s": "[{" * 10_000}, 1)
    assert decode_message(encode_message(message)) == message


def test_type_length_limit_agrees_both_ways():
    from common.protocol.message import MAX_TYPE_LENGTH

    longest = Message("t" * MAX_TYPE_LENGTH, {}, 1)
    assert decode_message(encode_message(longest)) == longest
    with pytest.raises(UnencodableMessageError, match="exceeds the limit"):
        encode_message(Message("t" * (MAX_TYPE_LENGTH + 1)))
    with pytest.raises(MalformedMessageError, match="exceeds the limit"):
        decode_message(json.dumps({"type": "t" * (MAX_TYPE_LENGTH + 1)}).encode())
