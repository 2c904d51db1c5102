"""Message log retention: delete rows older than a number of days, and all but the newest N.

:func:`prune_message_log` does both (two indexed deletes); :func:`maybe_prune` runs it at most once
per ``PYROS_MESSAGE_LOG_PRUNE_INTERVAL`` seconds in this process (``common.inject`` calls it after
logging); ``manage.py prunemessages`` runs it on demand (cron, systemd timer).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .conf import setting
from .models import MessageLog

log = logging.getLogger("pyros.retention")

_lock = threading.Lock()
_next_run = 0.0


@dataclass(frozen=True)
class Pruned:
    by_age: int
    by_count: int

    @property
    def total(self) -> int:
        return self.by_age + self.by_count


def prune_message_log(max_age_days: float | None = None, max_rows: int | None = None) -> Pruned:
    """Delete log rows older than ``max_age_days`` (0: keep any age), then all but the newest
    ``max_rows`` (0: keep any number). Defaults from the settings."""
    days = float(setting("PYROS_MESSAGE_LOG_MAX_AGE_DAYS") if max_age_days is None else max_age_days)
    rows = int(setting("PYROS_MESSAGE_LOG_MAX_ROWS") if max_rows is None else max_rows)
    if days < 0 or rows < 0:
        raise ValueError("the age and the number of rows to keep must be >= 0")
    by_age = by_count = 0
    if days > 0:
        by_age, _ = MessageLog.objects.filter(sent_at__lt=timezone.now() - timedelta(days=days)).delete()
    if rows > 0:
        boundary = list(MessageLog.objects.order_by("-id").values_list("id", flat=True)[rows : rows + 1])
        if boundary:
            by_count, _ = MessageLog.objects.filter(id__lte=boundary[0]).delete()
    if by_age or by_count:
        log.info("message log pruned: %d rows older than %g days, %d over %d rows", by_age, days, by_count, rows)
    return Pruned(by_age, by_count)


def maybe_prune() -> Pruned | None:
    """Prune if the interval has passed since this process last did (never raises: logs)."""
    global _next_run
    now = time.monotonic()
    with _lock:
        if now < _next_run:
            return None
        _next_run = now + float(setting("PYROS_MESSAGE_LOG_PRUNE_INTERVAL"))
    try:
        return prune_message_log()
    except Exception:
        log.exception("pruning the message log failed")
        return None


def reset_schedule() -> None:
    """Forget when this process last pruned (tests)."""
    global _next_run
    with _lock:
        _next_run = 0.0
