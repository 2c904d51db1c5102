"""``manage.py runsimulators``: start DISCOS-compatible hardware simulators, list them, stop them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulators.catalog import describe, select
from simulators.exceptions import SimulatorError

HELP = """Start hardware simulators (DISCOS compatible) and serve them until SIGINT or SIGTERM.

With no NAME every simulator starts. One line "ready NAME PROTOCOL ROLE HOST:PORT" is printed per
server when it accepts. Examples:
  manage.py runsimulators --list
  manage.py runsimulators active_surface           # 96 TCP lines, ports 11000-11095
  manage.py runsimulators weather_station          # UDP 12600
  manage.py runsimulators lo --type w_LO           # every server of a multi-type simulator as one type
  manage.py runsimulators --type IFD               # the simulators that have that system type
  manage.py runsimulators --port-offset 20000      # every port + 20000 (tests, parallel users)
  manage.py runsimulators --status
  manage.py runsimulators --stop active_surface    # or --stop all
"""


def _port_offset(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not -65535 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is out of range (-65535..65535)")
    return value


def _processes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


class Command(BaseCommand):
    help = HELP
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME", help="simulators to start (default: all of them)")
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument("--list", action="store_true", help="list the simulators and their servers, then exit")
        actions.add_argument("--status", action="store_true", help="show the simulators running on this machine")
        actions.add_argument("--stop", metavar="NAME", help="stop a running simulator (NAME, or 'all')")
        parser.add_argument(
            "--type",
            dest="system_type",
            metavar="T",
            help="system type of a multi-type simulator (see --list); without NAME, every simulator that has it",
        )
        parser.add_argument("--host", default="127.0.0.1", help="address every server binds (default: 127.0.0.1)")
        parser.add_argument(
            "--port-offset", type=_port_offset, default=0, metavar="N", help="add N to every port (default: 0)"
        )
        parser.add_argument(
            "--processes",
            type=_processes,
            default=1,
            metavar="N",
            help="spread the servers over N worker processes (default: 1, all in this process)",
        )
        parser.add_argument(
            "--run-dir",
            type=Path,
            default=None,
            help="folder of the pid/state files (default: settings.PYROS_RUN_DIR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from simulators import runner, status

        run_dir = options["run_dir"] or Path(settings.PYROS_RUN_DIR)
        try:
            if options["status"]:
                self._write_lines(status.status_lines(run_dir))
            elif options["stop"]:
                self._write_lines(status.stop_running(options["stop"], run_dir))
            else:
                selections = select(options["names"], options["host"], options["port_offset"], options["system_type"])
                if options["list"]:
                    self._write_lines([line for s in selections for line in describe(s)])
                    return
                runner.run(
                    selections,
                    run_dir=run_dir,
                    out=self._write_line,
                    host=options["host"],
                    port_offset=options["port_offset"],
                    processes=options["processes"],
                )
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc

    def _write_line(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _write_lines(self, lines: list[str]) -> None:
        for line in lines:
            self._write_line(line)
