"""``pymasep.communication.SocketHandlerQueue``: a SocketHandler that queues what it receives."""

from __future__ import annotations

import logging
import queue as queue_module
import socket
from typing import Any

from .codec import Frame
from .transport import SocketHandler


class SocketHandlerQueue(SocketHandler):
    """Puts the payload (``frame.message``, bytes) of every received frame but BYE on ``queue``."""

    def __init__(
        self,
        conn: socket.socket,
        addr: Any,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        queue: queue_module.Queue[bytes] | Any,
    ) -> None:
        super().__init__(conn=conn, addr=addr, logger=logger)
        self.receive_queue = queue

    def on_receive(self, frame: Frame) -> None:
        self.receive_queue.put(frame.message)
