"""MISTRAL: the generic backend plus tasks that take time - ``setup`` (``setup_time``, 60 s) before
anything else, ``target-sweep`` and ``vna-sweep`` (``sweep_time``, 300 s) - and ``reset``.

A request refused because of the state fails with the reason: ``failure description`` while
``failure`` is set, ``<task> in progress`` while a task runs (acquisition, setup, target-sweep,
vna-sweep: the last of these that runs), ``system not initialized (setup required)`` before the first
setup has ended. ``status`` reports that reason, or ``ready to run a task``. Tasks end when their time
comes (checked when the state is read; no timer thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from simulators.backend.genericbackend import Arguments, BackendError, GenericBackendSystem, _wall_clock

TASKS = ("setup", "target-sweep", "vna-sweep")


class System(GenericBackendSystem):
    commands: ClassVar[dict[str, str]] = {
        "setup": "do_setup",
        "target-sweep": "do_target_sweep",
        "vna-sweep": "do_vna_sweep",
        "reset": "do_reset",
        **GenericBackendSystem.commands,
    }
    setup_time: float = 60
    sweep_time: float = 300

    def __init__(self, clock: Callable[[], float] = _wall_clock) -> None:
        super().__init__(clock)
        self.set_default()

    def set_default(self) -> None:
        GenericBackendSystem.__init__(self, self.clock)
        self.task_ends: dict[str, float] = {}
        self._ready = False

    @property
    def ready(self) -> bool:
        self._running("setup")
        return self._ready

    def _running(self, task: str) -> bool:
        end = self.task_ends.get(task)
        if end is None:
            return False
        if self.clock() < end:
            return True
        del self.task_ends[task]
        if task == "setup":
            self._ready = True
        return False

    @property
    def running_task(self) -> str:
        running = [name for name in TASKS if self._running(name)]
        acquiring = ["acquisition"] if self.acquiring else []
        return ([*acquiring, *running] or [""])[-1]

    @property
    def error(self) -> str:
        """Why a task cannot start now ("" if it can)."""
        if self.failure:
            return "failure description"
        if task := self.running_task:
            return f"{task} in progress"
        if not self.ready:
            return "system not initialized (setup required)"
        return ""

    def _start_task(self, task: str, duration: float, allowed: tuple[str, ...] = ()) -> None:
        error = self.error
        if error and error not in allowed:
            raise BackendError(error)
        self.task_ends[task] = self.clock() + duration

    def do_setup(self, _: Arguments) -> None:
        self._start_task("setup", self.setup_time, allowed=("system not initialized (setup required)",))
        self._running("setup")

    def do_target_sweep(self, _: Arguments) -> None:
        self._start_task("target-sweep", self.sweep_time)

    def do_vna_sweep(self, _: Arguments) -> None:
        self._start_task("vna-sweep", self.sweep_time)

    def do_start(self, arguments: Arguments) -> None:
        if error := self.error:
            raise BackendError(error)
        super().do_start(arguments)

    def do_status(self, _: Arguments) -> list[object]:
        return [self._time_text(), self.error or "ready to run a task", 1 if self.acquiring else 0]

    def do_reset(self, _: Arguments) -> None:
        self.set_default()

    def stop_tasks(self) -> None:
        self.task_ends.clear()
