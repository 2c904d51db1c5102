"""Simulators (issues 3, 16, 17): start-up, memory, USD round trips, the sending period, and every simulator
at once, each next to a reference.

Run: ``python bench/simulators.py`` (``bench/run.py simulators`` needs run.py to load bench modules by
file path: the module name collides with the ``simulators`` app). References measured in the same run:
- start-up and memory: the DISCOS way, one forked process per server (96 for the Active Surface), and
  the spec's figure for the reference implementation (~1.2 s);
- USD round trips: a plain threaded TCP echo server on loopback, in its own process, timed the same way;
- sending period: a bare Python thread sending on the same 10 ms grid to 20 sockets (the machine's floor);
- every simulator at once: one forked process per server of every simulator, as DISCOS runs them.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
AS_PORTS = [11000 + line for line in range(96)]
SPEC_REFERENCE_STARTUP = 1.2  # seconds, DISCOS, from the spec
STATUS_QUERY = bytes.fromhex("FA 21 13 D1")  # driver 1 status, 6-byte reply
STATUS_QUERY_2 = bytes.fromhex("FA 22 13 D0")  # driver 2 status (left at the default response delay)
DELAY_0 = bytes.fromhex("FA 41 28 00 9C")  # driver 1 response delay multiplier := 0
ECHO_SERVER = """
import socketserver, sys
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(1024):
            self.request.sendall(data)
server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


# --- helpers ------------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def q(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] if len(values) > 1 else values[0]


def row(label: str, ours: str, reference: str, ratio: float) -> None:
    print(f"  {label:<44} {ours:>14}   vs {reference:<44} ratio {ratio:6.2f}")


def ports_free(tcp: list[int], udp: list[int]) -> bool:
    opened = []
    try:
        for kind, ports in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
            for port in ports:
                sock = socket.socket(socket.AF_INET, kind)
                opened.append(sock)
                sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in opened:
            sock.close()
    return True


def free_offset() -> int:
    for offset in range(1000, 19000, 137):
        if ports_free([p + offset for p in AS_PORTS], [12600 + offset]):
            return offset
    raise RuntimeError("no free port offset")


def wait_accepting(ports: list[int], started: float, timeout: float = 30.0) -> float:
    """Seconds from ``started`` until every port has accepted a connection."""
    waiting = set(ports)
    while waiting:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{len(waiting)} ports never accepted")
        for port in list(waiting):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    waiting.discard(port)
        if waiting:
            time.sleep(0.001)  # leave the CPU to the processes being measured
    return time.monotonic() - started


def wait_bound(udp_ports: list[int], started: float, timeout: float = 30.0) -> None:
    """Until every UDP port is bound (a bind of our own fails)."""
    waiting = set(udp_ports)
    while waiting:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{len(waiting)} UDP ports never bound")
        waiting = {p for p in waiting if ports_free([], [p])}
        if waiting:
            time.sleep(0.001)


def all_ports(names: tuple[str, ...] = ()) -> tuple[list[int], list[int]]:
    """(TCP ports, UDP ports) declared by the simulators called ``names`` (all if empty)."""
    from simulators.catalog import select

    entries = [e for s in select(list(names)) for e in s.entries]
    addresses = [(e.protocol, a[1]) for e in entries for a in (e.l_address, e.s_address) if a]
    return [p for k, p in addresses if k == "tcp"], [p for k, p in addresses if k == "udp"]


def tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of a process and its children; PSS shares the pages forked processes share."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    infos = [p.memory_full_info() for p in processes]
    return sum(i.rss for i in infos) / 1e6, sum(i.pss for i in infos) / 1e6


# --- start-up and memory ------------------------------------------------------------------------
def start_command(
    offset: int, *extra: str, names: tuple[str, ...] = ("active_surface", "weather_station")
) -> tuple[subprocess.Popen[str], float]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runsimulators", *names, "--port-offset", str(offset), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYROS_AGENTS_AUTOSTART": "0"},
    )
    tcp, udp = all_ports(names) if names != ("active_surface", "weather_station") else (AS_PORTS, [])
    elapsed = wait_accepting([p + offset for p in tcp], started)
    wait_bound([p + offset for p in udp], started)
    elapsed = time.monotonic() - started
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("running"):
            break
    return process, elapsed


def stop_command(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(30)


def in_process_startup(offset: int) -> float:
    from simulators.server import Simulator

    simulator = Simulator("active_surface", port_offset=offset)
    started = time.monotonic()
    simulator.start(daemon=True)
    elapsed = wait_accepting([p + offset for p in AS_PORTS], started)
    simulator.stop()
    return elapsed


def _serve_one(index: int, offset: int) -> None:
    from simulators import active_surface
    from simulators.server import Server

    l_address, _, server_type, kwargs = active_surface.servers[index]
    Server(active_surface, server_type, kwargs, ("127.0.0.1", l_address[1] + offset)).serve_forever()


def process_per_server_startup(offset: int) -> tuple[float, float, float]:
    """The DISCOS way: fork one process per line. Returns (seconds until all accept, RSS MB, PSS MB)."""
    if threading.active_count() != 1:
        raise RuntimeError("cannot fork the baseline: threads are running")
    context = multiprocessing.get_context("fork")
    started = time.monotonic()
    processes = [context.Process(target=_serve_one, args=(i, offset), daemon=True) for i in range(96)]
    for process in processes:
        process.start()
    try:
        elapsed = wait_accepting([p + offset for p in AS_PORTS], started)
        infos = [psutil.Process(p.pid).memory_full_info() for p in processes if p.pid]
        return elapsed, sum(i.rss for i in infos) / 1e6, sum(i.pss for i in infos) / 1e6
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)


# --- round trips --------------------------------------------------------------------------------
def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise RuntimeError("connection closed")
        data += chunk
    return data


def one_line_rtts(port: int, request: bytes, reply_size: int, count: int, setup: bytes = b"") -> list[float]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if setup:
            sock.sendall(setup)
            recv_exactly(sock, 1)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            sock.sendall(request)
            recv_exactly(sock, reply_size)
            times.append(time.perf_counter() - started)
    return times[10:]


def parallel_rtts(ports: list[int], request: bytes, reply_size: int, rounds: int, setup: bytes = b"") -> list[float]:
    """Every round sends one request on every connection at once and waits for all the replies."""
    socks = [socket.create_connection(("127.0.0.1", port)) for port in ports]
    times: list[float] = []
    try:
        for sock in socks:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if setup:
                sock.sendall(setup)
                recv_exactly(sock, 1)
            sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            for sock in socks:
                selector.register(sock, selectors.EVENT_READ)
            for _ in range(rounds):
                times += _one_round(selector, socks, request, reply_size)
    finally:
        for sock in socks:
            sock.close()
    return times


def _one_round(selector: selectors.BaseSelector, socks: list[socket.socket], request: bytes, size: int) -> list[float]:
    received = dict.fromkeys(socks, 0)
    started = time.perf_counter()
    for sock in socks:
        sock.send(request)
    times = []
    while len(times) < len(socks):
        for key, _ in selector.select(10.0):
            sock = key.fileobj
            received[sock] += len(sock.recv(4096))  # type: ignore[union-attr, index]
            if received[sock] == size:  # type: ignore[index]
                times.append(time.perf_counter() - started)
    return times


# --- sending period -----------------------------------------------------------------------------
def run_receiver(port: int, clients: int, seconds: float) -> list[list[list[Any]]]:
    receiver = subprocess.Popen(
        [sys.executable, "-m", "simulators.tests.receiver", str(port), str(clients), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None
    receiver.stdout.readline()
    result = json.loads(receiver.stdout.readline())
    receiver.wait(30)
    return result  # type: ignore[no-any-return]


def period_errors(received: list[list[list[Any]]]) -> tuple[list[float], list[float]]:
    """(error of each period at the receiver, error added between publishing and the client's socket)."""
    total, added = [], []
    for statuses in received:
        stamped = [s for s in statuses[10:] if s[0] is not None]
        for (rx_a, pub_a, seq_a), (rx_b, pub_b, seq_b) in itertools.pairwise(stamped):
            total.append(abs((rx_b - rx_a) - 0.01 * (seq_b - seq_a)))
            added.append(abs((rx_b - rx_a) - (pub_b - pub_a)))
    return total, added


def framework_period(clients: int, seconds: float) -> tuple[list[float], list[float]]:
    from simulators.common import SendingSystem
    from simulators.server import Server, ThreadingTCPServer

    class Ticker(SendingSystem):
        def __init__(self) -> None:
            self.stop_event = threading.Event()
            self.thread = threading.Thread(target=self.run)
            self.thread.start()

        def run(self) -> None:
            deadline, seq = time.monotonic(), 0
            while not self.stop_event.wait(max(0.0, deadline - time.monotonic())):
                self.publish(struct.pack("!dQ", time.time(), seq))
                seq, deadline = seq + 1, deadline + 0.01

        def system_stop(self) -> str:
            self.stop_event.set()
            self.thread.join()
            return super().system_stop()

    server = Server(Ticker, ThreadingTCPServer, {}, s_address=("127.0.0.1", 0))
    server.start()
    try:
        return period_errors(run_receiver(server.s_address[1], clients, seconds))  # type: ignore[index]
    finally:
        server.stop()


def bare_period(clients: int, seconds: float) -> tuple[list[float], list[float]]:
    """The floor: one thread, absolute 10 ms deadlines, a plain send to each client."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while len(accepted) < clients:
            sock, _ = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            accepted.append(sock)
        deadline, seq = time.monotonic(), 0
        while not stop.wait(max(0.0, deadline - time.monotonic())):
            message = struct.pack("!dQ", time.time(), seq)
            for sock in accepted:
                try:
                    sock.send(message, socket.MSG_DONTWAIT)
                except OSError:
                    pass
            seq, deadline = seq + 1, deadline + 0.01

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        return period_errors(run_receiver(listener.getsockname()[1], clients, seconds))
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()


# --- main ---------------------------------------------------------------------------------------
def startup_and_memory(offset: int) -> None:
    """Ours first (medians of repeated starts); the 96-process baseline last, as it loads the machine."""
    in_process = statistics.median(in_process_startup(offset) for _ in range(5))
    commands = {}
    for processes in (1, 4):
        runs = []
        for _ in range(3):
            command, elapsed = start_command(offset, "--processes", str(processes))
            runs.append((elapsed, *tree_memory(command.pid)))
            stop_command(command)
        commands[processes] = [statistics.median(values) for values in zip(*runs, strict=True)]
    baseline, base_rss, base_pss = process_per_server_startup(offset)
    print("Start-up: all 96 Active Surface lines accepting connections (medians of 5 / 3 starts)")
    spec = f"spec's DISCOS figure {SPEC_REFERENCE_STARTUP} s"
    row(
        "framework in process (Simulator.start)",
        f"{in_process:.3f} s",
        f"96 forked processes {baseline:.3f} s",
        in_process / baseline,
    )
    row("", f"{in_process:.3f} s", spec, in_process / SPEC_REFERENCE_STARTUP)
    for processes, (elapsed, rss, pss) in commands.items():
        row(
            f"runsimulators --processes {processes}, exec -> 96 up",
            f"{elapsed:.3f} s",
            spec,
            elapsed / SPEC_REFERENCE_STARTUP,
        )
        row(
            "  memory, all 97 servers: PSS (RSS)",
            f"{pss:.0f} ({rss:.0f}) MB",
            f"96 forked processes {base_pss:.0f} ({base_rss:.0f}) MB",
            pss / base_pss,
        )
        row("", f"{rss:.0f} MB RSS", "the issue's limit 150 MB RSS", rss / 150)


def round_trips(offset: int) -> None:
    echo = subprocess.Popen([sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True)
    command, _ = start_command(offset)
    try:
        assert echo.stdout is not None
        echo_port = int(echo.stdout.readline())
        line = 11000 + offset
        echo_one = one_line_rtts(echo_port, STATUS_QUERY, 4, 1000)
        print("USD round trip, one line (status query, 4 bytes out, 6 back), 1000 requests")
        variants = (
            ("response delay 0 (28 00)", STATUS_QUERY, DELAY_0),
            ("default response delay 5 x 512 us", STATUS_QUERY_2, b""),
        )
        for label, query, setup in variants:
            ours = one_line_rtts(line, query, 6, 1000, setup)
            for pct in (50, 99):
                row(
                    f"{label} p{pct}",
                    ms(q(ours, pct)),
                    f"plain TCP echo p{pct} {ms(q(echo_one, pct))}",
                    q(ours, pct) / q(echo_one, pct),
                )
        print("USD round trip, all 96 lines in parallel (one request per line per round), 50 rounds")
        ports = [p + offset for p in AS_PORTS]
        ours_all = parallel_rtts(ports, STATUS_QUERY, 6, 50, DELAY_0)
        echo_all = parallel_rtts([echo_port] * 96, STATUS_QUERY, 4, 50)
        for pct in (50, 99):
            row(
                f"response delay 0, p{pct}",
                ms(q(ours_all, pct)),
                f"TCP echo, 96 connections p{pct} {ms(q(echo_all, pct))}",
                q(ours_all, pct) / q(echo_all, pct),
            )
    finally:
        stop_command(command)
        echo.terminate()
        echo.wait(10)


def sending_period() -> None:
    print("Sending period, 10 ms to 20 clients, 3 s, receiver in its own process (kernel receive timestamps)")
    ours_total, ours_added = framework_period(20, 3.0)
    bare_total, bare_added = bare_period(20, 3.0)
    for pct in (50, 99):
        row(
            f"period error at the receiver p{pct}",
            ms(q(ours_total, pct)),
            f"bare sender thread p{pct} {ms(q(bare_total, pct))}",
            q(ours_total, pct) / max(q(bare_total, pct), 1e-9),
        )
    for pct in (50, 99):
        row(
            f"error added by the server (publish->socket) p{pct}",
            ms(q(ours_added, pct)),
            f"bare sender thread p{pct} {ms(q(bare_added, pct))}",
            q(ours_added, pct) / max(q(bare_added, pct), 1e-9),
        )


def main() -> None:
    offset = free_offset()
    print(f"port offset {offset}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    round_trips(offset)
    sending_period()
    from bench._simulators_acu import main as acu_figures  # issue 17: the ACU's stream and commands

    acu_figures()
    startup_and_memory(offset)
    from bench._simulators_all import all_simulators  # it imports this module's helpers

    all_simulators()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    # Run as a script the bench folder comes first on sys.path, where this file would shadow the
    # ``simulators`` package it measures: put the project root first instead.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent)]
    main()
