"""Every simulator at once (issue 16), a section of ``bench/simulators.py``: ``runsimulators`` (all)
from exec and ``Simulator.start`` in process until every port serves, and memory, against DISCOS's way
of running them, one forked process per server."""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time

import psutil

from bench.simulators import (
    all_ports,
    ports_free,
    row,
    start_command,
    stop_command,
    tree_memory,
    wait_accepting,
    wait_bound,
)


def free_offset_all() -> int:
    tcp, udp = all_ports()
    for offset in range(1000, 19000, 137):
        if ports_free([p + offset for p in tcp], [p + offset for p in udp]):
            return offset
    raise RuntimeError("no free port offset for every simulator")


def _serve_entry(module_name: str, index: int, offset: int) -> None:
    import importlib

    from simulators.server import Server, server_entries

    module = importlib.import_module(f"simulators.{module_name}")
    entry = server_entries(module, port_offset=offset)[index]
    Server(module, entry.server_type, entry.kwargs, entry.l_address, entry.s_address).serve_forever()


def process_per_server_all(offset: int) -> tuple[float, float, float, int]:
    """The DISCOS way for every simulator: one forked process per server. (seconds, RSS, PSS, servers)"""
    from simulators.catalog import select

    if threading.active_count() != 1:
        raise RuntimeError("cannot fork the baseline: threads are running")
    entries = [e for s in select([]) for e in s.entries]
    tcp, udp = all_ports()
    context = multiprocessing.get_context("fork")
    started = time.monotonic()
    processes = [
        context.Process(target=_serve_entry, args=(e.simulator, e.index, offset), daemon=True) for e in entries
    ]
    for process in processes:
        process.start()
    try:
        wait_accepting([p + offset for p in tcp], started)
        wait_bound([p + offset for p in udp], started)
        elapsed = time.monotonic() - started
        infos = [psutil.Process(p.pid).memory_full_info() for p in processes if p.pid]
        return elapsed, sum(i.rss for i in infos) / 1e6, sum(i.pss for i in infos) / 1e6, len(entries)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)


def in_process_all(offset: int, names: tuple[str, ...]) -> float:
    """Every simulator started with ``Simulator.start(daemon=True)`` in this process, until all serve."""
    import contextlib
    import io

    from simulators.server import Simulator

    tcp, udp = all_ports()
    simulators = [Simulator(name, port_offset=offset) for name in names]
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):  # the DISCOS "up and running" lines
        for simulator in simulators:
            simulator.start(daemon=True)
        wait_accepting([p + offset for p in tcp], started)
        wait_bound([p + offset for p in udp], started)
        elapsed = time.monotonic() - started
        for simulator in simulators:
            simulator.stop()
    return elapsed


def all_simulators() -> None:
    """Every simulator at once: ``runsimulators`` (all) from exec until every port serves, and memory."""
    offset = free_offset_all()
    from simulators.catalog import available_simulators

    names = tuple(available_simulators())
    runs = []
    for _ in range(3):
        command, elapsed = start_command(offset, names=names)
        runs.append((elapsed, *tree_memory(command.pid)))
        stop_command(command)
    elapsed, rss, pss = (statistics.median(v) for v in zip(*runs, strict=True))
    base_elapsed, base_rss, base_pss, count = process_per_server_all(offset)
    in_process = statistics.median(in_process_all(offset, names) for _ in range(5))
    print(f"All {len(names)} simulators at once ({count} servers) until every port serves")
    row(
        "in process (Simulator.start), median of 5",
        f"{in_process:.3f} s",
        f"{count} forked processes {base_elapsed:.3f} s",
        in_process / base_elapsed,
    )
    row(
        "runsimulators (all), from exec, median of 3",
        f"{elapsed:.3f} s",
        f"{count} forked processes {base_elapsed:.3f} s",
        elapsed / base_elapsed,
    )
    row(
        "  memory: PSS (RSS)",
        f"{pss:.0f} ({rss:.0f}) MB",
        f"{count} forked processes {base_pss:.0f} ({base_rss:.0f}) MB",
        pss / base_pss,
    )
