"""Net_Node and Station over real ZMQ sockets on 127.0.0.1 (free ports)."""

from __future__ import annotations

import json
import threading

import numpy as np
import zmq

from common.networking import Net_Node, Station

TIMEOUT = 5.0


def test_node_to_station_to_node(make_station, make_node, inbox) -> None:
    station = make_station("T")
    got = inbox()
    a = make_node("a", "T", station.listen_port)
    b = make_node("b", "T", station.listen_port, {"HELLO": got})
    msg_id = a.send("b", "HELLO", {"x": [1, 2], "arr": np.arange(3, dtype="float32")})
    [value] = got.wait_for(1)
    assert msg_id == "a_0"
    assert value["x"] == [1, 2] and np.array_equal(value["arr"], np.arange(3, dtype="float32"))
    assert b.stats.received == 1 and station.stats.received == 0  # forwarded without decoding


def test_station_listens_get_the_whole_message_and_confirm(make_station, make_node, inbox) -> None:
    got = inbox()
    station = make_station("T", listens={"DATA": got})
    a = make_node("a", "T", station.listen_port)
    msg_id = a.send(key="DATA", value=42, repeat=True)  # 'to' defaults to the upstream
    [msg] = got.wait_for(1)
    assert (msg.id, msg.sender, msg.to, msg.key, msg.value) == (msg_id, "a", "T", "DATA", 42)
    assert a.outbox.wait_empty(TIMEOUT), "the Station's CONFIRM did not empty the outbox"
    assert a.stats.confirmed == 1


def test_direct_router_port(make_node, inbox) -> None:
    got_b, got_a = inbox(), inbox()
    b = make_node("b", None, None, {"PING": got_b}, router_port=0)
    assert b.router_port
    a = make_node("a", "b", b.router_port, {"PONG": got_a})
    a.send("b", "PING", 1, repeat=True)
    assert got_b.wait_for(1) == [1]
    assert b"a" in b.senders
    b.send("a", "PONG", 2)  # a is a known direct peer: sent on b's router as [a, a, body]
    assert got_a.wait_for(1) == [2]
    assert a.outbox.wait_empty(TIMEOUT)


def test_node_frames_on_the_wire_byte_for_byte(make_node) -> None:
    """A raw ROUTER sees [sender, hop0, recipient, body] and [sender, h1..hn, hn, body]."""
    ctx = zmq.Context()
    raw = ctx.socket(zmq.ROUTER)
    raw.setsockopt(zmq.IDENTITY, b"T")
    port = raw.bind_to_random_port("tcp://127.0.0.1")
    try:
        node = Net_Node("n", "T", port, {}, instance=False)
        try:
            assert raw.poll(TIMEOUT * 1000), "no ping from the node"
            assert raw.recv_multipart() == [b"n", b"T", b""]
            node.send("b", "K", 1)
            node.send(["S1", "S2"], "K", 2)
            node.send("c", "K", 3, force_to=True)
            frames = [raw.recv_multipart() for _ in range(3)]
        finally:
            node.release()
    finally:
        raw.close(0)
        ctx.term()
    bodies = [f[-1] for f in frames]
    assert frames[0] == [b"n", b"T", b"b", bodies[0]]
    assert frames[1] == [b"n", b"S1", b"S2", b"S2", bodies[1]]
    assert frames[2] == [b"n", b"c", b"c", bodies[2]]
    assert [json.loads(b)["to"] for b in bodies] == ["b", "S2", "c"]
    assert [json.loads(b)["id"] for b in bodies] == ["n_0", "n_1", "n_2"]


def test_multihop_through_three_stations(make_station, make_node, inbox) -> None:
    """Tree S1 -> S2 -> S3 (root): a under S3, b under S1. Explicit paths down and up; b's CONFIRM
    of the repeated message climbs the tree to a (to = a's id, no path needed)."""
    s3 = make_station("S3")
    s2 = make_station("S2", pusher=True, push_id="S3", push_port=s3.listen_port, push_ip="localhost")
    s1 = make_station("S1", pusher=True, push_id="S2", push_port=s2.listen_port)
    got_b, got_a = inbox(), inbox()
    a = make_node("a", "S3", s3.listen_port, {"UP": got_a})
    b = make_node("b", "S1", s1.listen_port, {"DOWN": got_b})
    a.send(["S3", "S2", "S1", "b"], "DOWN", "down the path", repeat=True)
    assert got_b.wait_for(1) == ["down the path"]
    assert a.outbox.wait_empty(TIMEOUT), "b's CONFIRM did not climb back to a"
    assert a.stats.confirmed == 1
    b.send(["S1", "S2", "S3", "a"], "UP", "up the path")
    assert got_a.wait_for(1) == ["up the path"]
    assert s1.stats.received == s2.stats.received == s3.stats.received == 0  # forwarded, never decoded
    assert s1.stats.unroutable == s2.stats.unroutable == s3.stats.unroutable == 0


def test_single_hop_climbs_the_tree(make_station, make_node, inbox) -> None:
    s2 = make_station("S2")
    s1 = make_station("S1", pusher=True, push_id="S2", push_port=s2.listen_port)
    got = inbox()
    a = make_node("a", "S1", s1.listen_port)
    make_node("b", "S2", s2.listen_port, {"UP": got})
    a.send("b", "UP", 1)  # S1 does not know b: [S2, b, body] upstream, S2 routes to its child b
    assert got.wait_for(1) == [1]


def test_ping_is_echoed_and_closing_stops_the_station(make_station) -> None:
    station = make_station("T")
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, b"T.closer")
    sock.connect(f"tcp://127.0.0.1:{station.listen_port}")
    try:
        sock.send_multipart([b"T", b""])
        assert sock.poll(TIMEOUT * 1000)
        assert sock.recv_multipart() == [b"T", b""]
        sock.send_multipart([b"T", b"CLOSING"])
        assert station.closing.wait(TIMEOUT), "CLOSING did not stop the station"
    finally:
        sock.close(0)
        ctx.term()


def test_invalid_bodies_are_counted_not_fatal(make_station, make_node, inbox) -> None:
    got = inbox()
    station = make_station("T", listens={"OK": got})
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, b"evil")
    sock.connect(f"tcp://127.0.0.1:{station.listen_port}")
    try:
        sock.send_multipart([b"T", b"T", b"not json"])
        sock.send_multipart([b"T", b"T", b'{"id": "x_0", "to": "T", "key": "OK"}'])
        sock.send_multipart([b"T", b""])  # the echo comes after the station handled both (same connection)
        assert sock.poll(TIMEOUT * 1000) and sock.recv_multipart() == [b"T", b""]
        a = make_node("a", "T", station.listen_port)
        a.send("T", "OK", 1)
        assert got.wait_for(1)[0].value == 1
        assert station.stats.invalid == 2
    finally:
        sock.close(0)
        ctx.term()


def test_listens_run_on_a_bounded_pool(make_station, make_node) -> None:
    station = make_station("T")
    names: set[str] = set()
    done = threading.Event()
    count = 0

    def listen(value: int) -> None:
        nonlocal count
        names.add(threading.current_thread().name)
        count += 1
        if count == 200:
            done.set()

    a = make_node("a", "T", station.listen_port)
    make_node("b", "T", station.listen_port, {"N": listen}, workers=1)
    for i in range(200):
        a.send("b", "N", i)
    assert done.wait(TIMEOUT), f"only {count} of 200 messages handled"
    assert len(names) == 1 and next(iter(names)).startswith("netnode-b-worker")


def test_release_stops_threads_and_owned_context() -> None:
    station = Station(id="T", listen_port=0)
    station.start()
    node = Net_Node("a", "T", station.listen_port, {}, instance=False, router_port=0)
    assert node.connected.wait(TIMEOUT)
    node.release()
    station.release()
    assert node.context.closed and station.context.closed
    shared = Net_Node("b", None, None, {}, router_port=0)  # instance=True: the process-wide context
    shared.release()
    assert not shared.context.closed  # not ours to terminate
    assert not [t for t in threading.enumerate() if t.name.startswith(("netnode-a", "station-T"))]


def _dealer(ctx: zmq.Context, identity: bytes, port: int) -> zmq.Socket:
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, identity)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://127.0.0.1:{port}")
    return sock


def _recv(sock: zmq.Socket) -> list[bytes]:
    assert sock.poll(TIMEOUT * 1000), "nothing arrived"
    return sock.recv_multipart()


def test_station_forwarding_frames_byte_for_byte(make_station) -> None:
    """Raw sockets around a Station S (pushing to a raw ROUTER U): [to, body] to a child,
    [push_id, to, body] upstream, multihop minus its own hop, pings echoed."""
    ctx = zmq.Context()
    upstream = ctx.socket(zmq.ROUTER)
    upstream.setsockopt(zmq.IDENTITY, b"U")
    upstream.setsockopt(zmq.LINGER, 0)
    up_port = upstream.bind_to_random_port("tcp://127.0.0.1")
    try:
        station = Station(id="S", listen_port=0, pusher=True, push_id="U", push_port=up_port)
        station.start()
        try:
            assert _recv(upstream) == [b"S", b"U", b""]  # the pusher's ping
            upstream.send_multipart([b"S", b"U", b""])
            x, y = _dealer(ctx, b"x", station.listen_port), _dealer(ctx, b"y", station.listen_port)
            for sock in (x, y):
                sock.send_multipart([b"S", b""])
                assert _recv(sock) == [b"S", b""]  # ping echoed
            body = b'{"opaque": "not decoded by the station"}'
            x.send_multipart([b"S", b"y", body])
            assert _recv(y) == [body]  # [to, body] to a known child
            x.send_multipart([b"S", b"far", body])
            assert _recv(upstream) == [b"S", b"U", b"far", body]  # [push_id, to, body] upstream
            x.send_multipart([b"S", b"U", b"V", b"V", body])
            assert _recv(upstream) == [b"S", b"U", b"V", b"V", body]  # multihop: next hop is the upstream
            x.send_multipart([b"S", b"y", b"z", b"z", body])
            assert _recv(y) == [b"z", b"z", body]  # multihop via the router: y's DEALER gets the rest
            upstream.send_multipart([b"S", b"y", body])
            assert _recv(y) == [body]  # from upstream (pusher) down to a child
            assert station.stats.received == 0 and station.stats.unroutable == 0
            x.close()
            y.close()
        finally:
            station.release()
    finally:
        upstream.close()
        ctx.term()
