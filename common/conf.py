"""pyros settings with their defaults, read once and re-read when a test overrides them.

Hot paths (Sender, agents) call :func:`setting`; looking a value up through ``django.conf.settings``
on every message costs microseconds, so values are cached and the cache is cleared on Django's
``setting_changed`` signal (as DRF does for ``api_settings``).
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    "PYROS_MAX_FRAME_SIZE": 1024 * 1024,
    "PYROS_FRAME_TIMEOUT": 10.0,
    "PYROS_SEND_TIMEOUT": 5.0,
    "PYROS_RESTART_BACKOFF_BASE": 1.0,
    "PYROS_RESTART_BACKOFF_MAX": 30.0,
    "PYROS_RESTART_LIMIT": 5,
    # native endpoint limits (common/transport/native.py)
    "PYROS_MAX_CONNECTIONS": 256,
    "PYROS_IDLE_TIMEOUT": 300.0,
    "PYROS_MAX_OUTPUT": 16 * 1024 * 1024,
    # web (common/parsers.py, common/retention.py)
    "PYROS_MAX_BODY_SIZE": 4 * 1024 * 1024,
    "PYROS_MESSAGE_LOG_MAX_AGE_DAYS": 30.0,
    "PYROS_MESSAGE_LOG_MAX_ROWS": 100_000,
    "PYROS_MESSAGE_LOG_PRUNE_INTERVAL": 60.0,
}

_cache: dict[str, Any] = {}


def setting(name: str) -> Any:
    try:
        return _cache[name]
    except KeyError:
        pass
    from django.conf import settings

    value = getattr(settings, name, DEFAULTS.get(name)) if settings.configured else DEFAULTS.get(name)
    _cache[name] = value
    return value


@receiver(setting_changed)
def _clear(**kwargs: Any) -> None:
    _cache.clear()
