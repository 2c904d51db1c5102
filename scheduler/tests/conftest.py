from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.testing import assert_threads_ended


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert_threads_ended(before)
