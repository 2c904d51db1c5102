"""Mount (issue 15): ``MountEndpoint.goto()`` -> the mount simulator receives ``:MS#``, next to a floor.

Run: ``.venv/bin/python bench/run.py mount``. The mount simulator is served from this process (its own
threads, real loopback TCP). Figure: time from the ``goto(ra, dec)`` call (any thread, returns at once)
to the simulator having parsed and executed ``:MS#`` (after ``:Sr`` and ``:Sd`` were each answered). Reference
measured in the same run: a plain blocking client writing the same three commands and reading each
reply before the next (the least any LX200 client can do), timed to the same ``:MS#`` event.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")

import django

django.setup()

from scheduler.mount import MountEndpoint  # noqa: E402
from simulators import mount  # noqa: E402
from simulators.server import Server, ThreadingTCPServer  # noqa: E402

ROUNDS = 300


class NoAgent:
    def call_soon(self, callback: Any, *args: Any) -> None:
        pass


class MsWatch:
    """Timestamps (perf_counter) each ``:MS#`` the simulator parses."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at = 0.0

    def __call__(self, when: float, text: str) -> None:
        if text == ":MS#":
            self.at = time.perf_counter()
            self.event.set()


def targets(server: Server) -> list[tuple[float, float]]:
    lst = server.system.mount.lst(time.time())
    return [((lst - 10.0 - (i % 20)) % 360.0, -30.0 + (i % 7)) for i in range(ROUNDS)]


def endpoint_latencies(server: Server, watch: MsWatch) -> list[float]:
    assert server.l_address is not None
    endpoint = MountEndpoint(NoAgent(), *server.l_address, position_interval=3600.0)
    endpoint.start()
    try:
        if not endpoint.wait_connected(5.0):
            raise SystemExit("the endpoint did not connect")
        samples = []
        for ra, dec in targets(server):
            watch.event.clear()
            start = time.perf_counter()
            endpoint.goto(ra, dec)
            if not watch.event.wait(5.0):
                raise SystemExit("no :MS# within 5 s")
            samples.append(watch.at - start)
        return samples
    finally:
        endpoint.stop()


def blocking_latencies(server: Server, watch: MsWatch) -> list[float]:
    assert server.l_address is not None
    samples = []
    with socket.create_connection(server.l_address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for ra, dec in targets(server):
            hours = round(ra / 15 * 3600) % 86400
            sign, arcsec = ("-" if dec < 0 else "+"), round(abs(dec) * 3600)
            commands = [
                f":Sr{hours // 3600:02d}:{hours % 3600 // 60:02d}:{hours % 60:02d}#".encode(),
                f":Sd{sign}{arcsec // 3600:02d}*{arcsec % 3600 // 60:02d}:{arcsec % 60:02d}#".encode(),
            ]
            watch.event.clear()
            start = time.perf_counter()
            for command in commands:
                sock.sendall(command)
                sock.recv(1)
            sock.sendall(b":MS#")
            if not watch.event.wait(5.0):
                raise SystemExit("no :MS# within 5 s")
            samples.append(watch.at - start)
            sock.recv(64)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    server = Server(mount, ThreadingTCPServer, {"slew_rate": 50.0, "acceleration": 100.0}, ("127.0.0.1", 0))
    server.start()
    watch = MsWatch()
    server.system.lx200.listeners.append(watch)
    try:
        reference = blocking_latencies(server, watch)
        ours = endpoint_latencies(server, watch)
    finally:
        server.stop()
    print(f"goto() -> simulator parses :MS#, {ROUNDS} gotos (Sr, Sd answered first)")
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        a, b = percentile(ours, q) * 1e6, percentile(reference, q) * 1e6
        print(f"  {name}: MountEndpoint {a:8.1f} us | blocking client {b:8.1f} us | ratio {a / b:5.2f}x")
    print(f"  mean: MountEndpoint {statistics.mean(ours) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
