"""Pid/state files: atomic writes, round trip, stale files removed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulators import state
from simulators.state import RunState, ServerRecord, process_alive, remove_state, running_states, write_state


def sample(pid: int) -> RunState:
    run = RunState(pid, "127.0.0.1", 5, 1)
    run.simulators["weather_station"] = [ServerRecord("weather_station", "udp", ("127.0.0.1", 12605), None)]
    run.simulators["active_surface"] = [
        ServerRecord(f"active_surface[{i}]", "tcp", ("127.0.0.1", 11005 + i), None) for i in range(2)
    ]
    return run


def test_round_trip_and_removal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "COMMAND_MARK", "")  # this test process counts as a live run
    path = write_state(tmp_path, sample(os.getpid()))
    assert path == tmp_path / "simulators" / f"{os.getpid()}.json"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    (loaded,) = running_states(tmp_path)
    assert (loaded.pid, loaded.port_offset, loaded.simulators) == (os.getpid(), 5, sample(os.getpid()).simulators)
    loaded.remove_server("active_surface", "active_surface[0]")
    loaded.remove_server("weather_station", "weather_station")
    assert list(loaded.simulators) == ["active_surface"] and len(loaded.simulators["active_surface"]) == 1
    remove_state(tmp_path, os.getpid())
    remove_state(tmp_path, os.getpid())
    assert running_states(tmp_path) == []


def test_stale_and_broken_files_are_removed(tmp_path: Path) -> None:
    write_state(tmp_path, sample(os.getpid()))  # a live pid, but not a runsimulators process
    dead = sample(2**22 + 12345)
    write_state(tmp_path, dead)
    (tmp_path / "simulators" / "999.json").write_text("{not json")
    assert running_states(tmp_path) == []
    assert list((tmp_path / "simulators").iterdir()) == []


def test_process_alive() -> None:
    assert not process_alive(os.getpid())  # pytest, not runsimulators
    assert not process_alive(2**22 + 12345)
