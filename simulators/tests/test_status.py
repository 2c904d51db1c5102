"""--status and --stop through the state files of runs (here a run in a thread of this process)."""

from __future__ import annotations

import types
from pathlib import Path
from socketserver import ThreadingTCPServer

import pytest

from simulators import state
from simulators.catalog import Selection, select
from simulators.exceptions import NotRunningError
from simulators.server import server_entries
from simulators.status import status_lines, stop_running
from simulators.tests.helpers import BackgroundRun, free_offset
from simulators.tests.systems import Both


@pytest.fixture(autouse=True)
def count_this_process_as_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "COMMAND_MARK", "")


def test_nothing_running(tmp_path: Path) -> None:
    assert status_lines(tmp_path) == ["no simulator running"]
    with pytest.raises(NotRunningError, match=r"no running simulator called 'weather_station' \(nothing is running"):
        stop_running("weather_station", tmp_path)


def test_status_and_stop_one_simulator_then_the_rest(tmp_path: Path) -> None:
    offset = free_offset([11000 + i for i in range(96)] + [10001, 10002], [12600])
    selections = select(["active_surface", "mount", "weather_station"], port_offset=offset)
    background = BackgroundRun(selections, tmp_path, port_offset=offset)
    try:
        background.wait_line("running")
        lines = status_lines(tmp_path)
        assert lines[0].startswith("pid ") and f"port offset {offset}" in lines[0]
        assert lines[1:] == [
            f"  active_surface: 96 tcp server(s), listening 127.0.0.1:{11000 + offset}-{11095 + offset}",
            f"  mount: 1 tcp server(s), listening 127.0.0.1:{10001 + offset}; sending 127.0.0.1:{10002 + offset}",
            f"  weather_station: 1 udp server(s), listening 127.0.0.1:{12600 + offset}",
        ]
        with pytest.raises(NotRunningError, match=r"running: active_surface, mount, weather_station"):
            stop_running("acu", tmp_path)
        (message,) = stop_running("weather_station", tmp_path, timeout=10.0)
        assert message.startswith("stopped weather_station (pid ")
        assert status_lines(tmp_path)[1:] == [
            f"  active_surface: 96 tcp server(s), listening 127.0.0.1:{11000 + offset}-{11095 + offset}",
            f"  mount: 1 tcp server(s), listening 127.0.0.1:{10001 + offset}; sending 127.0.0.1:{10002 + offset}",
        ]
        assert background.thread.is_alive()
        (message,) = stop_running("all", tmp_path, timeout=10.0)
        assert message.startswith("stopped active_surface, mount (pid ")
        assert background.join() == 0
    finally:
        background.stop()
    assert status_lines(tmp_path) == ["no simulator running"]


def test_stop_reaches_both_addresses_of_a_listening_and_sending_server(tmp_path: Path) -> None:
    module = types.ModuleType("simulators.duplex")
    module.servers = [(("127.0.0.1", 0), ("127.0.0.1", 0), ThreadingTCPServer, {})]  # type: ignore[attr-defined]
    module.System = Both  # type: ignore[attr-defined]
    selection = Selection("duplex", module, server_entries(module))
    background = BackgroundRun([selection], tmp_path)
    try:
        background.wait_line("running")
        (message,) = stop_running("duplex", tmp_path, timeout=10.0)
        assert message.startswith("stopped duplex (pid ")
        assert background.join() == 0
    finally:
        background.stop()
