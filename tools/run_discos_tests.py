"""Run DISCOS's own simulator tests (from a local checkout) against the pyros ``simulators`` package.

Usage: ``python tools/run_discos_tests.py /path/to/discos-simulators [test_x.py ...] [--timeout S]``

Nothing is fetched and nothing of the checkout is copied into this repository: each of the checkout's
``tests/test_*.py`` files runs in its own pytest process (a test that hangs fails after 60 s, through
pytest-timeout), with this repository first on ``sys.path`` and pytest's importlib mode (so the
checkout's own ``simulators`` package is never imported), from a temporary working directory that is
also ``ACSDATA`` (where DISCOS's tests read ``sim-server.log``). One line per file: passed/failed/errors,
or the reason it did not run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped)")
IMPORT_ERROR = re.compile(r"(ModuleNotFoundError|ImportError): [^\n]+")


def run_file(test_file: Path, timeout: float, workdir: str, test_timeout: float = 60.0) -> tuple[str, float]:
    """Run one test file; return its summary text and the seconds it took."""
    # ACSDATA: where DISCOS's tests read the simulators' sim-server.log
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "PYTHONDONTWRITEBYTECODE": "1", "ACSDATA": workdir}
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
        "-o", "addopts=", "--rootdir", workdir, "--timeout", str(test_timeout), "-c", os.devnull, str(test_file),
    ]  # fmt: skip
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"TIMEOUT after {timeout:.0f} s", time.monotonic() - start
    elapsed = time.monotonic() - start
    counts = {kind: 0 for kind in ("passed", "failed", "errors", "skipped")}
    last = done.stdout.strip().splitlines()[-1:] or [""]
    for number, kind in SUMMARY.findall(last[0]):
        counts["errors" if kind.startswith("error") else kind] += int(number)
    if not any(counts.values()):
        return f"did not run (pytest exit {done.returncode}): {last[0][:120]}", elapsed
    text = ", ".join(f"{n} {k}" for k, n in counts.items() if n or k in ("passed", "failed"))
    missing = IMPORT_ERROR.search(done.stdout)
    if missing and not counts["passed"]:
        text += f" - {missing.group(0)}"
    return text, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="folder of a discos/simulators checkout")
    parser.add_argument("files", nargs="*", help="test file names (default: every tests/test_*.py)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test file (default 600)")
    args = parser.parse_args(argv)
    tests_dir = args.checkout / "tests"
    if not tests_dir.is_dir():
        parser.error(f"{tests_dir} is not a folder: give the root of a discos/simulators checkout")
    files = [tests_dir / name for name in args.files] or sorted(tests_dir.glob("test_*.py"))
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        parser.error(f"no such test file: {', '.join(missing)}")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="discos-tests-") as workdir:
        for test_file in files:
            summary, elapsed = run_file(test_file, args.timeout, workdir)
            ok = summary.startswith(tuple(f"{n} passed" for n in range(1, 10000))) and ", 0 failed" in summary
            ok = ok and "errors" not in summary
            failures += not ok
            print(f"{test_file.name:32} {'PASS' if ok else 'FAIL'}  {summary}  ({elapsed:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
