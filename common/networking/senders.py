"""The identities a Net_Node router or Station has heard from, capped and pruned.

autopilot keeps ``senders`` as a plain dict that grows by one entry per ZMQ identity ever seen: a peer
that connects with a fresh identity per message grows it (and a Station's ``routes``) without bound.
:class:`RecentSenders` keeps at most ``capacity`` identities, each for ``ttl`` seconds after it was
last heard; the least recently heard goes first. An evicted identity is only "not known": a message
for it goes upstream (or to the router anyway), as for any identity not yet heard from.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RecentSenders:
    """A set-like LRU of identities (``in``, ``len``, ``add``). Used by one I/O thread."""

    __slots__ = ("_last", "capacity", "evicted", "on_evict", "ttl")

    def __init__(self, capacity: int, ttl: float, on_evict: Callable[[bytes], None] | None = None) -> None:
        if capacity < 1 or ttl <= 0:
            raise ValueError("capacity must be >= 1 and ttl > 0")
        self.capacity = capacity
        self.ttl = ttl
        self.on_evict = on_evict
        self.evicted = 0
        self._last: OrderedDict[bytes, float] = OrderedDict()

    def add(self, identity: bytes, now: float | None = None) -> None:
        """Record that ``identity`` was heard from now (the cheap path when it is already known)."""
        now = time.monotonic() if now is None else now
        last = self._last
        if identity in last:
            last.move_to_end(identity)
        elif len(last) >= self.capacity:
            self._evict(next(iter(last)))
        last[identity] = now
        oldest = next(iter(last))
        if now - last[oldest] > self.ttl:
            self.prune(now)

    def __contains__(self, identity: object) -> bool:
        stamp = self._last.get(identity)  # type: ignore[call-overload]
        if stamp is None:
            return False
        if time.monotonic() - stamp > self.ttl:
            self._evict(identity)  # type: ignore[arg-type]
            return False
        return True

    def __len__(self) -> int:
        return len(self._last)

    def prune(self, now: float | None = None) -> int:
        """Forget identities not heard from for ``ttl`` seconds; returns how many."""
        now = time.monotonic() if now is None else now
        count = 0
        last = self._last
        while last:
            identity, stamp = next(iter(last.items()))
            if now - stamp <= self.ttl:
                break
            self._evict(identity)
            count += 1
        return count

    def _evict(self, identity: bytes) -> None:
        del self._last[identity]
        self.evicted += 1
        if self.on_evict is not None:
            self.on_evict(identity)
