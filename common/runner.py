"""Run agents headless until SIGINT/SIGTERM (what ``manage.py runagents`` hands off to)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from .agent import Agent
from .runtime import AgentRuntime
from .states import AgentState


def run_agents(
    runtime: AgentRuntime,
    names: Sequence[str],
    out: Callable[[str], None],
    err: Callable[[str], None],
    ready_timeout: float = 10.0,
) -> int:
    """Start ``names`` (all when empty), report each, wait for a signal, stop them. Returns the number
    of agents that could not start."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, _setter(stop)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        agents = runtime.start(list(names) or None)
        failed = _report(agents, err, ready_timeout)
        if failed == len(agents):
            return failed
        running = [f"{a.name} on {a.bound_address[0]}:{a.bound_address[1]}" for a in agents if a.bound_address]
        out(f"{len(running)} agent(s) running ({', '.join(running)}); press Ctrl+C (or send SIGTERM) to stop.")
        stop.wait()
        out("stopping agents ...")
        return failed
    finally:
        runtime.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _report(agents: list[Agent], err: Callable[[str], None], timeout: float) -> int:
    """Wait for each agent; report those that did not start (each running one has logged where it
    listens: the summary line names them, nothing is printed twice)."""
    failed = 0
    for agent in agents:
        agent.ready.wait(timeout)
        if agent.state != AgentState.RUNNING or agent.bound_address is None:
            failed += 1
            err(f"agent {agent.name} did not start ({agent.state}): {agent.stats.last_error or 'no detail'}")
    return failed


def _setter(event: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        event.set()

    return handler
