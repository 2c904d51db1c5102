"""The cost of the native endpoint's limits (issue 11): agent-side CPU per pipelined notification.

Runs the native endpoint (its own selector loop, as the agent drives it) and a client socket in this
process, and measures the CPU time of the thread that reads, decodes and delivers 100,000
pre-encoded notifications (best of 7; CPU time, so other load on the machine matters little). Give
the root of other checkouts to measure them the same way in the same run, e.g. the main branch
exported with ``git archive main | tar -x -C /tmp/main``::

    .venv/bin/python bench/limits.py /tmp/main

Without arguments (and from ``bench/run.py``) the reference is the ``main`` branch, exported to a
temporary directory with ``git archive``. Not run by the test command.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
COUNT = 100_000


def measure() -> float:
    """CPU seconds of this thread for COUNT notifications (run inside the checkout to measure)."""
    from common.protocol import NOTIFY, Message, frame_message
    from common.transport.native import NativeEndpoint

    frame = frame_message(Message("New request", {"target": "M31", "exp": 30}, 1, "bench", NOTIFY))
    selector = selectors.DefaultSelector()
    endpoint = NativeEndpoint("127.0.0.1", 0)
    endpoint.start(selector)
    client = socket.create_connection(endpoint.address)
    got = [0]

    def deliver(message: object, conn: object) -> None:
        got[0] += 1

    writer = threading.Thread(target=client.sendall, args=(frame * COUNT,))
    start = time.thread_time()
    writer.start()
    while got[0] < COUNT:
        for key, mask in selector.select(1.0):
            endpoint.handle(key, mask, deliver)
        endpoint.flush()
        endpoint.expire(time.monotonic())
    cpu = time.thread_time() - start
    writer.join()
    client.close()
    endpoint.stop()
    selector.close()
    return cpu


def run_in(root: Path) -> float:
    code = f"import sys; sys.path.insert(0, {str(root)!r}); sys.path.insert(1, {str(HERE / 'bench')!r}); "
    code += "import limits; print(min(limits.measure() for _ in range(7)))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pyros.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(others: list[str] | None = None) -> None:
    """Compare this checkout with ``others`` (default: the ``main`` branch, exported to a temporary
    directory with ``git archive``, when there is one)."""
    with tempfile.TemporaryDirectory() as scratch:
        labels = {HERE: f"this checkout ({HERE.name})"}
        if others is None:
            if _export_main(Path(scratch)):
                labels[Path(scratch).resolve()] = "main (git archive)"
        else:
            labels.update({Path(p).resolve(): p for p in others})
        results = {root: run_in(root) for root in labels}
    base = list(results.values())[-1]
    print(f"native endpoint, {COUNT:,} pipelined notifications, agent-side CPU (best of 7; last = reference)")
    for root, cpu in results.items():
        per = cpu / COUNT * 1e9
        print(f"  {labels[root]:40s} {per:7.0f} ns/msg  {COUNT / cpu:10,.0f} msg/s  ratio {cpu / base:.3f}")


def _export_main(target: Path) -> bool:
    archive = subprocess.run(["git", "archive", "main"], cwd=HERE, capture_output=True)
    if archive.returncode != 0:
        return False
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return True


if __name__ == "__main__":
    main(sys.argv[1:] or None)
