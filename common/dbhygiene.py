"""Django's per-request database hygiene, for code that runs in an agent's thread.

A request gets ``close_old_connections()`` before and after it (the ``request_started`` and
``request_finished`` signals); an agent's handlers, timers and callbacks get the same from the agent,
so an agent that writes to the database for days never uses a connection the server closed, nor one
older than ``CONN_MAX_AGE``. Threads that never opened a connection skip it (a set lookup): the
``connection_created`` signal marks the threads that did.

An agent that starts during ``django.setup()`` (autostart from an app's ``ready()``) runs ``work()``
only once every app is ready (:func:`wait_for_apps`): no database access during app initialisation.
"""

from __future__ import annotations

import threading
from typing import Any

from django.apps import apps
from django.db import close_old_connections, connections
from django.db.backends.signals import connection_created

_threads_with_connections: set[int] = set()


def _mark(sender: Any, **kwargs: Any) -> None:
    _threads_with_connections.add(threading.get_ident())


connection_created.connect(_mark, dispatch_uid="pyros.dbhygiene")


def tidy_connections() -> None:
    """Close this thread's database connections that are unusable or past their ``CONN_MAX_AGE``."""
    if threading.get_ident() in _threads_with_connections:
        close_old_connections()


def close_connections() -> None:
    """Close this thread's connections (an agent's thread that ends leaves no session on the server)."""
    if threading.get_ident() in _threads_with_connections:
        _threads_with_connections.discard(threading.get_ident())
        connections.close_all()


def wait_for_apps(timeout: float | None = None) -> bool:
    """Wait until Django's app registry is ready when it is being populated (an agent or heartbeat
    started from an ``AppConfig.ready()`` must not touch the database before every app is ready).
    Returns at once outside ``django.setup()`` (a plain script)."""
    if apps.ready or not apps.loading:
        return True
    return apps.ready_event.wait(timeout)
