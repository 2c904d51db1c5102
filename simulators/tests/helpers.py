"""Helpers for the simulator tests (not a test module)."""

from __future__ import annotations

import random
import socket
import time
from typing import Any

from simulators.common import ByteParser


class _Rejected:
    def __repr__(self) -> str:
        return "E"


E = _Rejected()
"""What :func:`feed` records for a byte on which ``parse`` raised ValueError."""


def usd(text: str) -> bytes:
    """``"FC 21 13 CF"`` -> bytes."""
    return bytes.fromhex(text)


def feed(parser: ByteParser, data: bytes) -> list[Any]:
    """Feed ``data`` one byte at a time; the outcome of each byte (``E`` for a ValueError)."""
    outcomes: list[Any] = []
    for value in data:
        try:
            outcomes.append(parser.parse(chr(value)))
        except ValueError:
            outcomes.append(E)
    return outcomes


def last(parser: ByteParser, data: bytes) -> Any:
    """The outcome of the last byte; every earlier byte must have returned True."""
    outcomes = feed(parser, data)
    assert outcomes[:-1] == [True] * (len(data) - 1), f"{data.hex(' ')}: {outcomes}"
    return outcomes[-1]


def wire(result: Any) -> str:
    """A reply as spaced hex (``06 FA 13 EC``); other outcomes unchanged."""
    return result.encode("latin-1").hex(" ").upper() if isinstance(result, str) else result


class ManualClock:
    """A motion clock that never ticks by itself: tests call ``line.motion_step`` explicitly."""

    def register(self, line: object) -> None:
        pass

    def unregister(self, line: object, timeout: float = 5.0) -> None:
        pass


def ports_free(tcp_ports: list[int], udp_ports: list[int]) -> bool:
    """Whether every port can be bound on 127.0.0.1 right now (TCP listening, UDP)."""
    sockets = []
    try:
        for kind, ports in ((socket.SOCK_STREAM, tcp_ports), (socket.SOCK_DGRAM, udp_ports)):
            for port in ports:
                sock = socket.socket(socket.AF_INET, kind)
                sockets.append(sock)
                if kind == socket.SOCK_STREAM:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()
    return True


def free_offset(tcp_ports: list[int], udp_ports: list[int], low: int = 1000, high: int = 19000) -> int:
    """A port offset that moves all the given ports onto free ports below the ephemeral range."""
    rng = random.Random()
    for _ in range(200):
        offset = rng.randrange(low, high)
        if ports_free([p + offset for p in tcp_ports], [p + offset for p in udp_ports]):
            return offset
    raise AssertionError("no free port offset found in 200 tries")


def recv_until(sock: socket.socket, predicate: Any, timeout: float = 5.0, what: str = "reply") -> bytes:
    """Read from a TCP socket until ``predicate(data)`` holds; fail with ``what`` after ``timeout``."""
    data = b""
    deadline = time.monotonic() + timeout
    while not predicate(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {what} within {timeout} s (got {data!r})")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            raise AssertionError(f"connection closed before the {what} (got {data!r})")
        data += chunk
    return data


def recv_exactly(sock: socket.socket, size: int, timeout: float = 5.0, what: str = "reply") -> bytes:
    return recv_until(sock, lambda data: len(data) >= size, timeout, what)


def frame(index: int, command: int, params: bytes = b"", start: int = 0xFA) -> bytes:
    """An addressed USD request with its checksum."""
    data = bytes([start, ((len(params) + 1) << 5) | index, command]) + params
    return data + bytes([~sum(data) & 0xFF])


def broadcast(command: int, params: bytes = b"", start: int = 0xFA) -> bytes:
    """A broadcast USD request with its checksum."""
    data = bytes([start, 0x00, len(params) + 1, command]) + params
    return data + bytes([~sum(data) & 0xFF])


class BackgroundRun:
    """``runner.run`` in a thread (no signal handlers there), its printed lines in a queue."""

    def __init__(self, selections: list[Any], run_dir: Any, **kwargs: Any) -> None:
        import queue
        import threading

        from simulators import runner
        from simulators.control import RunControl

        self.control = RunControl()
        self.lines: queue.Queue[str] = queue.Queue()
        self.result: list[object] = []

        def target() -> None:
            try:
                self.result.append(
                    runner.run(selections, run_dir=run_dir, out=self.lines.put, control=self.control, **kwargs)
                )
            except BaseException as exc:  # reported by join()
                self.result.append(exc)
                self.lines.put(f"error {exc!r}")

        self.thread = threading.Thread(target=target, name="background-run")
        self.thread.start()

    def wait_line(self, prefix: str, timeout: float = 10.0) -> str:
        import queue

        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the run printed no line starting with {prefix!r} within {timeout} s") from None
            if line.startswith("error"):
                raise AssertionError(line)
            if line.startswith(prefix):
                return line

    def join(self, timeout: float = 10.0) -> object:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the run did not end within {timeout} s"
        return self.result[0]

    def stop(self) -> object:
        if self.thread.is_alive():
            self.control.request_stop()
        return self.join()
