"""The telescope-side codecs and models are sans-IO: no sockets, threads or Django in their imports."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PURE = [
    "scheduler.mount.codec",
    "scheduler.mount.events",
    "scheduler.weather.codec",
    "scheduler.weather.safety",
    "simulators.mount.framing",
    "simulators.mount.sexagesimal",
    "simulators.mount.motion",
    "simulators.mount.astro",
    "simulators.mount.lx200",
]
FORBIDDEN = {"socket", "selectors", "threading", "django", "asyncio", "select", "socketserver"}


def top_level_imports(module: str) -> set[str]:
    path = Path(importlib.import_module(module).__file__ or "")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", PURE)
def test_module_is_sans_io(module: str) -> None:
    found = top_level_imports(module) & FORBIDDEN
    assert found == set(), f"{module} imports {sorted(found)}"
