"""pyros's Ivy bus peer against a raw TCP peer (exact bytes) and against another pyros peer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from common.ivy import IvyBus, IvyInvalidTextError
from common.ivy import codec as codec
from common.ivy.codec import IvyDecoder, IvyMessage

WAIT = 10.0


class RawPeer:
    """A hand-driven Ivy peer on a plain socket."""

    def __init__(self, bus: IvyBus) -> None:
        self.sock = socket.create_connection(bus.address, timeout=WAIT)
        self.decoder = IvyDecoder()
        self.pending: list[IvyMessage] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> IvyMessage | None:
        """The next message, or None at EOF (a socket timeout fails the test)."""
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.pending.extend(self.decoder.feed(data))
        return self.pending.pop(0)

    def read_until(self, msg_type: int) -> list[IvyMessage]:
        seen = []
        while (message := self.read()) is not None:
            seen.append(message)
            if message.type == msg_type:
                return seen
        raise AssertionError(f"EOF before a message of type {msg_type}: {seen}")

    def handshake(self, *regexps: str) -> list[IvyMessage]:
        self.send(codec.encode_handshake(4242, "raw peer", enumerate(regexps)))
        return self.read_until(codec.END_INIT)


@pytest.fixture
def raw_peers() -> Iterator[list[RawPeer]]:
    peers: list[RawPeer] = []
    yield peers
    for peer in peers:
        peer.sock.close()


def test_handshake_bytes(make_bus: Any, raw_peers: list[RawPeer]) -> None:
    bus = make_bus("pyros agent", start=False)
    bus.bind(r"^a (.*)", lambda *a: None)
    bus.bind(r"^b", lambda *a: None)
    bus.start()
    raw = RawPeer(bus)
    raw_peers.append(raw)
    assert raw.handshake() == [
        IvyMessage(codec.START_INIT, bus.address[1], "pyros agent"),
        IvyMessage(codec.ADD_REGEXP, 0, "^a (.*)"),
        IvyMessage(codec.ADD_REGEXP, 1, "^b"),
        IvyMessage(codec.END_INIT, 0, ""),
    ]
    client = bus.wait_for_client("raw peer", WAIT)
    assert (client.port, client.name) == (4242, "raw peer")


def test_add_regexp_reusing_an_id_replaces(make_bus: Any, raw_peers: list[RawPeer]) -> None:
    bus = make_bus("pyros")
    raw = RawPeer(bus)
    raw_peers.append(raw)
    raw.handshake(r"^x (.*)")
    client = bus.wait_for_client("raw peer", WAIT, regexps=1)
    raw.send(codec.encode_add_regexp(0, r"^y (.*)"))
    assert bus.wait_for(lambda: client.regexps == {0: r"^y (.*)"}, WAIT), client.regexps
    assert bus.send_msg("x 1") == 0
    assert bus.send_msg("y 2 é") == 1
    assert raw.read() == IvyMessage(codec.MSG, 0, "2 é\x03")


def test_ping_gets_a_pong_with_the_same_id(make_bus: Any, raw_peers: list[RawPeer]) -> None:
    bus = make_bus("pyros")
    raw = RawPeer(bus)
    raw_peers.append(raw)
    raw.handshake()
    raw.send(codec.encode_error(0, "just saying") + codec.encode_ping(77))
    assert raw.read() == IvyMessage(codec.PONG, 77, "")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"garbage\n", "bad format", id="malformed"),
        pytest.param(codec.encode_start_init(1, "again"), "START_INIT received twice", id="second-start-init"),
        pytest.param(b"1 0\x02a\xff\n", "not UTF-8", id="not-utf8"),
    ],
)
def test_bad_input_gets_error_then_bye_then_close(
    make_bus: Any, raw_peers: list[RawPeer], data: bytes, error: str
) -> None:
    bus = make_bus("pyros")
    raw = RawPeer(bus)
    raw_peers.append(raw)
    raw.handshake()
    raw.send(data)
    err, bye = raw.read(), raw.read()
    assert err is not None and err.type == codec.ERROR and error in err.params
    assert bye == IvyMessage(codec.BYE, 0, "")
    assert raw.read() is None  # closed


def test_end_init_before_start_init(make_bus: Any, raw_peers: list[RawPeer]) -> None:
    bus = make_bus("pyros")
    raw = RawPeer(bus)
    raw_peers.append(raw)
    raw.send(codec.encode_end_init())
    seen = raw.read_until(codec.BYE)
    assert seen[-2].type == codec.ERROR and "before START_INIT" in seen[-2].params


def test_stop_says_bye_to_every_peer(make_bus: Any, raw_peers: list[RawPeer]) -> None:
    bus = make_bus("pyros")
    raws = [RawPeer(bus), RawPeer(bus)]
    raw_peers.extend(raws)
    for raw in raws:
        raw.handshake()
    assert bus.wait_for(lambda: len(bus.clients) == 2, WAIT)
    bus.stop()
    for raw in raws:
        assert raw.read() == IvyMessage(codec.BYE, 0, "")
        assert raw.read() is None
    assert not bus.ready.is_set()


def test_two_pyros_peers_ignore_their_own_datagrams(make_bus: Any) -> None:
    first = make_bus("first")
    second = make_bus("second")
    assert first.wait_for_client("second", WAIT).name == "second"
    assert second.wait_for_client("first", WAIT).name == "first"
    assert [c.name for c in first.clients] == ["second"]
    assert [c.name for c in second.clients] == ["first"]
    assert second.clients[0].ping(WAIT) > 0


def test_refuses_text_it_cannot_send(make_bus: Any) -> None:
    bus = make_bus("pyros")
    for text in ("a\nb", "a\x02", "\x03"):
        with pytest.raises(IvyInvalidTextError):
            bus.send_msg(text)
    with pytest.raises(IvyInvalidTextError):
        bus.bind("^a\n", lambda *a: None)


def test_client_send_msg_checks_its_text(make_bus: Any) -> None:
    first = make_bus("first", start=False)
    first.bind(r"^(.*)", lambda *a: None)
    first.start()
    second = make_bus("second")
    client = second.wait_for_client("first", WAIT, regexps=1)
    assert client.send_msg("anything") == 1
    with pytest.raises(IvyInvalidTextError):
        client.send_msg("two\nlines")
