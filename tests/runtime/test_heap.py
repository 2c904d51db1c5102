"""common.heap: the startup heap is frozen out of the collector's reach once per process, when on."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from common import heap


def test_freezes_once_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(heap, "_frozen", False)
    settings.PYROS_GC_FREEZE = False
    before = gc.get_freeze_count()
    assert heap.freeze_startup_heap() is False
    assert gc.get_freeze_count() == before, "froze with PYROS_GC_FREEZE off"
    settings.PYROS_GC_FREEZE = True
    assert heap.freeze_startup_heap() is True
    assert gc.get_freeze_count() > before
    assert heap.freeze_startup_heap() is False, "froze a second time in one process"
