"""tools/run_discos_tests.py on a fake checkout: our package is the one imported, one line per file."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runner_runs_each_file_against_our_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    (tmp_path / "simulators").mkdir()  # the checkout's own package must never be imported
    (tmp_path / "simulators" / "__init__.py").write_text("raise ImportError('the checkout package was imported')\n")
    (tests / "test_good.py").write_text(
        "from simulators import utils, discos_log\n"
        "def test_ours():\n    assert utils.int_to_bytes(1, 2, False) == b'\\x00\\x01'\n"
        "def test_failing():\n    assert False\n"
    )
    (tests / "test_missing.py").write_text("from simulators.nowhere import System\n")
    code = load_tool("run_discos_tests").main([str(tmp_path), "--timeout", "120"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith("test_good.py") and "FAIL  1 passed, 1 failed" in lines[0]
    assert lines[1].startswith("test_missing.py") and "No module named 'simulators.nowhere'" in lines[1]


def test_runner_rejects_a_folder_that_is_not_a_checkout(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        load_tool("run_discos_tests").main([str(tmp_path)])
