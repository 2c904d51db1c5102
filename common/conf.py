"""Every ``PYROS_*``, ``PYMASEP_*`` and ``NETNODE_*`` setting, with its documented default: one accessor.

``setting(name)`` reads Django's settings when they are configured (a value set there wins) and falls
back to :data:`DEFAULTS`; a name missing from :data:`DEFAULTS` is a programming error (``KeyError``),
so a typo cannot silently read ``None``. Hot paths (Sender, agents) call it per message: values are
cached, and the cache is cleared on Django's ``setting_changed`` signal (as DRF does for
``api_settings``), so ``override_settings`` in tests works.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # Agents and the native wire.
    "PYROS_AGENT_CONFIG": None,  # None: pyros_agent_config.ini beside manage.py (or $PYROS_AGENT_CONFIG)
    "PYROS_AGENTS_AUTOSTART": True,
    "PYROS_MAX_FRAME_SIZE": 1024 * 1024,
    "PYROS_FRAME_TIMEOUT": 10.0,
    "PYROS_SEND_TIMEOUT": 5.0,
    "PYROS_CONTROL_TIMEOUT": 10.0,  # start/stop/restart of an agent of another process
    # Supervision.
    "PYROS_RESTART_BACKOFF_BASE": 1.0,
    "PYROS_RESTART_BACKOFF_MAX": 30.0,
    "PYROS_RESTART_LIMIT": 5,
    "PYROS_RESTART_RESET_AFTER": 60.0,  # a run this long before a crash starts a new count
    "PYROS_GC_FREEZE": True,  # common/heap.py: startup objects out of the collector's reach
    "PYROS_TRAFFIC_KEPT": 50,  # common/traffic.py: messages in and out each agent keeps for its page
    # native endpoint limits (common/transport/native.py)
    "PYROS_MAX_CONNECTIONS": 256,
    "PYROS_IDLE_TIMEOUT": 300.0,
    "PYROS_MAX_OUTPUT": 16 * 1024 * 1024,
    # web (common/parsers.py, common/retention.py)
    "PYROS_MAX_BODY_SIZE": 4 * 1024 * 1024,
    "PYROS_MESSAGE_LOG_MAX_AGE_DAYS": 30.0,
    "PYROS_MESSAGE_LOG_MAX_ROWS": 100_000,
    "PYROS_MESSAGE_LOG_PRUNE_INTERVAL": 60.0,
    # Status, heartbeats, the console.
    "PYROS_HEARTBEAT_INTERVAL": 1.0,
    "PYROS_HEARTBEAT_MAX_AGE": 5.0,
    "PYROS_STATUS_EVENT_INTERVAL": 0.05,
    "PYROS_INJECT_MAX_TIMEOUT": 60.0,
    "PYROS_RUN_DIR": None,  # None: run/ beside manage.py
    # Ivy.
    "PYROS_IVY_MAX_QUEUE": 100_000,
    # pymasep.
    "PYMASEP_DISCOVERY_ADDRESS": "127.255.255.255",
    "PYMASEP_DISCOVERY_PORT": 10000,
    "PYMASEP_DISCOVERY_TIMEOUT": 1.0,
    "PYMASEP_HANDSHAKE_TIMEOUT": 5.0,
    "PYMASEP_IO_TIMEOUT": 10.0,
    "PYMASEP_MAX_CONNECTION": 16,
    # Net_Node.
    "NETNODE_REPEAT_INTERVAL": 5.0,
    "NETNODE_STREAM_LINGER": 0.05,
    "NETNODE_STREAM_MAX_BATCH": 1000,
    "NETNODE_WORKERS": 4,
    "NETNODE_WORKER_BACKLOG": 100,
    "NETNODE_OUTBOX_SIZE": 10000,
    "NETNODE_OUTBOX_TIMEOUT": 10.0,
    "NETNODE_SEEN_IDS": 10000,
    "NETNODE_HWM": 100000,
    "NETNODE_MAX_MESSAGE_SIZE": 64 * 1024 * 1024,
    "NETNODE_ALLOW_BLOSC": False,
    "NETNODE_BIND_HOST": "127.0.0.1",
    # Telescope: the scheduler's LX200 mount client (scheduler.mount).
    "PYROS_MOUNT_POLL_INTERVAL": 0.2,  # s between two :D# while a slew is followed
    "PYROS_MOUNT_POSITION_INTERVAL": 1.0,  # s between two :GR#/:GD# position reads
    "PYROS_MOUNT_REPLY_TIMEOUT": 5.0,  # s without an expected reply: the connection is dropped and remade
    # Which mount the executor drives: "lx200" (the `mount` key), "acu" (the `acu` key), "auto": the one
    # configured (scheduler.telescope; docs/telescope.md).
    "PYROS_MOUNT_KIND": "auto",
    # The SRT ACU client (scheduler.acu): axis rates (deg/s), program-track tables, on-target tolerance.
    "PYROS_ACU_AZIMUTH_RATE": 0.85,
    "PYROS_ACU_ELEVATION_RATE": 0.5,
    "PYROS_ACU_TRACK_STEP": 1.0,  # s between two program-track points
    "PYROS_ACU_TRACK_POINTS": 50,  # points per table (5..50); half a table is appended when half is left
    "PYROS_ACU_TOLERANCE": 0.01,  # deg from the target on both axes: on target
    # Weather safety (scheduler.weather; docs/telescope.md).
    "PYROS_WEATHER_INTERVAL": 5.0,  # s between two readings of the weather station
    "PYROS_WEATHER_WIND_MAX": 15.0,  # m/s, average wind (sm01)
    "PYROS_WEATHER_GUST_MAX": 20.0,  # m/s, gusts (sx01)
    "PYROS_WEATHER_RAIN_MAX": 0.0,  # mm/h, rain rate (ri01): any rain is unsafe
    "PYROS_WEATHER_HUMIDITY_MAX": 90.0,  # %, relative humidity (ua01)
    "PYROS_WEATHER_DATA_TIMEOUT": 60.0,  # s without a complete reading: unsafe
    "PYROS_WEATHER_HOLD_TIME": 1200.0,  # s of safe weather needed before resuming after unsafe
    # Operator console (common.views, common.timefmt).
    "PYROS_TIME_ZONE": "UTC",  # IANA zone of the times on the pages
    "PYROS_CONSOLE_PAGE_SIZE": 50,  # rows per page of the message log
    # alert_manager (pyros/settings.py says what each one means)
    "PYROS_ALERT_MAX_PACKET_SIZE": 256 * 1024,
    "PYROS_ALERT_SCHEDULE_TEST": False,
    "PYROS_ALERT_OBSERVATORIES": [],
    "PYROS_ALERT_SEND_TIMEOUT": 5.0,
    "PYROS_ALERT_LINK_TIMEOUT": 300.0,
    "PYROS_ALERT_LINK_CHECK_INTERVAL": 1.0,
    "PYROS_ALERT_RECONNECT_MIN": 0.5,
    "PYROS_ALERT_RECONNECT_MAX": 60.0,
    "PYROS_ALERT_LOCAL_IVO": "ivo://pyros.local/alert_manager",
    # scheduler
    "PYROS_SITE": {"name": "La Silla", "latitude": -29.2563, "longitude": -70.7380, "elevation": 2400.0},
    "PYROS_TWILIGHT": -12.0,
    "PYROS_SLEW_RATE": 2.0,
    "PYROS_SETTLE_TIME": 10.0,
    "PYROS_PLANNER_STEP": 60.0,
    "PYROS_TOO_INTERRUPT_SEPARATION": 1.0,
    "PYROS_TOO_MIN_UPDATE_SEPARATION": 0.05,
    "PYROS_TOO_DURATION": 1800.0,
    "PYROS_TOO_MIN_ALTITUDE": 20.0,
    "PYROS_TOO_ACCEPT_TEST_ALERTS": False,
    "PYROS_SCHEDULER_POLL": 5.0,
    "NETNODE_MAX_SENDERS": 10000,
    "NETNODE_SENDER_TTL": 3600.0,
}

_cache: dict[str, Any] = {}


def setting(name: str) -> Any:
    """The value of the pyros setting ``name`` (Django's settings, else its default)."""
    try:
        return _cache[name]
    except KeyError:
        pass
    default = DEFAULTS[name]
    from django.conf import settings

    value = getattr(settings, name, default) if settings.configured else default
    _cache[name] = value
    return value


@receiver(setting_changed)
def _clear(**kwargs: Any) -> None:
    _cache.clear()
