"""The System base classes of the DISCOS simulator framework.

A *System* is the simulation object behind one server endpoint. A listening System receives the
client's bytes one at a time through ``parse(ch)``; a sending System publishes its status to every
subscribed client queue every ``sampling_time`` seconds. Both offer the ``system_stop`` and
``system_greet`` hooks. Subclasses written for DISCOS work unchanged.
"""

from __future__ import annotations

import abc
import queue
import threading
from typing import Any, ClassVar, Protocol

from simulators.exceptions import UnknownSystemTypeError
from simulators.utils import put_latest

SERVER_SHUTDOWN = "$server_shutdown%%%%%"
"""Returned by ``system_stop``: a custom command answering exactly this shuts its server down."""

ParseResult = bool | str | None


class ByteParser(Protocol):
    """Anything with the ``parse(ch)`` contract (a System, or a per-connection parser of one)."""

    def parse(self, byte: str) -> ParseResult: ...


class BaseSystem(abc.ABC):  # noqa: B024 (abstract by convention: it has no abstract method of its own)
    """Base of every System: the framework hooks shared by listening and sending systems."""

    def system_stop(self) -> str:
        """Release the System's resources and return ``$server_shutdown%%%%%`` (the server then stops).

        Overrides must still return that exact text.
        """
        return SERVER_SHUTDOWN

    def system_greet(self) -> str | None:
        """The text sent to each TCP client right after it connects, or ``None`` for no greeting."""
        return None


class ListeningSystem(BaseSystem):
    """A System that answers what its clients send, byte by byte."""

    @abc.abstractmethod
    def parse(self, byte: str) -> ParseResult:
        """Take one received byte (a one-character ``str``, code point = byte value).

        Return ``False`` if the byte cannot start a message (discarded, parser idle), ``True`` if it
        was accepted and more are expected or a complete message needs no reply, or the reply text.
        Raise ``ValueError`` for malformed input, after resetting the parser to idle.
        """

    def new_parser(self) -> ByteParser:
        """The parser serving one new connection (or one datagram).

        The default is the System itself, so all connections share one parser state as in DISCOS.
        A System whose protocol state must not be mixed between clients returns a fresh object whose
        ``parse`` works on the System's shared state.
        """
        return self


class SendingSystem(BaseSystem):
    """A System that pushes its status to every subscribed client every ``sampling_time`` seconds.

    The server gives each client a queue of capacity 1 and calls ``subscribe(q)`` / ``unsubscribe(q)``;
    the System puts each new status (``bytes``) into every queue with :meth:`publish`, which never
    blocks and leaves only the newest status in each queue.
    """

    sampling_time: ClassVar[float] = 0.01
    _subscribers_lock: ClassVar[threading.Lock] = threading.Lock()

    def _subscriber_set(self) -> set[queue.Queue[Any]]:
        # Lazily created so that subclasses need not call ``super().__init__()`` (DISCOS ones do not).
        subscribers: set[queue.Queue[Any]] | None = self.__dict__.get("_subscribers")
        if subscribers is None:
            with SendingSystem._subscribers_lock:
                subscribers = self.__dict__.setdefault("_subscribers", set())
        return subscribers

    def subscribe(self, q: queue.Queue[Any]) -> None:
        """Register a client queue: it will receive every new status."""
        subscribers = self._subscriber_set()
        with SendingSystem._subscribers_lock:
            subscribers.add(q)

    def unsubscribe(self, q: queue.Queue[Any]) -> None:
        """Forget a client queue (the client went away)."""
        subscribers = self._subscriber_set()
        with SendingSystem._subscribers_lock:
            subscribers.discard(q)

    def subscribers(self) -> list[queue.Queue[Any]]:
        """A snapshot of the registered queues."""
        subscribers = self._subscriber_set()
        with SendingSystem._subscribers_lock:
            return list(subscribers)

    def publish(self, message: bytes) -> None:
        """Put ``message`` into every registered queue, replacing any status not yet sent.

        Queues given by a TCP sending server also send it at once, from this thread.
        """
        for q in self.subscribers():
            publish_now = getattr(q, "publish_now", None)
            if publish_now is not None:
                publish_now(message)
            else:
                put_latest(q, message)


class MultiTypeSystem:
    """A class factory: ``System(system_type='name', **kwargs)`` builds the variant called ``name``.

    Subclasses set ``systems`` (type name -> module with a ``System`` class, or a class), typically
    ``systems = get_multitype_systems(__file__)``, and may set a default ``system_type``. The object
    returned is an instance of the variant, not of the factory.
    """

    systems: ClassVar[dict[str, Any]] = {}
    system_type: ClassVar[str | None] = None

    def __new__(cls, **kwargs: Any) -> Any:
        system_type = kwargs.pop("system_type", cls.system_type)
        variant = cls.systems.get(system_type) if isinstance(system_type, str) else None
        if variant is None:
            raise UnknownSystemTypeError(system_type)
        factory = getattr(variant, "System", variant)
        return factory(**kwargs)
