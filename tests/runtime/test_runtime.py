from __future__ import annotations

import threading
import time

import pytest
from django.test import override_settings

from common.agent import Agent, Envelope
from common.runtime import AgentRuntime, autostart_reason
from common.sender import Sender
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
        pytest.param(
            ["/venv/lib/daphne/__main__.py", "pyros.asgi:application"], {}, "ASGI server (daphne)", id="m-daphne"
        ),
        pytest.param(["/venv/lib/django/__main__.py", "migrate"], {}, None, id="m-django-migrate"),
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


@override_settings(PYROS_RESTART_BACKOFF_BASE=0.01, PYROS_RESTART_LIMIT=1, PYROS_RESTART_RESET_AFTER=0.2)
def test_a_healthy_run_between_crashes_starts_a_new_count():
    # Crashes a day for a week: each after a healthy run; supervision never gives up.
    rt = AgentRuntime()
    starts: list[float] = []

    class Daily(FlakyAgent):
        def work(self) -> None:
            starts.append(time.monotonic())
            self.starts += 1

        def analyze_message(self, envelope: Envelope) -> None:
            if envelope.message.type == "Crash":  # a bug in the loop itself, not in a handler
                raise RuntimeError("the loop broke")
            super().analyze_message(envelope)

    rt.register("flaky", lambda: Daily(failures=0))
    running = watch_state(rt, AgentState.RUNNING, after=0)
    try:
        (agent,) = rt.start()
        for day in range(3):
            assert running.wait(10), f"day {day}: the agent is not running"
            running.clear()
            time.sleep(0.25)  # a healthy run longer than PYROS_RESTART_RESET_AFTER
            crashed = watch_state(rt, AgentState.CRASHED)
            Sender.notify("flaky", "Crash")
            assert crashed.wait(10), f"day {day}: the agent did not crash"
        assert running.wait(10), "the agent was not restarted after the last crash"
        (status,) = rt.status()
        assert status["supervision"] == "ok" and status["restarts"] <= 1 and agent.starts == 4
    finally:
        rt.stop()
