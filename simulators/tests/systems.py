"""Small Systems used by the framework tests (not a test module)."""

from __future__ import annotations

import queue
import struct
import threading
import time
from typing import Any, ClassVar

from simulators.common import ListeningSystem, MultiTypeSystem, SendingSystem


class Echo(ListeningSystem):
    """Letters accumulate until ``\\n`` and come back upper-cased; ``x`` is malformed, ``!`` crashes."""

    built: ClassVar[list[Echo]] = []

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.buffer = ""
        self.accepted = threading.Event()  # set once a byte has been accepted
        self.built.append(self)

    def parse(self, byte: str) -> bool | str:
        if byte == "x":
            self.buffer = ""
            raise ValueError("x is not allowed")
        if byte == "!":
            self.buffer = ""
            raise RuntimeError("parser crashed")
        if byte == "\n" and self.buffer:
            reply, self.buffer = self.buffer.upper() + self.suffix + "\n", ""
            return reply
        if byte.isalpha() or (self.buffer and byte == " "):
            self.buffer += byte
            self.accepted.set()
            return True
        self.buffer = ""
        return False

    def hello(self, *params: str) -> str:
        return "hello:" + "|".join(params) + "\n"

    def boom(self) -> str:
        raise RuntimeError("boom")

    def silent(self) -> int:
        return 5


class Greeter(Echo):
    def system_greet(self) -> str:
        return "welcome\n"


class Ticker(SendingSystem):
    """Publishes ``!dQ`` (publish time, sequence + value) every ``sampling_time``, on absolute deadlines."""

    sampling_time = 0.01
    MESSAGE = struct.Struct("!dQ")

    def __init__(self, sampling_time: float = 0.01) -> None:
        self.sampling_time = sampling_time  # type: ignore[misc]
        self.value = 0
        self.unsubscribed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic()
        sequence = 0
        while not self._stop.wait(max(0.0, deadline - time.monotonic())):
            self.publish(self.MESSAGE.pack(time.time(), sequence + self.value))
            sequence += 1
            deadline += self.sampling_time

    def unsubscribe(self, q: queue.Queue[Any]) -> None:
        super().unsubscribe(q)
        self.unsubscribed.set()

    def set_value(self, value: str) -> str:
        self.value = int(value)
        return "ok\n"

    def system_stop(self) -> str:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5.0)
        return super().system_stop()


class Both(Echo, Ticker):
    """A listening and sending System (one instance behind two addresses)."""

    def __init__(self) -> None:
        Echo.__init__(self)
        Ticker.__init__(self)


class Variants(MultiTypeSystem):
    systems: ClassVar[dict[str, Any]] = {"plain": Echo, "greeting": Greeter}
