"""The shared selector thread: many sockets, one thread, which ends with its last socket."""

from __future__ import annotations

import socket
import threading

from simulators.hub import Hub


def test_one_thread_serves_many_sockets_and_ends_with_the_last() -> None:
    hub = Hub(name="test-hub")
    pairs = [socket.socketpair() for _ in range(50)]
    seen: list[int] = []
    all_seen = threading.Event()

    def reader(sock: socket.socket, index: int) -> None:
        sock.recv(10)
        seen.append(index)
        if len(seen) == len(pairs):
            all_seen.set()

    try:
        for index, (ours, _) in enumerate(pairs):
            hub.add(ours, lambda s=ours, i=index: reader(s, i))
        assert hub.running
        assert len([t for t in threading.enumerate() if t.name == "test-hub"]) == 1
        for _, theirs in pairs:
            theirs.send(b"x")
        assert all_seen.wait(5.0), f"only {len(seen)} of {len(pairs)} sockets were served"
        for ours, _ in pairs:
            assert hub.remove(ours)
        hub.join_if_idle(5.0)
        assert not hub.running
    finally:
        for ours, theirs in pairs:
            ours.close()
            theirs.close()


def test_a_failing_callback_does_not_stop_the_hub() -> None:
    hub = Hub(name="test-hub-2")
    bad, bad_peer = socket.socketpair()
    good, good_peer = socket.socketpair()
    served = threading.Event()

    def fail() -> None:
        bad.recv(10)
        raise RuntimeError("broken server")

    try:
        hub.add(bad, fail)
        hub.add(good, lambda: (good.recv(10), served.set()))
        bad_peer.send(b"x")
        good_peer.send(b"x")
        assert served.wait(5.0), "the hub stopped serving after a callback failed"
    finally:
        hub.remove(bad)
        hub.remove(good)
        hub.join_if_idle(5.0)
        for sock in (bad, bad_peer, good, good_peer):
            sock.close()


def test_removing_a_socket_from_its_own_callback_and_an_unknown_socket() -> None:
    hub = Hub(name="test-hub-3")
    ours, theirs = socket.socketpair()
    removed = threading.Event()
    stranger, _stranger_peer = socket.socketpair()

    def remove_self() -> None:
        ours.recv(10)
        assert hub.remove(ours)
        removed.set()

    try:
        assert hub.remove(stranger)  # no thread yet: nothing to do
        hub.add(ours, remove_self)
        theirs.send(b"x")
        assert removed.wait(5.0), "the callback did not run"
        hub.join_if_idle(5.0)
        assert not hub.running
    finally:
        for sock in (ours, theirs, stranger, _stranger_peer):
            sock.close()
