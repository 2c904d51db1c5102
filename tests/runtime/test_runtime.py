from __future__ import annotations

import threading

import pytest
from django.test import override_settings

from common.agent import Agent
from common.runtime import AgentRuntime, autostart_reason
from common.states import AgentState

from .conftest import loopback


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        pytest.param(["manage.py", "runserver"], {}, None, id="runserver-reloader-parent"),
        pytest.param(["manage.py", "runserver"], {"RUN_MAIN": "true"}, "runserver (autoreloader child)", id="child"),
        pytest.param(["manage.py", "runserver", "--noreload"], {}, "runserver --noreload", id="noreload"),
        pytest.param(["/usr/bin/daphne", "pyros.asgi:application"], {}, "ASGI server (daphne)", id="daphne"),
        pytest.param(["/venv/bin/uvicorn", "pyros.asgi:application"], {}, "ASGI server (uvicorn)", id="uvicorn"),
        pytest.param(["manage.py", "migrate"], {}, None, id="migrate"),
        pytest.param(["manage.py", "makemigrations"], {}, None, id="makemigrations"),
        pytest.param(["manage.py", "check"], {}, None, id="check"),
        pytest.param(["manage.py", "shell"], {}, None, id="shell"),
        pytest.param(["manage.py", "collectstatic"], {}, None, id="collectstatic"),
        pytest.param(["manage.py", "test"], {}, None, id="test"),
        pytest.param(["manage.py", "runagents"], {}, None, id="runagents-starts-its-own"),
        pytest.param(["manage.py", "runserver", "--noreload"], {"PYTEST_VERSION": "9"}, None, id="under-pytest"),
        pytest.param(["/venv/bin/pytest"], {}, None, id="pytest"),
    ],
)
def test_autostart_guard(argv, env, expected):
    assert autostart_reason(argv, env) == expected


def test_setting_turns_autostart_off():
    with override_settings(PYROS_AGENTS_AUTOSTART=False):
        assert autostart_reason(["manage.py", "runserver", "--noreload"], {}) is None


class FlakyAgent(Agent):
    """Crashes in work() the first ``failures`` times it starts."""

    def __init__(self, failures: int) -> None:
        super().__init__("flaky", address=loopback("flaky"))
        self.failures = failures
        self.starts = 0

    def work(self) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise RuntimeError(f"crash {self.starts}")


def watch_state(rt: AgentRuntime, state: str, after: int = 0) -> threading.Event:
    seen = threading.Event()
    count = [0]

    def listener(agent: Agent, event: str) -> None:
        if event == "state" and agent.state == state:
            count[0] += 1
            if count[0] > after:
                seen.set()

    rt.add_status_listener(listener)
    return seen


@override_settings(PYROS_RESTART_BACKOFF_BASE=0.02, PYROS_RESTART_LIMIT=5)
def test_crashed_agent_is_restarted_with_backoff():
    rt = AgentRuntime()
    rt.register("flaky", lambda: FlakyAgent(failures=2))
    running = watch_state(rt, AgentState.RUNNING)
    try:
        (agent,) = rt.start()
        assert running.wait(10), "the agent was not restarted into the running state"
        (status,) = rt.status()
        assert status["state"] == AgentState.RUNNING and status["restarts"] == 2 and agent.starts == 3
        assert status["supervision"] == "ok" and "crash 2" in status["last_error"]
    finally:
        rt.stop()


@override_settings(PYROS_RESTART_BACKOFF_BASE=0.01, PYROS_RESTART_LIMIT=2)
def test_restarts_are_bounded():
    rt = AgentRuntime()
    rt.register("flaky", lambda: FlakyAgent(failures=100))
    third_crash = watch_state(rt, AgentState.CRASHED, after=2)
    try:
        (agent,) = rt.start()
        assert third_crash.wait(10), "the agent did not crash three times"
        agent._thread.join(5)
        (status,) = rt.status()
        assert status["restarts"] == 2 and status["supervision"] == "gave up after repeated crashes"
        assert agent.starts == 3
    finally:
        rt.stop()


def test_one_agent_per_name_and_idempotent_start():
    rt = AgentRuntime()
    made: list[Agent] = []

    def factory() -> Agent:
        made.append(FlakyAgent(failures=0))
        return made[-1]

    rt.register("flaky", factory)
    rt.register("flaky", lambda: pytest.fail("a second registration must be ignored"))
    try:
        rt.start()
        rt.start()
        assert len(made) == 1 and made[0].wait_ready(5) and made[0].starts == 1
    finally:
        rt.stop()
    assert not made[0].is_alive()
