"""Fixtures of the pymasep tests: captured pymasep log records, and no thread left behind."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.DEBUG) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def pymasep_log() -> Iterator[_Records]:
    """Records of the ``pyros.pymasep`` loggers (they do not propagate to the root under Django's
    LOGGING, so caplog would not see them)."""
    handler = _Records()
    logger = logging.getLogger("pyros.pymasep")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            break
        left[0].join(0.1)
    assert not left, f"threads left behind: {[t.name for t in left]}"
