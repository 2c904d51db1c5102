from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import SyncToAsync

from common.sender import Sender


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Each test ends its threads; asgiref's process-wide one-thread executor (used by
    ``database_sync_to_async`` outside a request) is ended and replaced after each test."""
    before = set(threading.enumerate())
    yield
    Sender.close_all()
    executor = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown(wait=True)
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    leftover = [t for t in leftover if not t.name.startswith("asyncio_")]
    for thread in leftover:
        thread.join(5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads left running after the test: {still}"
