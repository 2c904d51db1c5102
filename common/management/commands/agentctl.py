"""``manage.py agentctl start|stop|restart NAME``: drive an agent, whichever process runs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.control import ACTIONS, control
from common.exceptions import PyrosError


class Command(BaseCommand):
    help = (
        "Start, stop or restart an agent. An agent of a `runagents` or web process is reached through the "
        "channel layer, so every process needs the same REDIS_URL; prints the agent's state afterwards."
    )

    requires_system_checks: list[str] = []  # a client: the configuration of the agents' hosts may differ

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS, help="What to do.")
        parser.add_argument("agent", metavar="NAME", help="The agent (a section of pyros_agent_config.ini).")
        parser.add_argument(
            "--timeout", type=float, default=None, help="Seconds to wait for the agent's process (default 10)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = control(options["agent"], options["action"], options["timeout"])
        except PyrosError as exc:
            raise CommandError(str(exc)) from None
        status = result.status
        detail = f" ({status['detail']})" if status.get("detail") else ""
        error = f"; last error: {status['last_error']}" if status.get("last_error") else ""
        self.stdout.write(f"{result.agent}: {status['state']}{detail} [{result.where}]{error}")
