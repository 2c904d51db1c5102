"""The off-thread re-planner: the worker computes, results come back through call_soon, requests
made while a plan runs are coalesced into one more plan, stale results are dropped."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from scheduler import replan
from scheduler.planner import Plan, PlannerConfig, Site


def test_coalesces_and_drops_stale_results(monkeypatch: pytest.MonkeyPatch) -> None:
    gates: dict[int, threading.Event] = {}
    computed: list[tuple[int, str]] = []

    def fake_compute(job: replan.Job, process: replan.PlannerProcess) -> replan.Result:
        computed.append((job.token, threading.current_thread().name))
        assert gates.setdefault(job.token, threading.Event()).wait(10), "the test never opened the gate"
        return replan.Result(job, date(2026, 12, 15), Plan(Site("x", 0, 0), PlannerConfig(), None, None), 1.0, 0)

    monkeypatch.setattr(replan, "compute", fake_compute)
    inbox: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]]] = queue.Queue()
    saved: list[int] = []
    planner = replan.Replanner(lambda f, *a: inbox.put((f, a)), lambda r: saved.append(r.job.token))
    planner.start()
    try:
        first = planner.request("one")
        assert planner.busy
        planner.request("two")
        third = planner.request("three")
        gates.setdefault(first, threading.Event()).set()
        callback, args = inbox.get(timeout=10)  # "the agent's thread" runs what call_soon queued
        callback(*args)
        assert saved == []  # the first result is stale: the third is computing now
        gates.setdefault(third, threading.Event()).set()
        callback, args = inbox.get(timeout=10)
        callback(*args)
        assert saved == [third] and not planner.busy
        assert [token for token, _ in computed] == [first, third]
        assert all(name.startswith("scheduler-planner") for _, name in computed)
    finally:
        for gate in gates.values():
            gate.set()
        planner.stop()


def test_a_job_under_way_at_stop_starts_no_planning_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job was reading the database when the agent stopped: it must not start a process nobody ends."""
    reading, resume = threading.Event(), threading.Event()
    outcome: queue.Queue[BaseException | dict[str, Any]] = queue.Queue()
    spawned: list[object] = []
    real_popen = replan.subprocess.Popen

    def counting_popen(*args: Any, **kwargs: Any) -> Any:
        proc = real_popen(*args, **kwargs)
        spawned.append(proc)
        return proc

    def slow_compute(job: replan.Job, process: replan.PlannerProcess) -> replan.Result:
        reading.set()
        assert resume.wait(10), "the test never let the job go on"
        try:
            outcome.put(process.run({}))
        except replan.PlannerProcessError as exc:
            outcome.put(exc)
            raise
        raise AssertionError("unreachable")

    monkeypatch.setattr(replan, "compute", slow_compute)
    monkeypatch.setattr(replan.subprocess, "Popen", counting_popen)
    planner = replan.Replanner(lambda f, *a: None, lambda r: None)
    planner.start()
    planner.request("alert")
    assert reading.wait(10), "the job never started"
    stopper = threading.Thread(target=planner.stop)
    stopper.start()
    resume.set()
    stopper.join(10)
    assert not stopper.is_alive(), "stop() did not return"
    result = outcome.get(timeout=10)
    assert isinstance(result, replan.PlannerProcessError) and "stopped" in str(result)
    assert spawned == [], "a planning process was started after stop()"
