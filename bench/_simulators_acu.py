"""ACU simulator benchmark (issue 17), called by bench/simulators.py; also the receiver it spawns.

* Status stream: 20 clients on the ACU's sending port at its status period (DISCOS's 0.1 s), the
  receiver in its own process taking kernel receive timestamps (SO_TIMESTAMPNS); the error of each
  period at the receiver, and the error the server adds between stamping a status (its ACU time,
  ``actTime``) and the client's socket. Reference: a bare Python thread sending an 813-byte frame on the
  same grid to 20 sockets, stamped the same way.
* Command round trip: a mode command (46 bytes, sent at a random phase of the 10 ms status grid) on
  the listening port until the status stream shows it received (the ACU answers nothing on its command
  port: its status is its reply), and until it is executed (in-process, one way); reference: a plain
  threaded TCP echo of the same 46 bytes in its own process.

``python -m bench._simulators_acu receive PORT CLIENTS SECONDS`` is the receiver.
"""

from __future__ import annotations

import itertools
import json
import random
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FRAME = 813
ACT_TIME = slice(721, 729)  # the pointing status's actTime (MJD, REAL64) inside a status
AZ_RECEIVED_COUNTER = slice(12 + 25 + 68, 12 + 25 + 72)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
MJD_UNIX = 40587.0


def mjd_seconds(frame: bytes) -> float:
    return (struct.unpack("<d", frame[ACT_TIME])[0] - MJD_UNIX) * 86400.0


# --- the receiver (its own process) -------------------------------------------------------------
def receive(port: int, clients: int, seconds: float) -> None:
    socks = []
    for _ in range(clients):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
        socks.append(sock)
    print("ready", flush=True)
    buffers = [b""] * clients
    frames: list[list[tuple[float, float]]] = [[] for _ in range(clients)]
    with selectors.DefaultSelector() as selector:
        for index, sock in enumerate(socks):
            selector.register(sock, selectors.EVENT_READ, index)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for key, _ in selector.select(0.1):
                index, sock = key.data, key.fileobj
                data, ancillary, _, _ = sock.recvmsg(65536, 64)  # type: ignore[union-attr]
                stamp = None
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("qq", value[:16])
                        stamp = sec + nsec / 1e9
                buffers[index] += data
                while len(buffers[index]) >= FRAME:
                    frame, buffers[index] = buffers[index][:FRAME], buffers[index][FRAME:]
                    if stamp is not None:
                        frames[index].append((stamp, mjd_seconds(frame)))
    print(json.dumps(frames), flush=True)
    for sock in socks:
        sock.close()


def run_receiver(port: int, clients: int, seconds: float) -> list[list[list[float]]]:
    receiver = subprocess.Popen(
        [sys.executable, "-m", "bench._simulators_acu", "receive", str(port), str(clients), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None
    receiver.stdout.readline()
    result = json.loads(receiver.stdout.readline())
    receiver.wait(30)
    return result  # type: ignore[no-any-return]


def period_errors(received: list[list[list[float]]], period: float) -> tuple[list[float], list[float]]:
    """(|receive interval - period|, |receive interval - stamp interval|) over consecutive frames."""
    total, added = [], []
    for frames in received:
        for (rx_a, pub_a), (rx_b, pub_b) in itertools.pairwise(frames[3:]):
            steps = max(1, round((pub_b - pub_a) / period))
            total.append(abs((rx_b - rx_a) - period * steps))
            added.append(abs((rx_b - rx_a) - (pub_b - pub_a)))
    return total, added


# --- the two senders --------------------------------------------------------------------------
def acu_period(clients: int, seconds: float, period: float) -> tuple[list[float], list[float]]:
    from simulators import acu
    from simulators.server import Server, ThreadingTCPServer

    server = Server(acu, ThreadingTCPServer, {"sampling_time": period}, s_address=("127.0.0.1", 0))
    server.start()
    try:
        return period_errors(run_receiver(server.s_address[1], clients, seconds), period)  # type: ignore[index]
    finally:
        server.stop()


def bare_period(clients: int, seconds: float, period: float) -> tuple[list[float], list[float]]:
    """The floor: one thread, absolute deadlines, an 813-byte frame stamped like the ACU's, plain sends."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def send() -> None:
        while len(accepted) < clients:
            sock, _ = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            accepted.append(sock)
        frame = bytearray(FRAME)
        deadline = time.monotonic()
        while not stop.wait(max(0.0, deadline - time.monotonic())):
            frame[ACT_TIME] = struct.pack("<d", time.time() / 86400.0 + MJD_UNIX)
            for sock in accepted:
                try:
                    sock.send(frame, socket.MSG_DONTWAIT)
                except OSError:
                    pass
            deadline += period

    thread = threading.Thread(target=send)
    thread.start()
    try:
        return period_errors(run_receiver(listener.getsockname()[1], clients, seconds), period)
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()


# --- command round trip -----------------------------------------------------------------------
def command_round_trips(count: int) -> tuple[list[float], list[float]]:
    """(send -> the stream shows it received, send -> executed) for ``count`` interlock commands."""
    from simulators import acu
    from simulators.acu.acu_utils import Command, ModeCommand
    from simulators.server import Server, ThreadingTCPServer

    server = Server(acu, ThreadingTCPServer, {"sampling_time": 0.01}, ("127.0.0.1", 0), ("127.0.0.1", 0))
    server.start()
    system = server.system
    executed: dict[int, float] = {}
    original = system.execute

    def timed(request: Any) -> None:
        original(request)
        executed[request.counter] = time.perf_counter()

    system.execute = timed
    shown, done = [], []
    try:
        with (
            socket.create_connection(server.l_address) as commands,  # type: ignore[arg-type]
            socket.create_connection(server.s_address) as stream,  # type: ignore[arg-type]
        ):
            commands.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buffer = b""
            phases = random.Random(17)
            for _ in range(count):
                time.sleep(phases.uniform(0.0, 0.01))  # a random phase against the 10 ms status grid
                command = Command(ModeCommand(1, 14))  # interlock: accepted in any state
                message = command.get().encode("latin-1")
                counter = command.get_counter(0)
                started = time.perf_counter()
                commands.sendall(message)
                while True:
                    buffer += stream.recv(65536)
                    complete = len(buffer) // FRAME * FRAME
                    frames = [buffer[i : i + FRAME] for i in range(0, complete, FRAME)]
                    buffer = buffer[complete:]
                    if any(int.from_bytes(f[AZ_RECEIVED_COUNTER], "little") == counter for f in frames):
                        break
                shown.append(time.perf_counter() - started)
                done.append(executed[counter] - started)
    finally:
        server.stop()
    return shown[10:], done[10:]


def main() -> None:
    from bench.simulators import ECHO_SERVER, ms, one_line_rtts, q, row

    print("ACU status stream, 20 clients at the ACU's status period 100 ms, 8 s (kernel receive timestamps)")
    ours_total, ours_added = acu_period(20, 8.0, 0.1)
    bare_total, bare_added = bare_period(20, 8.0, 0.1)
    for label, ours, bare in (("period error at the receiver", ours_total, bare_total),
                              ("error added by the server (stamp->socket)", ours_added, bare_added)):  # fmt: skip
        for pct in (50, 99):
            row(f"{label} p{pct}", ms(q(ours, pct)), f"bare sender thread p{pct} {ms(q(bare, pct))}",
                q(ours, pct) / max(q(bare, pct), 1e-9))  # fmt: skip
    echo = subprocess.Popen([sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert echo.stdout is not None
        echo_port = int(echo.stdout.readline())
        echo_rtts = one_line_rtts(echo_port, bytes(46), 46, 300)
    finally:
        echo.terminate()
        echo.wait(10)
    shown, done = command_round_trips(300)
    print("ACU command round trip (a 46-byte mode command), 300 commands, status stream at 10 ms")
    for pct in (50, 99):
        row(f"command -> executed (one way) p{pct}", ms(q(done, pct)), f"TCP echo round trip p{pct} "
            f"{ms(q(echo_rtts, pct))}", q(done, pct) / q(echo_rtts, pct))  # fmt: skip
        row(f"command -> seen in the status stream p{pct}", ms(q(shown, pct)), f"TCP echo round trip p{pct} "
            f"{ms(q(echo_rtts, pct))}", q(shown, pct) / q(echo_rtts, pct))  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["receive"]:
        receive(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.path.insert(0, str(ROOT))
        main()
