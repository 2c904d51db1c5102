"""Suite-wide guard: the test run must not leave a thread or a child process behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psutil
import pytest


def _leftovers() -> tuple[list[str], list[str]]:
    deadline = time.monotonic() + 10
    while True:
        threads = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
        children = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in _children()]
        if (not threads and not children) or time.monotonic() > deadline:
            return threads, children
        for t in threading.enumerate():
            if t is not threading.main_thread():
                t.join(0.1)


def _children() -> list[psutil.Process]:
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    threads, children = _leftovers()
    if threads or children:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = f"the test run left threads {threads} and child processes {children} behind"
        if reporter is not None:
            reporter.write_line(f"ERROR: {text}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _fresh_throttle_histories() -> Iterator[None]:
    """DRF throttle histories (common.throttling) live in the process's cache: a test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_connection_left_open() -> Iterator[None]:
    """Connections that a test's threads opened and left open are closed after it (PostgreSQL refuses
    to drop a test database that still has sessions)."""
    yield
    from common.testing import close_connections_of_ended_threads

    close_connections_of_ended_threads()
