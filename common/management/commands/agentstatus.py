from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.config import load_config
from common.exceptions import ConfigError, PyrosError
from common.sender import Sender


class Command(BaseCommand):
    help = "Ask every agent of the config (or the named ones) for its STATUS and print one line each (or JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agents", nargs="*", metavar="AGENT", help="Agents to ask (default: all in the config).")
        parser.add_argument("--json", action="store_true", help="Print the full status as JSON.")
        parser.add_argument("--timeout", type=float, default=2.0, help="Seconds to wait for each agent (default 2).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = load_config()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        names = options["agents"] or list(config)
        results: dict[str, Any] = {}
        try:
            for name in names:
                try:
                    results[name] = Sender.send_to(name, "STATUS", timeout=options["timeout"], sender="agentstatus")
                except PyrosError as exc:
                    results[name] = {"name": name, "state": "unreachable", "error": str(exc)}
        finally:
            Sender.close_all()
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
            return
        for name, st in results.items():
            if "error" in st:
                self.stdout.write(f"{name:16} {st['state']:12} {st['error']}")
            else:
                self.stdout.write(
                    f"{name:16} {st['state']:12} {st['host']}:{st['port']}  handled={st['messages_handled']} "
                    f"errors={st['errors']} last={st['last_message']!r}"
                )
