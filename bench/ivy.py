"""Ivy bus throughput: pyros's Ivy peer against ivy-python 4.0 (the reference).

``.venv/bin/python bench/run.py ivy``: for 20,000 and 100,000 messages of 20 and 200 bytes sent
through a bound regexp (``^bench (.*)``, one captured group), each pair sender -> receiver
(ivy-python -> ivy-python = the reference, pyros -> pyros, pyros -> ivy-python, ivy-python ->
pyros) runs in two separate processes on 127.255.255.255 with a free UDP port. Rate = messages /
(time of the last message received - time the first was sent), on the system-wide monotonic clock.
Every message is counted by the receiver: ``lost`` must be 0.

The same file is the sender and receiver processes: ``bench/ivy.py send|receive IMPL BUS COUNT SIZE``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNTS = (20_000, 100_000)
SIZES = (20, 200)
PAIRS = (("ivy-python", "ivy-python"), ("pyros", "pyros"), ("pyros", "ivy-python"), ("ivy-python", "pyros"))
REGEXP = r"^bench (.*)"
TIMEOUT = 60.0


# --- the two processes --------------------------------------------------------------------------
def _peer(impl: str, name: str, on_connect: Any = None) -> Any:
    """A peer; ``on_connect()`` runs once a peer's handshake (its regexps, then END_INIT) is done."""
    if impl == "pyros":
        from common.ivy import IvyBus

        return IvyBus(name, bus=_BUS, max_queue=10_000_000, on_connect=on_connect and (lambda c: on_connect()))
    import logging

    from ivy.ivy import IvyApplicationConnected, IvyServer

    logging.getLogger("Ivy").setLevel(logging.WARNING)

    def app_callback(client: Any, event: int) -> None:
        if on_connect is not None and event == IvyApplicationConnected:
            on_connect()

    return IvyServer(name, "", app_callback)


def _start(impl: str, peer: Any) -> None:
    if impl == "pyros":
        peer.start()
    else:
        peer.start(_BUS)


def _stop(impl: str, peer: Any) -> None:
    peer.stop()
    if impl != "pyros":
        peer.server_close()


def receive(impl: str, count: int) -> None:
    done = threading.Event()
    state = {"n": 0, "last": 0.0}

    def on_msg(client: Any, text: str) -> None:
        state["n"] += 1
        if state["n"] == count:
            state["last"] = time.monotonic()
            done.set()

    peer = _peer(impl, "bench-recv")
    if impl == "pyros":
        peer.bind(REGEXP, on_msg)
    else:
        peer.bind_msg(on_msg, REGEXP)
    _start(impl, peer)
    print("READY", flush=True)
    done.wait(TIMEOUT)
    print(f"DONE {state['n']} {state['last']!r}", flush=True)
    _stop(impl, peer)


def send(impl: str, count: int, size: int) -> None:
    subscribed = threading.Event()
    peer = _peer(impl, "bench-send", subscribed.set)
    _start(impl, peer)
    if not subscribed.wait(TIMEOUT):
        print("ERROR the receiver never subscribed", flush=True)
        return
    text = "bench " + "x" * (size - len("bench "))
    send_msg = peer.send_msg
    start = time.monotonic()
    for _ in range(count):
        send_msg(text)
    print(f"SENT {start!r} {time.monotonic()!r}", flush=True)
    sys.stdin.readline()  # the parent says when the receiver has everything (or gave up)
    _stop(impl, peer)


# --- the orchestration ------------------------------------------------------------------------------
def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _line(proc: subprocess.Popen[str], prefix: str) -> list[str]:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(prefix):
            return line.split()[1:]
    raise RuntimeError(f"bench process ended without {prefix!r}")


def trial(sender: str, receiver: str, count: int, size: int) -> tuple[float, int]:
    """(messages per second, messages lost) for one run."""
    bus = f"127.255.255.255:{_free_udp_port()}"
    recv = _spawn("receive", receiver, bus, str(count), str(size))
    sendp: subprocess.Popen[str] | None = None
    try:
        _line(recv, "READY")
        sendp = _spawn("send", sender, bus, str(count), str(size))
        start = float(_line(sendp, "SENT")[0])
        received, last = _line(recv, "DONE")
        assert sendp.stdin is not None
        sendp.stdin.write("quit\n")
        sendp.stdin.flush()
        lost = count - int(received)
        rate = count / (float(last) - start) if not lost else 0.0
        return rate, lost
    finally:
        for proc in (sendp, recv):
            if proc is not None:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                for stream in (proc.stdin, proc.stdout):
                    if stream is not None:
                        stream.close()


def main(pairs: tuple[tuple[str, str], ...] = PAIRS, counts: tuple[int, ...] = COUNTS) -> None:
    print(f"Ivy: {REGEXP} with one group, sender and receiver in separate processes, loopback")
    print(f"{'messages':>9} {'bytes':>5}  {'sender -> receiver':<26} {'msg/s':>9} {'ratio':>6} {'lost':>5}")
    for count in counts:
        for size in SIZES:
            reference = 0.0
            for sender, receiver in pairs:
                rate, lost = trial(sender, receiver, count, size)
                if (sender, receiver) == PAIRS[0]:
                    reference = rate
                ratio = f"{rate / reference:.2f}x" if reference else "-"
                pair = f"{sender} -> {receiver}"
                print(f"{count:>9} {size:>5}  {pair:<26} {rate:>9,.0f} {ratio:>6} {lost:>5}", flush=True)


_BUS = ""

if __name__ == "__main__":
    # This file is named like ivy-python's package: keep its directory off the import path.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    role, impl, _BUS, count_arg, size_arg = sys.argv[1:6]
    if role == "receive":
        receive(impl, int(count_arg))
    else:
        send(impl, int(count_arg), int(size_arg))
