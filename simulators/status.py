"""``runsimulators --status`` and ``--stop NAME``: find runs through their state files and stop them.

Stopping is the DISCOS way: ``$system_stop%%%%%`` to every server of the simulator (each server shuts
itself down; the run notices, updates its state file and exits once it serves nothing). If that does
not work and the run serves nothing else, the run gets SIGTERM.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from simulators.exceptions import NotRunningError, SimulatorError
from simulators.server import send_stop
from simulators.state import RunState, ServerRecord, process_alive, running_states

ALL = "all"
POLL_INTERVAL = 0.05


def _addresses(records: list[ServerRecord], role: str) -> str:
    addresses = [a for r in records if (a := r.l_address if role == "listening" else r.s_address)]
    if not addresses:
        return ""
    ports = [a[1] for a in addresses]
    consecutive = len(ports) > 1 and ports == list(range(ports[0], ports[0] + len(ports)))
    port_text = f"{ports[0]}-{ports[-1]}" if consecutive else ",".join(map(str, ports))
    return f"{role} {addresses[0][0]}:{port_text}"


def status_lines(run_dir: Path | str) -> list[str]:
    """One block per live run: pid, start time, and each simulator with its servers."""
    states = running_states(run_dir)
    if not states:
        return ["no simulator running"]
    lines = []
    for state in states:
        lines.append(
            f"pid {state.pid} since {state.started} ({state.processes} process(es), port offset {state.port_offset})"
        )
        for name, records in state.simulators.items():
            for protocol in sorted({r.protocol for r in records}):
                same = [r for r in records if r.protocol == protocol]
                roles = "; ".join(t for role in ("listening", "sending") if (t := _addresses(same, role)))
                lines.append(f"  {name}: {len(same)} {protocol} server(s), {roles}")
    return lines


def _send_stops(records: list[ServerRecord], timeout: float) -> bool:
    """``$system_stop%%%%%`` to every address (each address of a server stops on its own, as in DISCOS)."""
    targets = [(a, r.protocol) for r in records for a in (r.l_address, r.s_address) if a is not None]

    def stop_one(target: tuple[Any, str]) -> bool:
        return send_stop(target[0], target[1], timeout)

    with ThreadPoolExecutor(max_workers=min(32, max(1, len(targets)))) as pool:
        return all(pool.map(stop_one, targets))


def _wait_gone(run_dir: Path | str, pid: int, name: str, timeout: float) -> bool:
    """Until the run no longer lists ``name`` (or has exited), polling its state file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = next((s for s in running_states(run_dir) if s.pid == pid), None)
        if state is None or (name != ALL and name not in state.simulators):
            return True
        time.sleep(POLL_INTERVAL)
    return False


def _stop_run(run_dir: Path | str, state: RunState, name: str, timeout: float) -> str:
    names = list(state.simulators) if name == ALL else [name]
    records = [r for n in names for r in state.simulators[n]]
    _send_stops(records, min(timeout, 2.0))
    if _wait_gone(run_dir, state.pid, name, timeout):
        return f"stopped {', '.join(names)} (pid {state.pid})"
    if set(names) == set(state.simulators) and process_alive(state.pid):
        os.kill(state.pid, signal.SIGTERM)
        if _wait_gone(run_dir, state.pid, ALL, timeout):
            return f"stopped {', '.join(names)} (pid {state.pid}, SIGTERM)"
    raise SimulatorError(f"{name} (pid {state.pid}) did not stop within {timeout:g} s")


def stop_running(name: str, run_dir: Path | str, timeout: float = 10.0) -> list[str]:
    """Stop simulator ``name`` (or every one, for ``all``) in whichever run serves it."""
    states = running_states(run_dir)
    targets = [s for s in states if (s.simulators if name == ALL else name in s.simulators)]
    if not targets:
        running = sorted({n for s in states for n in s.simulators})
        detail = f"running: {', '.join(running)}" if running else "nothing is running"
        raise NotRunningError(f"no running simulator called {name!r} ({detail})")
    return [_stop_run(run_dir, state, name, timeout) for state in targets]
