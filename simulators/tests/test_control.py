"""Process-local run control: wake-ups, stop requests, the group of hosted servers, ready lines."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from socketserver import ThreadingTCPServer

from simulators.control import RunControl, ServerGroup, ready_line
from simulators.server import Server, ServerEntry
from simulators.tests.systems import Echo


def wait_until(control: RunControl, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5.0
    while not condition():
        assert time.monotonic() < deadline, f"no wake-up for {what} within 5 s"
        control.wait(deadline - time.monotonic())


def test_wait_returns_on_request_stop_from_another_thread() -> None:
    control = RunControl()
    try:
        thread = threading.Thread(target=control.request_stop)
        thread.start()
        wait_until(control, lambda: control.stop_requested, "the stop request")
        thread.join()
        control.on_signal(15, None)
        assert control.stop_requested
    finally:
        control.close()


def test_group_start_reports_ready_and_stopped_servers() -> None:
    entry = ServerEntry("fake", 0, ("127.0.0.1", 0), None, ThreadingTCPServer)
    server = Server(Echo, ThreadingTCPServer, {}, l_address=("127.0.0.1", 0), name=entry.name)
    control = RunControl()
    ready: list[str] = []
    group = ServerGroup(
        [(entry, server)], on_ready=lambda e, s: ready.append(ready_line(e, s)), on_stopped=control.server_stopped
    )
    try:
        group.start()
        assert ready == [f"ready fake[0] tcp listening 127.0.0.1:{server.l_address[1]}"]  # type: ignore[index]
        assert not group.all_stopped
        server.request_stop()
        wait_until(control, lambda: group.all_stopped and bool(control._stopped), "the server stop notice")
        assert control.take_stopped() == [entry] and control.take_stopped() == []
        assert group.stop()
    finally:
        control.close()
