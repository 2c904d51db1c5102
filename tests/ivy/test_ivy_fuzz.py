"""Hypothesis: random bytes into the Ivy decoder and state machine raise only the codec's errors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.ivy import codec as codec
from common.ivy.codec import IvyDecoder, IvyMessage, IvyPeerState
from common.ivy.exceptions import IvyError

chunks = st.lists(st.binary(max_size=64), max_size=30)
# Bytes that look like Ivy more often than pure noise does.
ivyish = st.lists(
    st.one_of(
        st.binary(max_size=16),
        st.sampled_from([b"\n", b"\x02", b"\x03", b" ", b"2 0", b"6 1", b"5 0", b"1 0", b"\xc3", b"\xa9"]),
    ),
    max_size=60,
).map(b"".join)


def drain(decoder: IvyDecoder, state: IvyPeerState, data: bytes) -> int:
    count = 0
    try:
        decoder.receive_data(data)
    except IvyError:
        pass
    while True:
        try:
            event = decoder.next_event()
        except IvyError:
            continue
        if event is None:
            return count
        count += 1
        assert isinstance(event, IvyMessage) and event.type in codec.MESSAGE_TYPES
        try:
            state.receive(event)
        except IvyError:
            pass


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_random_chunks(parts: list[bytes]) -> None:
    decoder, state = IvyDecoder(max_line=256), IvyPeerState()
    for part in parts:
        drain(decoder, state, part)


@settings(max_examples=300, deadline=None)
@given(ivyish, st.integers(min_value=1, max_value=7))
def test_ivyish_bytes_any_slicing(data: bytes, step: int) -> None:
    decoder, state = IvyDecoder(max_line=256), IvyPeerState()
    for i in range(0, len(data), step):
        drain(decoder, state, data[i : i + step])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(-5, 5), st.text(max_size=8)), max_size=20))
def test_state_machine_random_sequences(events: list[tuple[int, int, str]]) -> None:
    state = IvyPeerState()
    for msg_type, num_id, params in events:
        try:
            state.receive(IvyMessage(msg_type, num_id, params))
        except IvyError:
            pass


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\n\x02\x03", blacklist_categories=("Cs",)), max_size=10),
        max_size=5,
    )
)
def test_msg_roundtrip(args: list[str]) -> None:
    (event,) = IvyDecoder().feed(codec.encode_msg(4, args))
    assert event.args() == tuple(args)
