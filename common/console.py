"""What the console pages show, apart from the HTTP handling (``common.views``): one agent's page
(endpoints, known messages and what they take, recent traffic, messages and errors), the message log with its
filters, and the simulators that ``runsimulators`` runs (its state files)."""

from __future__ import annotations

import inspect
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet

from . import runtime as runtime_module
from .config import load_config
from .exceptions import ConfigError
from .models import AgentStatus, MessageLog
from .timefmt import console_zone, format_time
from .traffic import TrafficEntry

RECENT = 20


def agent_names() -> list[str]:
    """Agents of the configuration and of this process's runtime (the log's agent filter)."""
    try:
        configured = list(load_config())
    except ConfigError:
        configured = []
    return list(dict.fromkeys([*configured, *runtime_module.runtime.names()]))


BUILTIN = {
    "PING": "no params: answers at once (liveness)",
    "STATUS": "no params: the agent's status (counters, endpoints, known messages)",
    "SHUTDOWN": "no params: stops the agent (needs common.control_agent)",
}
_PARAM = re.compile(r"""params(?:\.get\(|\[)\s*["']([^"']+)["']""")


def known_messages(name: str, view: dict[str, Any]) -> list[dict[str, str]]:
    """Each message the agent knows with what it takes: the params its handler reads
    (``message.params["x"]``, ``.get("x")``) and its docstring's first paragraph. An agent of another
    process lists names only."""
    agent = runtime_module.runtime.agent(name)
    actions: dict[str, Any] = dict(getattr(agent, "actions_by_message", {}) or {}) if agent is not None else {}
    rows = []
    for message in view.get("messages") or []:
        handler = actions.get(message)
        params, doc = _handler_params(handler) if handler is not None else ([], "")
        rows.append({"name": message, "params": ", ".join(params), "doc": BUILTIN.get(message, doc)})
    return rows


def _handler_params(handler: Any) -> tuple[list[str], str]:
    doc = (inspect.getdoc(handler) or "").strip().split("\n\n")[0]
    try:
        source = inspect.getsource(handler)
    except (OSError, TypeError):
        return [], doc
    return list(dict.fromkeys(_PARAM.findall(source))), doc


def activity(name: str, view: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, list[TrafficEntry] | None]:
    """An agent's endpoints (as name + the other fields) and its recent traffic (newest first), from
    where its view comes from: the agent of this process, or the last heartbeat of the process that runs
    it. (None, None) when no process has reported it."""
    if view.get("source") == "local" and (agent := runtime_module.runtime.agent(name)) is not None:
        try:
            reported: dict[str, Any] = agent.status()
        except Exception as exc:  # an agent in the middle of stopping
            return [{"name": "?", "fields": {"error": f"{type(exc).__name__}: {exc}"}}], []
    elif view.get("source") == "heartbeat" and (row := AgentStatus.objects.filter(name=name).first()) is not None:
        reported = {"endpoints": row.endpoints, "traffic": row.traffic}
    else:
        return None, None
    described = [ep for ep in reported.get("endpoints") or [] if isinstance(ep, dict)]
    endpoints = [
        {"name": ep.get("name", "?"), "fields": {k: show(k, v) for k, v in ep.items() if k != "name"}}
        for ep in described
    ]
    traffic = [TrafficEntry.from_dict(item) for item in reported.get("traffic") or [] if isinstance(item, dict)]
    return endpoints, traffic


def show(key: str, value: Any) -> str:
    """An endpoint's field as text: times in the console's format, lists and mappings readable."""
    if value is None or value == "":
        return "—"
    if key.endswith(("_at", "_time")) and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return format_time(value)
        except ValueError:
            return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(show("", item) for item in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def recent_messages(name: str) -> list[MessageLog]:
    return list(MessageLog.objects.filter(agent=name).select_related("user")[:RECENT])


def recent_errors(name: str) -> list[MessageLog]:
    rows = MessageLog.objects.filter(agent=name).exclude(outcome=MessageLog.Outcome.OK)
    return list(rows.select_related("user")[:10])


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read in the console's zone (``PYROS_TIME_ZONE``)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)  # aware in Django's TIME_ZONE (UTC): the wall time is the user's
        return None if parsed is None else parsed.replace(tzinfo=console_zone())

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(console_zone()).replace(tzinfo=None)
        return value


class MessageFilterForm(forms.Form):
    q = forms.CharField(required=False, label="search", help_text="in the message and its params")
    agent = forms.ChoiceField(required=False, label="agent")
    outcome = forms.ChoiceField(required=False, label="outcome", choices=[("", "any"), *MessageLog.Outcome.choices])
    user = forms.CharField(required=False, label="user", max_length=150)
    via = forms.ChoiceField(required=False, label="via", choices=[("", "any"), *MessageLog.Via.choices])
    since = LocalDateTimeField(required=False, label="from")
    until = LocalDateTimeField(required=False, label="to")

    def __init__(self, *args: Any, agents: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "any"), *[(name, name) for name in agents]]
        self.fields["agent"].validators = []
        zone = console_zone().key
        self.fields["since"].label = f"from ({zone})"
        self.fields["until"].label = f"to ({zone})"

    def clean_agent(self) -> str:
        return str(self.cleaned_data.get("agent") or "")


def filter_log(form: MessageFilterForm) -> QuerySet[MessageLog]:
    """The log rows the (valid) form asks for, newest first."""
    rows = MessageLog.objects.select_related("user")
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("agent"):
        rows = rows.filter(agent=data["agent"])
    if data.get("outcome"):
        rows = rows.filter(outcome=data["outcome"])
    if data.get("via"):
        rows = rows.filter(via=data["via"])
    if data.get("user"):
        rows = rows.filter(user__username=data["user"])
    if data.get("since"):
        rows = rows.filter(sent_at__gte=data["since"])
    if data.get("until"):
        rows = rows.filter(sent_at__lte=data["until"])
    if data.get("q"):
        rows = rows.filter(Q(message__icontains=data["q"]) | Q(params__icontains=data["q"]))
    return rows


def simulator_runs() -> list[dict[str, Any]]:
    """What ``runsimulators --status`` knows: one dict per live run, each simulator with its servers."""
    from simulators.state import running_states

    runs = []
    for state in running_states(Path(settings.PYROS_RUN_DIR)):
        simulators = []
        for name, records in state.simulators.items():
            servers = [
                {
                    "name": r.name,
                    "protocol": r.protocol,
                    "listening": f"{r.l_address[0]}:{r.l_address[1]}" if r.l_address else "",
                    "sending": f"{r.s_address[0]}:{r.s_address[1]}" if r.s_address else "",
                }
                for r in records
            ]
            simulators.append({"name": name, "servers": servers, "ports": _port_summary(records)})
        runs.append(
            {
                "pid": state.pid,
                "host": state.host,
                "started": state.started,
                "processes": state.processes,
                "port_offset": state.port_offset,
                "state": "running",
                "simulators": simulators,
            }
        )
    return runs


def _port_summary(records: list[Any]) -> str:
    ports = sorted({a[1] for r in records for a in (r.l_address, r.s_address) if a})
    if not ports:
        return ""
    if len(ports) > 3 and ports == list(range(ports[0], ports[0] + len(ports))):
        return f"{ports[0]}-{ports[-1]}"
    return ", ".join(map(str, ports))
