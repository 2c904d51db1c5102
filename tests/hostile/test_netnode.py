"""Hostile Net_Node peers: a fresh ZMQ identity per message must not grow a router's ``senders``
map (or a Station's ``routes``) without bound; a peer heard from recently is still answered at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import zmq

from common.networking import Net_Node, Station
from common.networking.codec import PING
from common.networking.senders import RecentSenders

CAP = 50


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def _dealer(ctx: zmq.Context, identity: bytes, port: int) -> zmq.Socket:
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, identity)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://127.0.0.1:{port}")
    return sock


def _ping_within(sock: zmq.Socket, frames: list[bytes], budget: float = 0.2) -> None:
    start = time.monotonic()
    sock.send_multipart(frames)
    assert sock.poll(int(budget * 1000) + 500), "no PING echo"
    assert sock.recv_multipart()[-1] == PING
    elapsed = time.monotonic() - start
    assert elapsed < budget, f"PING echo after {elapsed * 1000:.0f} ms"


def _flood(ctx: zmq.Context, port: int, count: int, frames: list[bytes]) -> None:
    for i in range(count):
        sock = _dealer(ctx, f"evil-{i}".encode(), port)
        sock.send_multipart(frames)
        assert sock.poll(5000), f"no answer to flooder {i}"
        sock.recv_multipart()
        sock.close()


def test_a_router_remembers_a_bounded_number_of_identities(settings, ctx) -> None:
    settings.NETNODE_MAX_SENDERS = CAP
    node = Net_Node("victim", None, None, {}, router_port=0, instance=False)
    try:
        witness = _dealer(ctx, b"witness", node.router_port)
        _ping_within(witness, [PING], budget=2.0)  # the first connect takes a while
        _flood(ctx, node.router_port, 400, [PING])
        assert len(node.senders) <= CAP
        assert node.senders.evicted >= 400 + 1 - CAP
        _ping_within(witness, [PING])
        assert b"witness" in node.senders and b"evil-0" not in node.senders
        witness.close()
    finally:
        node.release()


def test_a_station_bounds_its_senders_and_routes(settings, ctx) -> None:
    settings.NETNODE_MAX_SENDERS = CAP
    station = Station(id="T", listen_port=0)
    station.start()
    try:
        witness = _dealer(ctx, b"witness", station.listen_port)
        _ping_within(witness, [PING], budget=2.0)
        _flood(ctx, station.listen_port, 300, [b"h1", b"h2", b"T", PING])  # multihop: a route is kept
        assert len(station.senders) <= CAP  # identity and _identity each count
        assert len(station.routes) <= CAP
        _ping_within(witness, [PING])
        witness.close()
    finally:
        station.release()


def test_recent_senders_expire_and_evict_the_least_recently_heard() -> None:
    gone: list[bytes] = []
    senders = RecentSenders(3, ttl=10.0, on_evict=gone.append)
    for i, identity in enumerate([b"a", b"b", b"c"]):
        senders.add(identity, now=float(i))
    senders.add(b"a", now=3.0)  # heard again: now the most recent
    senders.add(b"d", now=4.0)  # over capacity: b (least recent) goes
    assert gone == [b"b"] and len(senders) == 3
    assert senders.prune(now=12.5) == 1 and gone == [b"b", b"c"]  # c last heard at 2.0
    senders.add(b"e", now=20.0)  # a (3.0) and d (4.0) are stale by now: pruned on the way
    assert gone == [b"b", b"c", b"a", b"d"] and len(senders) == 1
    with pytest.raises(ValueError):
        RecentSenders(0, 1.0)


def test_generated_garbage_frames_never_stop_a_router(ctx) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    node = Net_Node("victim", None, None, {}, router_port=0, instance=False)
    try:
        witness = _dealer(ctx, b"witness", node.router_port)
        _ping_within(witness, [PING], budget=2.0)
        attacker = _dealer(ctx, b"attacker", node.router_port)

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(frames=st.lists(st.binary(max_size=512), min_size=1, max_size=5))
        def attack(frames: list[bytes]) -> None:
            attacker.send_multipart(frames)
            _ping_within(witness, [PING])

        attack()
        assert node.stats.invalid > 0  # garbage was seen, counted and dropped
        attacker.close()
        witness.close()
    finally:
        node.release()
