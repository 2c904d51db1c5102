"""The scheduler's weather safety: a client of the weather-station simulator's UDP protocol and a pure
safe/unsafe state machine (thresholds, data loss, hold time before resuming)."""

from scheduler.weather.client import SENSORS, WeatherEndpoint
from scheduler.weather.exceptions import WeatherCallerError, WeatherError, WeatherPeerError
from scheduler.weather.factory import weather_endpoint
from scheduler.weather.safety import Safety, SafetyChange, SafetyLimits, WeatherSafety, WeatherSample

__all__ = [
    "SENSORS",
    "Safety",
    "SafetyChange",
    "SafetyLimits",
    "WeatherCallerError",
    "WeatherEndpoint",
    "WeatherError",
    "WeatherPeerError",
    "WeatherSafety",
    "WeatherSample",
    "weather_endpoint",
]
