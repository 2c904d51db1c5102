"""The one line a serving process prints when it is up: where, which agents, and what to do next."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError

from . import runtime as runtime_module
from .states import AgentState


def startup_line(url: str, wait: float = 2.0) -> str:
    runtime = runtime_module.runtime
    agents = []
    for name in runtime.names():
        agent = runtime.agent(name)
        if agent is None:
            continue
        agent.ready.wait(wait)
        agents.append(name if agent.state == AgentState.RUNNING else f"{name} ({agent.state})")
    here = f"agents in this process: {', '.join(agents)}" if agents else "no agents in this process"
    line = f"pyros is up at {url} ({here})"
    hint = _first_user_hint()
    return f"{line}; {hint}" if hint else line


def _first_user_hint() -> str:
    try:
        has_users: Any = get_user_model().objects.exists()
    except DatabaseError:
        return "the database is not migrated: run `.venv/bin/python manage.py migrate`"
    if has_users:
        return ""
    return "no user yet: create one with `.venv/bin/python manage.py createsuperuser`"
