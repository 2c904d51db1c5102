"""Re-planning off the agent's thread: a one-thread worker computes, the agent applies.

``Replanner.request(reason, fixed)`` is called in the agent's thread. The worker reads the waiting
requests and runs the planner (nothing of the agent's state is touched there); the result comes back
through ``agent.call_soon`` and is saved in the agent's thread, unless a newer request made it stale.
Requests made while a plan runs are coalesced into one more plan when it ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import DatabaseError, connections

from . import store
from .planner import Plan, PlannerError, Slot, coming_night, plan

log = logging.getLogger("pyros.scheduler")


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


def compute(job: Job) -> Result:
    """Runs in the worker thread: read the waiting requests, plan the coming night from ``job.now``."""
    try:
        t0 = time.perf_counter()
        site, config = store.site(), store.config()
        day, bounds = coming_night(site, job.now, config.twilight)
        exclude = [s.request.id for s in job.fixed if s.request.id is not None]
        requests = store.waiting_requests(exclude=exclude)
        if bounds is None:
            result = plan(requests, site, config, day=day)
        else:
            result = plan(requests, site, config, night=bounds, start=job.now, busy=job.fixed)
            result.slots = sorted([*job.fixed, *result.slots], key=lambda s: s.start)
        return Result(job, day, result, (time.perf_counter() - t0) * 1000.0)
    finally:
        connections.close_all()  # this thread's connections only


class Replanner:
    def __init__(self, call_soon: Callable[..., object], on_saved: Callable[[Result], None]) -> None:
        self._call_soon = call_soon
        self._on_saved = on_saved
        self._pool: ThreadPoolExecutor | None = None
        self._token = 0
        self._running = False
        self._again: Job | None = None
        self.last_error = ""

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scheduler-planner")

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

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
        future = self._pool.submit(compute, job)
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
