"""The console's Telescope (``/telescope/``) and Weather (``/weather/``) panels, server-rendered.

Both ask the scheduler agent (``TELESCOPE``, ``WEATHER`` messages through the Sender), wherever it
runs: in the web process or in a ``runagents`` process. An agent that does not answer is shown as
such. The pages reload themselves every few seconds and on the websocket's scheduler events."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.exceptions import PyrosError
from common.sender import Sender

from . import skyplot, store

ASK_TIMEOUT = 2.0
SENSORS = (  # sample field, label, limit field, unit
    ("wind_speed", "average wind (sm01)", "wind_max", "m/s"),
    ("wind_gust", "gusts (sx01)", "gust_max", "m/s"),
    ("rain_rate", "rain rate (ri01)", "rain_max", "mm/h"),
    ("humidity", "humidity (ua01)", "humidity_max", "%"),
)


def ask(message: str) -> tuple[dict[str, Any] | None, str]:
    """The scheduler agent's answer to ``message``, or None and why not."""
    try:
        return dict(Sender.send_to("scheduler", message, timeout=ASK_TIMEOUT)), ""
    except PyrosError as exc:
        return None, f"the scheduler agent does not answer: {exc}"


def when(value: float | None) -> str:
    """POSIX seconds as ISO UTC (seconds), '-' for none."""
    if value is None:
        return "-"
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@login_required(login_url="login")
def telescope_page(request: HttpRequest) -> HttpResponse:
    view, error = ask("TELESCOPE")
    context: dict[str, Any] = {"error": error, "view": view, "sky": "", "commands": [], "history": []}
    context["section"] = "telescope"
    if view is not None:
        mount = view.get("mount") or {}
        context["mount"] = mount
        context["sky"] = _sky(view, mount)
        context["commands"] = [{"at": when(c["at"]), "command": c["command"]} for c in mount.get("last_commands", [])]
        context["history"] = [{**h, "at": when(h["at"])} for h in reversed(view.get("history", []))]
        context["hold_since"] = when(view.get("weather_hold_since"))
    return render(request, "scheduler/telescope.html", context)


def _sky(view: dict[str, Any], mount: dict[str, Any]) -> str:
    site = store.site()
    points = []
    position = mount.get("position")
    if position:
        points.append(("mount", float(position["ra_deg"]), float(position["dec_deg"]), "mount"))
    target = view.get("target")
    if target:
        points.append(("target", float(target["ra"]), float(target["dec"]), str(target["name"])))
    return skyplot.render(points, site.latitude, site.longitude, time.time())


@login_required(login_url="login")
def weather_page(request: HttpRequest) -> HttpResponse:
    view, error = ask("WEATHER")
    context: dict[str, Any] = {"error": error, "view": view, "rows": [], "station": None, "section": "weather"}
    station = None if view is None else view.get("station")
    if station is not None:
        safety = station["safety"]
        sample = safety.get("last_sample") or {}
        limits = safety.get("limits") or {}
        context["rows"] = [
            {
                "label": label,
                "value": sample.get(field),
                "limit": limits.get(limit),
                "unit": unit,
                "over": sample.get(field) is not None and sample[field] > limits.get(limit, float("inf")),
            }
            for field, label, limit, unit in SENSORS
        ]
        context["station"] = station
        context["safety"] = {
            **safety,
            "since": when(safety.get("since")),
            "resume_at": when(safety.get("resume_at")),
            "sampled": when(sample.get("time")),
        }
        context["changes"] = [{**c, "since": when(c["since"])} for c in reversed(view.get("changes", []))]
    if view is not None:
        context["hold_since"] = when(view.get("hold_since"))
    return render(request, "scheduler/weather.html", context)
