"""``manage.py agentstatus [NAME...]``: STATUS of the agents, one line each or JSON; exit 1 when one
of them is unknown or unreachable (for scripts and monitoring)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.config import load_config
from common.exceptions import ConfigError, PyrosError
from common.sender import Sender
from common.status import iso

TIMES = ("started_at", "last_message_at")


class Command(BaseCommand):
    help = (
        "Ask every agent of the config (or the named ones) for its STATUS and print one line each (or JSON). "
        "Exits 1 when an agent asked about is unknown or unreachable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agents", nargs="*", metavar="AGENT", help="Agents to ask (default: all in the config).")
        parser.add_argument("--json", action="store_true", help="Print the full status as JSON (ISO 8601 times).")
        parser.add_argument("--timeout", type=float, default=2.0, help="Seconds to wait for each agent (default 2).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = load_config()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        unknown = [name for name in options["agents"] if name not in config]
        if unknown:
            raise CommandError(f"unknown agent(s) {', '.join(unknown)} in {config.source} (known: {', '.join(config)})")
        names = options["agents"] or list(config)
        results = self.ask(names, options["timeout"])
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
        else:
            for name, status in results.items():
                self.stdout.write(_line(name, status))
        failed = [name for name, status in results.items() if "error" in status]
        if failed:
            raise CommandError(f"unreachable: {', '.join(failed)}", returncode=1)

    @staticmethod
    def ask(names: list[str], timeout: float) -> dict[str, Any]:
        results: dict[str, Any] = {}
        try:
            for name in names:
                try:
                    status = Sender.send_to(name, "STATUS", timeout=timeout, sender="agentstatus")
                    results[name] = {**status, **{key: iso(status.get(key)) for key in TIMES}}
                except PyrosError as exc:
                    results[name] = {"name": name, "state": "unreachable", "error": str(exc)}
        finally:
            Sender.close_all()
        return results


def _line(name: str, status: dict[str, Any]) -> str:
    if "error" in status:
        return f"{name:16} {status['state']:12} {status['error']}"
    return (
        f"{name:16} {status['state']:12} {status['host']}:{status['port']}  handled={status['messages_handled']} "
        f"errors={status['errors']} last={status['last_message']!r} at {status['last_message_at'] or '-'}"
    )
