"""Pid/state files of running ``runsimulators`` processes (``<run dir>/simulators/<pid>.json``).

A run writes its file once its servers are ready, rewrites it when servers stop, and removes it when it
exits. ``--status`` and ``--stop`` read these files; a file whose process is gone (or is not a
``runsimulators`` process any more) is stale and removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COMMAND_MARK = "runsimulators"
"""Text that the command line of a live run contains (checked through /proc where available)."""


@dataclass
class ServerRecord:
    name: str
    protocol: str
    l_address: tuple[str, int] | None
    s_address: tuple[str, int] | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerRecord:
        def address(value: Any) -> tuple[str, int] | None:
            return (str(value[0]), int(value[1])) if value else None

        return cls(str(data["name"]), str(data["protocol"]), address(data["l_address"]), address(data["s_address"]))


@dataclass
class RunState:
    """What one ``runsimulators`` process serves."""

    pid: int
    host: str
    port_offset: int
    processes: int
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    simulators: dict[str, list[ServerRecord]] = field(default_factory=dict)

    def remove_server(self, simulator: str, name: str) -> None:
        records = [r for r in self.simulators.get(simulator, []) if r.name != name]
        if records:
            self.simulators[simulator] = records
        else:
            self.simulators.pop(simulator, None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        simulators = {
            str(name): [ServerRecord.from_json(r) for r in records]
            for name, records in dict(data["simulators"]).items()
        }
        return cls(
            int(data["pid"]),
            str(data["host"]),
            int(data["port_offset"]),
            int(data["processes"]),
            str(data["started"]),
            simulators,
        )


def state_dir(run_dir: Path | str) -> Path:
    return Path(run_dir) / "simulators"


def state_path(run_dir: Path | str, pid: int) -> Path:
    return state_dir(run_dir) / f"{pid}.json"


def write_state(run_dir: Path | str, state: RunState) -> Path:
    """Write atomically (a reader never sees half a file)."""
    directory = state_dir(run_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = state_path(run_dir, state.pid)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{state.pid}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(state), handle, indent=1)
    os.replace(tmp, path)
    return path


def remove_state(run_dir: Path | str, pid: int) -> None:
    state_path(run_dir, pid).unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """The process exists and, where /proc tells, is a runsimulators command (not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return COMMAND_MARK in cmdline.read_bytes().decode(errors="replace")
    except OSError:
        return not Path("/proc/self").exists()  # no /proc on this system: trust the pid


def running_states(run_dir: Path | str) -> list[RunState]:
    """Every live run, oldest first; stale or unreadable files are removed."""
    states = []
    for path in sorted(state_dir(run_dir).glob("*.json")):
        try:
            state = RunState.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            path.unlink(missing_ok=True)
            continue
        if process_alive(state.pid):
            states.append(state)
        else:
            path.unlink(missing_ok=True)
    return sorted(states, key=lambda s: (s.started, s.pid))
