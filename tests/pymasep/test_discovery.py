"""common/transport/pymasep_discovery.py via Server.wait_announcement / Client.search_server, on
the loopback broadcast address 127.255.255.255 (a free port: the responder binds port 0)."""

from __future__ import annotations

import queue
import socket
import threading
from typing import Any

import pytest

from common.communication import Client, Server, ServerNotFoundError, SocketHandlerQueue
from common.communication.codec import DISCOVERY_REQUEST
from common.communication.discovery import AnnouncementResponder, search_server

BROADCAST = "127.255.255.255"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((BROADCAST, 0))
        port: int = probe.getsockname()[1]
        return port


def test_client_finds_the_server_by_loopback_broadcast_and_connects() -> None:
    with Server(
        "srv",
        2,
        SocketHandlerQueue,
        (queue.Queue(),),
        "127.0.0.1",
        0,
        True,
        discovery_address=BROADCAST,
        discovery_port=0,
    ) as srv:
        srv.wait_connection()
        srv.wait_announcement()
        assert srv.announcement_port
        client = Client(
            "c", SocketHandlerQueue, (queue.Queue(),), discovery_address=BROADCAST, discovery_port=srv.announcement_port
        )
        assert client.search_server(timeout=5.0) == ("127.0.0.1", srv.port)  # the server's own address
        client.connect()
        assert client.server_id == "srv"
        client.stop()


def test_no_server_answering_is_a_clear_error() -> None:
    port = _free_udp_port()
    client = Client("c", SocketHandlerQueue, (queue.Queue(),), discovery_address=BROADCAST, discovery_port=port)
    with pytest.raises(ServerNotFoundError, match=f"no pymasep server answered at {BROADCAST}:{port}"):
        client.search_server(timeout=0.3)
    assert client.host is None and client.port is None


def test_other_datagrams_get_no_answer_and_bad_answers_are_ignored() -> None:
    responder = AnnouncementResponder(BROADCAST, 0, "127.0.0.1", 4242)
    responder.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            probe.bind(("127.0.0.1", 0))
            probe.settimeout(5.0)
            probe.sendto(b"hello?", (BROADCAST, responder.port))
            probe.sendto(DISCOVERY_REQUEST, (BROADCAST, responder.port))
            assert probe.recvfrom(100)[0] == b"127.0.0.1:4242"  # one answer: to the real request only
        assert responder.answered == 1
    finally:
        responder.stop()


def test_a_bad_answer_is_skipped_for_a_good_one() -> None:
    """A fake responder answers garbage first, then a valid address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as fake:
        fake.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        fake.bind((BROADCAST, 0))
        port = fake.getsockname()[1]
        ignored: list[Any] = []

        def answer() -> None:
            fake.settimeout(5.0)
            data, requester = fake.recvfrom(100)
            assert data == DISCOVERY_REQUEST
            fake.sendto(b"not an address", requester)
            fake.sendto(b"127.0.0.1:5555", requester)

        thread = threading.Thread(target=answer)
        thread.start()
        try:
            found = search_server(BROADCAST, port, 5.0, lambda data, sender: ignored.append(data))
        finally:
            thread.join(5.0)
        assert found == ("127.0.0.1", 5555)
        assert ignored == [b"not an address"]
