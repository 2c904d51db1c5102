"""DISCOS's log file: ``$ACSDATA/sim-server.log``, one line per event, ``<time> <pid> <message>``.

The framework logs on ``pyros.simulators`` with context for operators (which server, which client,
which bytes). A record that has a DISCOS counterpart also carries the exact DISCOS text as
``extra={"discos": text}`` (see :func:`discos`); the file handler writes that text, so the file reads as
DISCOS's does and tools that parse it keep working. The file exists only when ``ACSDATA`` is set.
"""

from __future__ import annotations

import logging
import os
import threading

LOGGER_NAME = "pyros.simulators"
FILE_NAME = "sim-server.log"
LINE_FORMAT = "%(asctime)s %(process)d %(message)s"

_lock = threading.Lock()


class DiscosFormatter(logging.Formatter):
    """Formats a record with its DISCOS text (``record.discos``) when it has one."""

    def format(self, record: logging.LogRecord) -> str:
        text = getattr(record, "discos", None)
        if text is None:
            return super().format(record)
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args, copy.exc_info, copy.exc_text = text, None, None, None
        return super().format(copy)


def discos(text: str) -> dict[str, str]:
    """``extra`` for a log call whose DISCOS log line is ``text``."""
    return {"discos": text}


def configure(directory: str | None = None) -> logging.Handler | None:
    """Attach the ``sim-server.log`` file handler in ``directory`` (default ``$ACSDATA``); idempotent.

    Returns the handler, or None when no directory is given and ``ACSDATA`` is not set.
    """
    directory = directory if directory is not None else os.environ.get("ACSDATA")
    if not directory:
        return None
    path = os.path.abspath(os.path.join(directory, FILE_NAME))
    logger = logging.getLogger(LOGGER_NAME)
    with _lock:
        for handler in logger.handlers:
            if isinstance(handler, logging.FileHandler) and handler.baseFilename == path:
                return handler
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(DiscosFormatter(LINE_FORMAT))
        handler.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.DEBUG)
    return handler
