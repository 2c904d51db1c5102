"""``runner.run`` in this process: ready lines, state file, stop request, self-stop, start failures."""

from __future__ import annotations

import os
import socket
import types
from pathlib import Path
from socketserver import ThreadingTCPServer

import pytest

from simulators import state
from simulators.catalog import Selection, select
from simulators.exceptions import AddressInUseError, UnknownSystemTypeError
from simulators.runner import run
from simulators.server import send_stop, server_entries
from simulators.state import running_states
from simulators.tests.helpers import BackgroundRun, free_offset, ports_free
from simulators.tests.systems import Variants


@pytest.fixture(autouse=True)
def count_this_process_as_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "COMMAND_MARK", "")


def ask_station(port: int) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5.0)
        client.sendto(b"r vs01", ("127.0.0.1", port))
        return client.recv(4096)


def test_serves_prints_ready_lines_and_state_until_stopped(tmp_path: Path) -> None:
    offset = free_offset([], [12600])
    background = BackgroundRun(select(["weather_station"], port_offset=offset), tmp_path, port_offset=offset)
    try:
        line = background.wait_line("ready")
        assert line == f"ready weather_station udp listening 127.0.0.1:{12600 + offset}"
        assert "1 servers in 1 process(es), pid" in background.wait_line("running weather_station")
        assert ask_station(12600 + offset).startswith(b"<Sensor><Id>vs01</Id><Val>7.700000</Val>")
        (run_state,) = running_states(tmp_path)
        assert run_state.pid == os.getpid() and list(run_state.simulators) == ["weather_station"]
    finally:
        assert background.stop() == 0
    assert running_states(tmp_path) == []
    assert ports_free([], [12600 + offset])


def test_the_run_ends_by_itself_once_every_server_stopped(tmp_path: Path) -> None:
    offset = free_offset([], [12600])
    background = BackgroundRun(select(["weather_station"], port_offset=offset), tmp_path)
    try:
        background.wait_line("running")
        assert send_stop(("127.0.0.1", 12600 + offset), "udp")
        assert background.join() == 0
    finally:
        background.stop()


def test_a_busy_address_aborts_before_anything_starts(tmp_path: Path) -> None:
    offset = free_offset([], [12600])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
        blocker.bind(("127.0.0.1", 12600 + offset))
        with pytest.raises(AddressInUseError, match=f"127.0.0.1:{12600 + offset}/udp"):
            run(select(["weather_station"], port_offset=offset), run_dir=tmp_path, out=print)
    assert running_states(tmp_path) == []


def test_a_system_that_cannot_be_built_stops_the_run(tmp_path: Path) -> None:
    module = types.ModuleType("simulators.variants")
    module.servers = [(("127.0.0.1", 0), (), ThreadingTCPServer, {})] * 2  # type: ignore[attr-defined]
    module.System = Variants  # type: ignore[attr-defined]
    selection = Selection("variants", module, server_entries(module, extra_kwargs={"system_type": "nope"}))
    with pytest.raises(UnknownSystemTypeError):
        run([selection], run_dir=tmp_path, out=print)
    assert running_states(tmp_path) == []


def test_every_simulator_starts_at_once_accepts_and_stops(tmp_path: Path) -> None:
    entries = [e for s in select([]) for e in s.entries]
    addresses = [(e.protocol, a[1]) for e in entries for a in (e.l_address, e.s_address) if a]
    offset = free_offset([p for kind, p in addresses if kind == "tcp"], [p for kind, p in addresses if kind == "udp"])
    background = BackgroundRun(select([], port_offset=offset), tmp_path, port_offset=offset)
    try:
        background.wait_line("running", timeout=30.0)
        for kind, port in addresses:
            if kind == "tcp":
                socket.create_connection(("127.0.0.1", port + offset), timeout=5.0).close()
    finally:
        assert background.stop() == 0
    assert ports_free(
        [p + offset for k, p in addresses if k == "tcp"], [p + offset for k, p in addresses if k == "udp"]
    )
