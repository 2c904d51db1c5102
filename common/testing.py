"""Helpers for the project's tests (as ``django.test`` and ``channels.testing`` ship theirs): free
loopback ports for servers a test starts, the per-test check that no thread is left running, and the
closing of database connections that ended threads left open."""

from __future__ import annotations

import socket
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.db.backends.signals import connection_created

from .sender import Sender

_handed_out: set[int] = set()
_opened_in_threads: list[tuple[weakref.ref[Any], weakref.ref[threading.Thread]]] = []


def _note_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if threading.current_thread() is not threading.main_thread():
        _opened_in_threads.append((weakref.ref(connection), weakref.ref(threading.current_thread())))


connection_created.connect(_note_connection, dispatch_uid="pyros.testing.connections")


def close_connections_of_ended_threads() -> int:
    """Close the database connections that threads opened and did not close before they ended.

    A test that reads the database from ``asyncio.to_thread`` or plain ``sync_to_async`` (no
    ``database_sync_to_async`` hygiene) leaves its thread's connection open until the garbage collector
    finds it: PostgreSQL then refuses to drop the test database ("being accessed by other users").
    Connections of threads still running are left alone. Returns how many were closed."""
    closed, keep = 0, []
    for wrapper_ref, thread_ref in _opened_in_threads:
        wrapper, thread = wrapper_ref(), thread_ref()
        if wrapper is None or wrapper.connection is None:
            continue
        if thread is not None and thread.is_alive():
            keep.append((wrapper_ref, thread_ref))
            continue
        try:
            wrapper.connection.close()  # the raw connection: its thread is gone, nobody else uses it
        finally:
            wrapper.connection = None
        closed += 1
    _opened_in_threads[:] = keep
    return closed


def free_port() -> int:
    """A free loopback port, never one this process handed out before (two calls in a row may
    otherwise get the same port back from the kernel)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 10.0, pause: float = 0.02) -> Any:
    """Poll ``condition`` until it returns something true, and return that; fail naming ``what`` after
    ``timeout`` s. For state that no event of this process announces: another process's, a broker's, a
    row in the database, a simulator's axes (what can be awaited is awaited instead)."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(pause)
    return result


def timed_wait_until(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> float:
    """``wait_until``, returning the seconds it took."""
    start = time.monotonic()
    wait_until(condition, what, timeout)
    return time.monotonic() - start


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports."""
    return [free_port() for _ in range(count)]


def end_asgiref_executor() -> None:
    """``database_sync_to_async`` outside any request context uses asgiref's process-wide one-thread
    executor, whose thread lives forever: end it (a new one starts a thread only when used)."""
    executor = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown(wait=True)


def assert_threads_ended(before: set[threading.Thread], timeout: float = 5.0) -> None:
    """After a test: close the Sender's pooled connections, end asgiref's executor, then wait up to
    ``timeout`` for every thread started since ``before`` and fail naming those still running. An event
    loop's executor threads (``asyncio_*``) are left to pytest-asyncio, which ends them with the loop."""
    Sender.close_all()
    end_asgiref_executor()
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    leftover = [t for t in leftover if not t.name.startswith("asyncio_")]
    for thread in leftover:
        thread.join(timeout)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads left running after the test: {still}"
