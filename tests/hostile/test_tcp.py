"""Hostile peers on the threaded TCP server (pymasep, Ivy, simulators): a connection flood cannot grow
the process by a thread per connection."""

from __future__ import annotations

import socket

from common.transport.tcp import ThreadedTCPServer


def _echo_until_closed(sock: socket.socket, peer: tuple[str, int]) -> None:
    while data := sock.recv(4096):
        sock.sendall(data)


def test_connections_over_the_cap_are_closed_and_served_ones_keep_working():
    server = ThreadedTCPServer("127.0.0.1", 0, _echo_until_closed, name="capped", max_connections=3)
    server.start()
    held = []
    try:
        held = [socket.create_connection(server.address, timeout=5) for _ in range(3)]
        for sock in held:  # each is being served by its thread
            sock.sendall(b"hi")
            assert sock.recv(10) == b"hi"
        extra = [socket.create_connection(server.address, timeout=5) for _ in range(20)]
        for sock in extra:
            try:
                assert sock.recv(10) == b""  # closed at once, no thread started
            except ConnectionResetError:
                pass
            sock.close()
        assert server.pending == 3
        assert server.refused == 20
        held[0].sendall(b"still")
        assert held[0].recv(10) == b"still"
        held.pop(0).close()
        with socket.create_connection(server.address, timeout=5) as again:
            for _ in range(100):  # the freed slot is reused once its thread has ended
                again.sendall(b"x")
                try:
                    if again.recv(10) == b"x":
                        break
                except ConnectionResetError:
                    pass
                again.close()
                again = socket.create_connection(server.address, timeout=5)
            else:
                raise AssertionError("the freed slot was never reused")
    finally:
        for sock in held:
            sock.close()
        server.stop()
