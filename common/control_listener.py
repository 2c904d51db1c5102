"""The listening side of :mod:`common.control`: a process that runs agents answers the control
requests of the ``pyros.control`` channel layer group for its own agents.

:func:`install` adds it to a runtime as a lifecycle hook: it runs while the runtime does, in a thread
with an event loop of its own, and only with a channel layer that other processes share (Redis); the
in-memory layer is per process, and this process's requests go straight to its runtime. The action
itself (which may wait for an agent to stop) runs in a worker thread, so the loop keeps listening.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from .control import GROUP, REQUEST_TYPE, perform, require_action
from .exceptions import PyrosError

if TYPE_CHECKING:
    from .runtime import AgentRuntime

log = logging.getLogger("pyros.control")
WHERE = f"pid {os.getpid()} on {socket.gethostname()}"


class ControlListener:
    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    def start(self, runtime: AgentRuntime | None = None) -> None:
        layer = get_channel_layer()
        if layer is None or isinstance(layer, InMemoryChannelLayer):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self.ready.clear()
            self._thread = threading.Thread(target=self._run, name="pyros-control", daemon=True)
            self._thread.start()
        # Subscribed before the runtime reports its agents running: no request falls in between.
        if not self.ready.wait(10.0):
            log.warning("the control listener did not join the channel layer group within 10 s")

    def stop(self, runtime: AgentRuntime | None = None, timeout: float = 5.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop has closed already
                pass
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pyros-control-action")
        try:
            self._task = loop.create_task(self._serve(workers))
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the control listener stopped")
        finally:
            workers.shutdown(wait=True)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None
            self.ready.set()

    async def _serve(self, workers: ThreadPoolExecutor) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("pyros.control.listener.")
        await layer.group_add(GROUP, channel)
        self.ready.set()
        pending: set[asyncio.Task[None]] = set()
        try:
            while True:
                message = await layer.receive(channel)
                if message.get("type") == REQUEST_TYPE and self.runtime.runs(str(message.get("agent"))):
                    task = asyncio.ensure_future(self._answer(layer, message, workers))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
        finally:
            for task in pending:
                task.cancel()
            try:
                await asyncio.wait_for(layer.group_discard(GROUP, channel), 2.0)
            except Exception:
                pass

    async def _answer(self, layer: Any, message: dict[str, Any], workers: ThreadPoolExecutor) -> None:
        name, action = str(message["agent"]), str(message.get("action"))
        timeout = float(message.get("timeout") or 10.0)
        try:
            require_action(action)
            status = await asyncio.get_running_loop().run_in_executor(workers, perform, name, action, timeout)
            answer: dict[str, Any] = {"type": "agent.control.reply", "status": status, "where": WHERE}
        except PyrosError as exc:
            answer = {"type": "agent.control.reply", "error": str(exc), "where": WHERE}
        log.info("agent %s: %s requested through the channel layer", name, action)
        await layer.send(str(message["reply_to"]), answer)


def install(runtime: AgentRuntime) -> ControlListener:
    listener = ControlListener(runtime)
    runtime.add_lifecycle_hook(listener.start, listener.stop)
    return listener
