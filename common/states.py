"""The states of an agent: one enum for the agent, the runtime, the status views, REST and the console."""

from __future__ import annotations

from enum import StrEnum


class AgentState(StrEnum):
    """A ``str`` enum: it compares equal to, serialises as and is stored as its value."""

    NOT_STARTED = "not started"  # registered in this process, never started
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"
    CRASHED = "crashed"
    PORT_IN_USE = "port in use"
    UNREACHABLE = "unreachable"  # seen from another process: no fresh heartbeat

    @property
    def is_live(self) -> bool:
        return self in LIVE_STATES


LIVE_STATES = frozenset({AgentState.STARTING, AgentState.RUNNING})
