"""Run selected simulators until SIGINT/SIGTERM (``manage.py runsimulators`` hands over to :func:`run`).

Every address is bound first (a busy one aborts the start with the list of busy addresses). With one
process (the default) this process serves everything from the shared hub thread. With ``processes=N``
the bound servers are split round-robin between N forked workers; each worker builds the Systems of
its own servers, so a System is built once, inside the process that serves it. One line is printed per
server when it is ready; the pid/state file is written once all are ready and removed at exit.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from common.heap import freeze_startup_heap
from simulators.catalog import Selection
from simulators.control import RunControl, ServerGroup, ready_line
from simulators.exceptions import AddressInUseError, SimulatorError
from simulators.hosting import Server
from simulators.server import ServerEntry, bind_servers
from simulators.state import RunState, ServerRecord, remove_state, write_state

logger = logging.getLogger("pyros.simulators")

Output = Callable[[str], None]
Pairs = list[tuple[ServerEntry, Server]]
STOP_TIMEOUT = 10.0
"""Seconds a worker process gets to stop before it is killed."""


def bind_all(selections: list[Selection]) -> Pairs:
    """Bind every server of every selection; if any address is busy, release all and name them all."""
    pairs: Pairs = []
    busy: list[str] = []
    reason = ""
    for selection in selections:
        try:
            servers = bind_servers(selection.module, selection.entries)
        except AddressInUseError as exc:
            busy.extend(exc.addresses)
            reason = exc.reason
            continue
        pairs.extend(zip(selection.entries, servers, strict=True))
    if busy:
        for _, server in pairs:
            server.close()
        raise AddressInUseError(busy, reason)
    return pairs


@contextmanager
def signals_to(control: RunControl) -> Iterator[None]:
    """SIGINT and SIGTERM request a stop (main thread only; elsewhere nothing is installed)."""
    try:
        previous = {sig: signal.signal(sig, control.on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        previous_fd = signal.set_wakeup_fd(control.wakeup_fd, warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def initial_state(pairs: Pairs, host: str, port_offset: int, processes: int) -> RunState:
    """The state file's content: every server with its bound addresses."""
    state = RunState(os.getpid(), host, port_offset, processes)
    for entry, server in pairs:
        record = ServerRecord(entry.name, server.protocol, server.l_address, server.s_address)
        state.simulators.setdefault(entry.simulator, []).append(record)
    return state


def run(
    selections: list[Selection],
    *,
    run_dir: Path | str,
    out: Output,
    host: str = "127.0.0.1",
    port_offset: int = 0,
    processes: int = 1,
    control: RunControl | None = None,
) -> int:
    """Serve ``selections`` until a stop is requested or every server has stopped; returns 0."""
    # Django and the apps are ~150,000 objects that a full collection walks in ~120 ms, stopping the
    # servers' threads (an ACU status every 10 ms): freeze them first (and before forking workers),
    # without the collection that would delay the start by as much.
    freeze_startup_heap(collect=False)
    pairs = bind_all(selections)
    processes = max(1, min(processes, len(pairs)))
    state = initial_state(pairs, host, port_offset, processes)
    control = control or RunControl()
    try:
        with signals_to(control):
            if processes == 1:
                _run_here(pairs, state, run_dir, out, control)
            else:
                _run_workers(pairs, state, run_dir, out, control)
    finally:
        control.close()
        remove_state(run_dir, state.pid)
    return 0


def _summary(state: RunState, count: int) -> str:
    names = ", ".join(state.simulators)
    return (
        f"running {names}: {count} servers in {state.processes} process(es), pid {state.pid}; "
        "stop with Ctrl-C, SIGTERM or runsimulators --stop NAME"
    )


def _run_here(pairs: Pairs, state: RunState, run_dir: Path | str, out: Output, control: RunControl) -> None:
    group = ServerGroup(pairs, on_ready=lambda e, s: out(ready_line(e, s)), on_stopped=control.server_stopped)
    try:
        group.start()
        write_state(run_dir, state)
        out(_summary(state, len(pairs)))
        while not control.stop_requested and not group.all_stopped:
            control.wait()
            for entry in control.take_stopped():
                state.remove_server(entry.simulator, entry.name)
                write_state(run_dir, state)
    finally:
        group.stop()


def _worker(mine: Pairs, others: Pairs, conn: Connection, parent_conns: list[Connection]) -> None:
    """Body of a forked worker: serve ``mine`` until SIGTERM/SIGINT or until they have all stopped."""
    for other in parent_conns:
        other.close()
    for _, server in others:
        server.close()
    control = RunControl()
    with signals_to(control):
        group = ServerGroup(
            mine, on_ready=lambda e, s: conn.send(("ready", ready_line(e, s))), on_stopped=control.server_stopped
        )
        try:
            group.start()
            while not control.stop_requested and not group.all_stopped:
                control.wait()
                for entry in control.take_stopped():
                    conn.send(("stopped", entry.simulator, entry.name))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            raise SystemExit(1) from exc
        finally:
            group.stop()
            if not control.stop_requested:  # stopped one by one (--stop): say which, for the state file
                for entry in control.take_stopped():
                    conn.send(("stopped", entry.simulator, entry.name))
            control.close()
            conn.close()


def _run_workers(pairs: Pairs, state: RunState, run_dir: Path | str, out: Output, control: RunControl) -> None:
    context = multiprocessing.get_context("fork")
    count = state.processes
    workers: dict[Connection, BaseProcess] = {}
    for index in range(count):
        mine = pairs[index::count]
        others = [p for p in pairs if p not in mine]
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker, args=(mine, others, sender, [*workers, receiver]), name=f"simulators-{index}"
        )
        process.start()
        sender.close()
        workers[receiver] = process
    for _, server in pairs:
        server.close()  # the workers own the sockets now
    _Supervisor(workers, state, run_dir, out, control, len(pairs)).run()


class _Supervisor:
    """The parent of the worker processes: prints their ready lines, keeps the state file, stops them."""

    def __init__(
        self,
        workers: dict[Connection, BaseProcess],
        state: RunState,
        run_dir: Path | str,
        out: Output,
        control: RunControl,
        count: int,
    ) -> None:
        self.alive = dict(workers)
        self.state, self.run_dir, self.out, self.control, self.count = state, run_dir, out, control, count
        self.ready = 0
        self.errors: list[str] = []
        self.deadline: float | None = None

    def run(self) -> None:
        while self.alive:
            if self.control.stop_requested and self.deadline is None:
                self._terminate_workers()
            timeout = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
            for item in wait([self.control.wakeup_reader, *self.alive], timeout):
                if item is self.control.wakeup_reader:
                    self.control.drain()
                elif isinstance(item, Connection):
                    self._receive(item)
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self._kill_workers()
        if self.errors:
            raise SimulatorError("a simulator worker failed: " + "; ".join(self.errors))

    def _terminate_workers(self) -> None:
        self.deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.alive.values():
            if process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)

    def _kill_workers(self) -> None:
        for process in self.alive.values():
            process.kill()
            process.join(1.0)
        self.alive.clear()

    def _receive(self, conn: Connection) -> None:
        try:
            message: tuple[str, ...] = conn.recv()
        except (EOFError, OSError):  # the worker has exited
            self.alive.pop(conn).join(STOP_TIMEOUT)
            return
        if message[0] == "ready":
            self.out(message[1])
            self.ready += 1
            if self.ready == self.count:
                write_state(self.run_dir, self.state)
                self.out(_summary(self.state, self.count))
        elif message[0] == "stopped":
            self.state.remove_server(message[1], message[2])
            write_state(self.run_dir, self.state)
        elif message[0] == "error":
            self.errors.append(message[1])
            self.control.request_stop()
