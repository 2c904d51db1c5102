"""Re-planning off the agent's thread and out of its process.

``Replanner.request(reason, fixed)`` is called in the agent's thread. A one-thread worker reads the
waiting requests (plain rows), hands them to a planning process (``scheduler.planner.worker``: the
planner's Python work never holds the agent process's GIL, so the agent answers PING at once) and
waits for its answer; the result comes back through ``agent.call_soon`` and is saved in the agent's
thread, unless a newer request made it stale. Requests made while a plan runs are coalesced into
one more plan when it ends. Nothing of the agent's state is touched outside its thread.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from django.db import DatabaseError, connections

from . import store
from .planner import Plan, PlannerError, Slot
from .planner.worker import request_of

log = logging.getLogger("pyros.scheduler")
ROOT = Path(__file__).resolve().parent.parent


class PlannerProcessError(PlannerError):
    """The planning process died or answered with an error."""


@dataclass
class Job:
    token: int
    reason: str
    now: datetime
    fixed: list[Slot] = field(default_factory=list)


@dataclass
class Result:
    job: Job
    day: date
    plan: Plan
    ms: float
    considered: int


class PlannerProcess:
    """``python -m scheduler.planner.worker``, started on first use and again after a crash."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._stopped:  # a job that was under way when the agent stopped starts no new process
                raise PlannerProcessError("the planning process was stopped")
            proc = self._proc
            if proc is None or proc.poll() is not None:
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
                proc = self._proc = subprocess.Popen(
                    [sys.executable, "-m", "scheduler.planner.worker"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, cwd=ROOT, env=env,
                )  # fmt: skip
        if proc.stdin is None or proc.stdout is None:  # cannot be with PIPE; says so to the type checker
            raise PlannerProcessError("the planning process has no pipes")
        try:
            proc.stdin.write(orjson.dumps(job) + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise PlannerProcessError(f"the planning process is gone: {exc}") from None
        line = proc.stdout.readline()
        if not line:
            raise PlannerProcessError(f"the planning process ended (exit code {proc.poll()})")
        answer: dict[str, Any] = orjson.loads(line)
        if "error" in answer:
            raise PlannerProcessError(answer["error"])
        return dict(answer["ok"])

    def stop(self, timeout: float = 5.0) -> None:
        """End the process; later ``run()`` calls fail instead of starting another."""
        with self._lock:
            self._stopped = True
            proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the worker ends after the job it has, at end of input
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        if proc.stdout is not None:
            proc.stdout.close()


def compute(job: Job, process: PlannerProcess) -> Result:
    """Runs in the worker thread: read the waiting requests, have the process plan from ``job.now``."""
    try:
        site, config = store.site(), store.config()
        exclude = [s.request.id for s in job.fixed if s.request.id is not None]
        rows = store.waiting_rows(exclude=exclude)
    finally:
        connections.close_all()  # this thread's connections only
    answer = process.run(
        {
            "site": site.as_dict(),
            "config": {k: getattr(config, k) for k in ("twilight", "slew_rate", "settle_time", "time_step")},
            "now": job.now.isoformat(),
            "rows": rows,
            "busy": [[store.row_of(s.request), s.start.isoformat(), s.end.isoformat()] for s in job.fixed],
        }
    )
    by_id = {row[0]: row for row in rows}
    fixed = {s.request.id: s.request for s in job.fixed}
    slots = [
        Slot(fixed[pk] if pk in fixed else request_of(by_id[pk]), datetime.fromisoformat(s), datetime.fromisoformat(e))
        for pk, s, e in answer["slots"]
    ]
    night = answer["night"]
    bounds = (None, None) if night is None else (datetime.fromisoformat(night[0]), datetime.fromisoformat(night[1]))
    plan = Plan(site, config, bounds[0], bounds[1], slots=slots)
    return Result(job, date.fromisoformat(answer["day"]), plan, float(answer["ms"]), int(answer["considered"]))


class Replanner:
    def __init__(self, call_soon: Callable[..., object], on_saved: Callable[[Result], None]) -> None:
        self._call_soon = call_soon
        self._on_saved = on_saved
        self._pool: ThreadPoolExecutor | None = None
        self._process = PlannerProcess()
        self._token = 0
        self._running = False
        self._again: Job | None = None
        self.last_error = ""

    def start(self) -> None:
        self._process = PlannerProcess()  # a fresh one: a stopped process object stays stopped
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scheduler-planner")

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self._process.stop()  # a job under way ends: its thread's read returns
        if pool is not None:
            pool.shutdown(wait=True)

    @property
    def busy(self) -> bool:
        return self._running

    def request(self, reason: str, fixed: list[Slot] | None = None, now: datetime | None = None) -> int:
        """Plan again from ``now`` (agent thread). Returns the job's token."""
        self._token += 1
        job = Job(self._token, reason, now or datetime.now(UTC), list(fixed or []))
        if self._running:
            self._again = job  # the latest wins; the running one will be stale
        else:
            self._submit(job)
        return job.token

    def _submit(self, job: Job) -> None:
        if self._pool is None:
            return
        self._running = True
        future = self._pool.submit(compute, job, self._process)
        future.add_done_callback(lambda f: self._call_soon(self._done, f))

    def _done(self, future: Future[Result]) -> None:
        """Agent thread: save the result if it is the latest, then run the coalesced job."""
        self._running = False
        if future.cancelled():
            return
        try:
            result: Result | None = future.result()
        except (PlannerError, DatabaseError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("scheduler: planning failed: %s", self.last_error)
            result = None
        except Exception as exc:  # a bug: reported, the agent goes on
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler: planning crashed")
            result = None
        again, self._again = self._again, None
        if again is not None:
            self._submit(again)
        elif result is not None and result.job.token == self._token:
            self._on_saved(result)
