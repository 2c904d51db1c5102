from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.checks import config_errors
from common.config import load_config
from common.exceptions import ConfigError
from common.runner import run_agents
from common.runtime import runtime


class Command(BaseCommand):
    help = (
        "Run the pyros agents headless (no web server) until SIGINT or SIGTERM, then stop them cleanly "
        "and exit 0. Each agent listens on the host/port of its section in the agent config "
        "(setting/env PYROS_AGENT_CONFIG). Prints one line per agent when it is listening."
    )

    # Checked here instead, so that a configuration error is one line (CommandError), not a report.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "agents", nargs="*", metavar="AGENT", help="Agents to run (default: every installed agent)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] = options["agents"]
        try:
            config = load_config()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        installed = runtime.names()
        for name in names:
            if name not in installed:
                raise CommandError(f"unknown agent {name!r}: installed agents are {', '.join(installed) or 'none'}")
        for name in names or installed:
            if name not in config:
                raise CommandError(f"agent {name!r} has no section in {config.source}")
        errors = config_errors(names or installed)
        if errors:
            raise CommandError(errors[0])

        def out(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        def err(line: str) -> None:
            self.stderr.write(line)
            self.stderr.flush()

        failed = run_agents(runtime, names, out, err)
        if failed and failed == len(names or installed):
            raise CommandError("no agent could start (see above)")
