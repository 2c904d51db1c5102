"""The architecture rules that imports can show: no import cycle anywhere, a core that knows no
dialect, sans-IO codecs."""

from __future__ import annotations

import pytest

from common.agent import Agent

from .imports import cycles, import_graph

DIALECTS = ("common.ivy", "common.communication", "common.networking")
CODECS = [
    "common.protocol.framing",
    "common.protocol.message",
    "common.ivy.codec",
    "common.communication.codec",
    "common.communication.xmlvalues",
    "common.networking.codec",
    "common.networking.arrays",
]


def test_no_import_cycle_between_any_two_modules() -> None:
    # Every import counts: module level, inside functions and under TYPE_CHECKING.
    assert cycles(import_graph()) == []


def test_the_agent_core_imports_no_dialect() -> None:
    graph = import_graph()
    for core in ("common.agent", "common.endpoints", "common.runtime", "common.timers", "common.states"):
        reached = _reachable(graph, core)
        dialects = sorted(m for m in reached if m.startswith(DIALECTS))
        assert dialects == [], f"{core} reaches dialect modules {dialects}"
        assert "zmq" not in reached


def test_the_base_agent_has_no_dialect_methods() -> None:
    names = {name.lower() for name in dir(Agent)}
    assert not [n for n in names if "ivy" in n or "netnode" in n or "pymasep" in n or "zmq" in n]


@pytest.mark.parametrize("codec", CODECS)
def test_codecs_are_sans_io(codec: str) -> None:
    imported = _direct_external_imports(codec)
    forbidden = {"socket", "selectors", "threading", "django", "zmq", "asyncio", "select"}
    assert imported & forbidden == set(), f"{codec} imports {sorted(imported & forbidden)}"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        module = stack.pop()
        for target in graph.get(module, ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _direct_external_imports(module: str) -> set[str]:
    import ast

    from .imports import project_modules

    path = project_modules()[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found
