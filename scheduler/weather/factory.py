"""The ``weather_station = HOST:PORT`` configuration key (and ``weather_interval``) of an agent's
section: opens a :class:`WeatherEndpoint` with the limits of the settings.

Registered with :func:`common.endpoints.register_endpoint` when ``scheduler.weather`` is imported.
"""

from __future__ import annotations

import time
from typing import Any

from common.conf import setting
from common.endpoints import register_endpoint
from scheduler.weather.client import CallSoon, WeatherEndpoint
from scheduler.weather.exceptions import WeatherCallerError
from scheduler.weather.safety import SafetyLimits, WeatherSafety


def weather_endpoint(agent: CallSoon, address: Any) -> WeatherEndpoint | None:
    """Endpoint factory for the agent config: ``weather_station = HOST:PORT`` in the agent's section
    (and optionally ``weather_interval = SECONDS``, default the ``PYROS_WEATHER_INTERVAL`` setting).

    Limits come from the ``PYROS_WEATHER_*`` settings; the callbacks are the agent's ``weather_sample``
    and ``weather_changed`` methods when it has them.
    """
    options = getattr(address, "options", None) or {}
    value = options.get("weather_station", "").strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise WeatherCallerError(f"weather_station = {value!r}: expected HOST:PORT")
    try:
        interval = float(options.get("weather_interval", "") or setting("PYROS_WEATHER_INTERVAL"))
    except ValueError:
        raise WeatherCallerError(f"weather_interval = {options['weather_interval']!r}: expected seconds") from None
    return WeatherEndpoint(
        agent,
        host,
        int(port),
        safety=WeatherSafety(SafetyLimits.from_settings(), time.time()),
        on_sample=getattr(agent, "weather_sample", None),
        on_change=getattr(agent, "weather_changed", None),
        interval=interval,
    )


register_endpoint("weather_station", weather_endpoint, options=("weather_interval",))
