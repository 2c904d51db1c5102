"""Hostile Ivy peers: catastrophic regexps, PCRE-only constructs, regexp floods. Peers' regexps are
matched with RE2 in linear time; after each attack the bus answers a PING from another peer within
200 ms and delivers to the right subscriber."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.ivy import IvyBus, IvyRegexpError, codec
from common.ivy.codec import IvyDecoder, IvyMessage
from common.ivy.regexp import MAX_REGEXPS_PER_PEER, compile_peer_regexp

WAIT = 10.0


class RawPeer:
    def __init__(self, bus: IvyBus, name: str) -> None:
        self.name = name
        self.sock = socket.create_connection(bus.address, timeout=WAIT)
        self.decoder = IvyDecoder()
        self.pending: list[IvyMessage] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> IvyMessage | None:
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.pending.extend(self.decoder.feed(data))
        return self.pending.pop(0)

    def read_type(self, msg_type: int) -> IvyMessage:
        while (message := self.read()) is not None:
            if message.type == msg_type:
                return message
        raise AssertionError(f"EOF before a message of type {msg_type}")

    def handshake(self, *regexps: str) -> None:
        self.send(codec.encode_handshake(4242, self.name, enumerate(regexps)))
        self.read_type(codec.END_INIT)

    def ping_within(self, ident: int, budget: float = 0.2) -> None:
        start = time.monotonic()
        self.send(codec.encode_ping(ident))
        assert self.read_type(codec.PONG) == IvyMessage(codec.PONG, ident, "")
        elapsed = time.monotonic() - start
        assert elapsed < budget, f"PONG after {elapsed * 1000:.0f} ms"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def bus() -> Iterator[IvyBus]:
    ivy = IvyBus("pyros victim", bus=f"127.255.255.255:{_free_udp_port()}")
    ivy.start()
    yield ivy
    ivy.stop()


@pytest.fixture
def peers(bus: IvyBus) -> Iterator[list[RawPeer]]:
    made: list[RawPeer] = []
    yield made
    for peer in made:
        peer.sock.close()


def _peer(bus: IvyBus, peers: list[RawPeer], name: str, *regexps: str) -> RawPeer:
    peer = RawPeer(bus, name)
    peers.append(peer)
    peer.handshake(*regexps)
    bus.wait_for_client(name, WAIT, regexps=len(regexps))
    return peer


@pytest.mark.parametrize(
    ("regexp", "text"),
    [
        pytest.param(r"^(a+)+$", "a" * 30 + "b", id="nested-plus"),
        pytest.param(r"^(a|a)*$", "a" * 5000 + "b", id="alternation"),
        pytest.param(r"(x+x+)+y", "x" * 20_000, id="quadratic-search"),
        pytest.param(r"^(\w+\s?)*$", "word " * 2000 + "!", id="words"),
    ],
)
def test_catastrophic_regexps_match_in_linear_time(bus, peers, regexp, text):
    evil = _peer(bus, peers, "evil", regexp)
    witness = _peer(bus, peers, "witness", r"^ok (.*)")
    start = time.monotonic()
    assert bus.send_msg(text) == 0
    elapsed = time.monotonic() - start
    assert elapsed < 0.05, f"send_msg took {elapsed * 1000:.1f} ms against {regexp!r}"
    witness.ping_within(1)
    assert bus.send_msg("ok 42!") == 1
    assert witness.read_type(codec.MSG) == IvyMessage(codec.MSG, 0, "42!\x03")
    evil.ping_within(2)


@pytest.mark.parametrize(
    ("regexp", "words"),
    [
        pytest.param(r"^(?=a)a", "look-ahead", id="lookahead"),
        pytest.param(r"(?<!x)y", "look-behind", id="lookbehind"),
        pytest.param(r"^(a)\1$", "back-references", id="backreference"),
        pytest.param(r"^(?P<x>a)(?P=x)$", "back-references", id="named-backreference"),
        pytest.param(r"(?>a+)b", "atomic groups", id="atomic"),
        pytest.param(r"a++b", "possessive", id="possessive"),
        pytest.param(r"(a)?(?(1)b|c)", "conditionals", id="conditional"),
        pytest.param(r"((a)", "not valid", id="unbalanced"),
    ],
)
def test_pcre_only_regexps_get_a_clear_error_and_the_peer_stays(bus, peers, regexp, words):
    with pytest.raises(IvyRegexpError, match=words):
        compile_peer_regexp(regexp)
    peer = _peer(bus, peers, "pcre")
    peer.send(codec.encode_add_regexp(3, regexp))
    error = peer.read_type(codec.ERROR)
    assert error.id == 3 and words in error.params
    peer.ping_within(1)  # still connected and served
    assert bus.get_clients("pcre")[0].regexps == {}


def test_a_flood_of_regexps_is_capped(bus, peers):
    peer = _peer(bus, peers, "flood")
    peer.send(b"".join(codec.encode_add_regexp(i, f"^m{i} (.*)") for i in range(MAX_REGEXPS_PER_PEER + 5)))
    errors = [peer.read_type(codec.ERROR) for _ in range(5)]
    assert all("at most" in e.params for e in errors)
    peer.ping_within(1)
    client = bus.get_clients("flood")[0]
    assert len(client.regexps) == MAX_REGEXPS_PER_PEER
    start = time.monotonic()
    assert bus.send_msg("m7 hello") == 1  # 1,024 searches
    assert time.monotonic() - start < 0.05


REGEX_ALPHABET = st.sampled_from(list("a()|*+?[]{}^$.\\1-=<>!:dws,0"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(regexp=st.text(REGEX_ALPHABET, min_size=1, max_size=24), text=st.text("ab1 .", max_size=2000))
def test_generated_regexps_never_hold_the_sender(bus, peers, regexp, text):
    if not peers:
        _peer(bus, peers, "fuzz")
        _peer(bus, peers, "witness")
    fuzz, witness = peers
    fuzz.send(codec.encode_add_regexp(0, regexp))
    witness.ping_within(1)  # the bus has read the ADD_REGEXP (or refused it) by now
    start = time.monotonic()
    bus.send_msg(text)
    elapsed = time.monotonic() - start
    assert elapsed < 0.05, f"send_msg took {elapsed * 1000:.1f} ms against {regexp!r}"
    witness.ping_within(2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(min_size=1, max_size=2048))
def test_generated_garbage_from_a_peer_never_stops_the_bus(bus, peers, garbage):
    if not peers:
        _peer(bus, peers, "witness", r"^ok (.*)")
    [witness] = peers
    with socket.create_connection(bus.address, timeout=WAIT) as sock:
        sock.sendall(garbage)
    witness.ping_within(1)
    assert bus.send_msg("ok 1") == 1
    assert witness.read_type(codec.MSG) == IvyMessage(codec.MSG, 0, "1\x03")


@pytest.mark.parametrize(
    ("regexp", "text", "groups"),
    [
        pytest.param(r"^a (.*)", "a é ü", [b"\xc3\xa9 \xc3\xbc".decode().encode()], id="utf8-group"),
        pytest.param(r"x(y)?z", "xz", [b""], id="group-not-taking-part"),
        pytest.param(r"^ok$", "ok", [], id="no-group"),
        pytest.param(r"b", "abc", [], id="search-anywhere"),
        pytest.param(r"^b", "abc", None, id="anchored-miss"),
    ],
)
def test_peer_regexps_match_like_ivy(regexp, text, groups):
    assert compile_peer_regexp(regexp).search(text.encode()) == groups


def test_the_one_byte_escape_is_refused():
    with pytest.raises(IvyRegexpError, match="one byte"):
        compile_peer_regexp(r"a\Cb")
    assert compile_peer_regexp(r"a\\C").search(b"a\\C") == []
