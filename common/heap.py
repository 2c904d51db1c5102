"""Short garbage-collector pauses for processes that run agents.

A process that runs agents holds Django, DRF, Channels and astropy: some 200,000 long-lived objects
that a full (generation-2) collection traverses every time. Measured on the 2-core test machine, such
a collection takes 80-160 ms; it stops every thread of the process, so every agent misses its latency
budget (a scheduler answering PING within 50 ms while it plans). ``freeze_startup_heap()``, called
once every app is ready, collects what startup left over and moves the survivors to the permanent
generation (:func:`gc.freeze`): later collections traverse only objects made since. Objects frozen
are never freed, which is what startup objects (modules, classes, settings) are anyway.
``manage.py runsimulators`` freezes its heap too (without the collection: it must be up at once).
Turn it off with ``PYROS_GC_FREEZE = False``.
"""

from __future__ import annotations

import gc
import logging
import threading

from .conf import setting

log = logging.getLogger("pyros.agent")
_lock = threading.Lock()
_frozen = False


def freeze_startup_heap(collect: bool = True) -> bool:
    """Collect (unless ``collect`` is False: a process that must be up at once, whose startup garbage
    is small), then freeze the objects that exist now; once per process. True the first time."""
    global _frozen
    with _lock:
        if _frozen or not setting("PYROS_GC_FREEZE"):
            return False
        _frozen = True
        if collect:
            gc.collect()
        gc.freeze()
    log.debug("froze %d startup objects out of the garbage collector's reach", gc.get_freeze_count())
    return True
