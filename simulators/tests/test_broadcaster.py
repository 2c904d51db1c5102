"""The sender of TCP sending endpoints: direct delivery, slow clients, replies never inside a status."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from simulators.broadcaster import Broadcaster
from simulators.tests.helpers import recv_exactly


@pytest.fixture
def broadcaster() -> Iterator[Broadcaster]:
    sender = Broadcaster("test", retry_interval=0.005)
    sender.start()
    yield sender
    assert sender.stop()


def pair(small: bool = False) -> tuple[socket.socket, socket.socket]:
    ours, theirs = socket.socketpair()
    if small:
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        theirs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return ours, theirs


def test_statuses_published_or_queued_reach_the_client(broadcaster: Broadcaster) -> None:
    ours, theirs = pair()
    with ours, theirs:
        q = broadcaster.new_queue()
        q.publish_now(b"early")  # not registered yet: kept in the queue
        broadcaster.add(ours, q, "client")
        assert recv_exactly(theirs, 5) == b"early"
        q.publish_now(b"direct")
        assert recv_exactly(theirs, 6) == b"direct"
        q.put(b"queued")  # a System that only puts into the queue
        assert recv_exactly(theirs, 6) == b"queued"
        broadcaster.remove(ours)


def test_a_slow_client_keeps_only_the_newest_status_and_never_delays_the_others(broadcaster: Broadcaster) -> None:
    slow_ours, slow_theirs = pair(small=True)
    fast_ours, fast_theirs = pair()
    with slow_ours, slow_theirs, fast_ours, fast_theirs:
        slow_q, fast_q = broadcaster.new_queue(), broadcaster.new_queue()
        broadcaster.add(slow_ours, slow_q, "slow")
        broadcaster.add(fast_ours, fast_q, "fast")
        status = bytes(2048)
        for number in range(200):
            message = bytes([number % 256]) + status
            slow_q.publish_now(message)
            fast_q.publish_now(message)
            assert recv_exactly(fast_theirs, len(message)) == message
        assert slow_q.qsize() <= 1  # only the newest status waits for the slow client
        slow_theirs.setblocking(False)
        received = b""
        try:
            while True:
                received += slow_theirs.recv(1 << 20)
        except BlockingIOError:
            pass
        assert 0 < len(received) < 200 * 2049, "the slow client should have missed statuses"
        broadcaster.remove(slow_ours)
        broadcaster.remove(fast_ours)


def test_replies_wait_for_the_status_in_progress(broadcaster: Broadcaster) -> None:
    ours, theirs = pair(small=True)
    with ours, theirs:
        q = broadcaster.new_queue()
        broadcaster.add(ours, q, "client")
        big = b"S" * 100_000
        q.publish_now(big)
        assert broadcaster.send(ours, b"reply")
        data = recv_exactly(theirs, len(big) + 5, what="status then reply")
        assert data == big + b"reply"
        broadcaster.remove(ours)
        assert not broadcaster.send(ours, b"late")


def test_a_client_that_is_gone_is_dropped_and_its_socket_shut(broadcaster: Broadcaster) -> None:
    ours, theirs = pair()
    with ours:
        q = broadcaster.new_queue()
        broadcaster.add(ours, q, "client")
        theirs.close()
        for _ in range(3):
            q.publish_now(b"x" * 100)
        assert ours.recv(10) == b""  # shut down by the broadcaster: its handler's recv() ends
        assert not broadcaster.send(ours, b"late")
