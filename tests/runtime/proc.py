"""Run manage.py (or another program of the venv) in a subprocess and await its output lines."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}  # the child is not under pytest
    env.update(PYTHONUNBUFFERED="1", PYROS_LOG_LEVEL="INFO", **extra)
    return env


class Proc:
    """A child process whose merged stdout/stderr lines can be awaited."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def manage(cls, *args: str, env: dict[str, str]) -> Proc:
        return cls([sys.executable, "manage.py", *args], env)

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for a line matching ``pattern``; fail with everything seen so far."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0))
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern!r} within {timeout} s; output:\n{self.output}"
                ) from None
            if line is None:
                raise AssertionError(f"process ended before a line matching {pattern!r}; output:\n{self.output}")
            self.lines.append(line)
            if match := regex.search(line):
                return match

    def signal(self, sig: int) -> None:
        os.killpg(self.popen.pid, sig)

    def wait(self, timeout: float = 20.0) -> int:
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.argv} did not exit within {timeout} s; output:\n{self.output}") from None
        self._reader.join(timeout)
        while (line := self._queue.get_nowait() if not self._queue.empty() else None) is not None:
            self.lines.append(line)
        return code

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)
