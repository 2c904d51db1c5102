"""``manage.py ivyprobe --bus 127.255.255.255:2010``: watch an Ivy bus, list its peers, send on it."""

from __future__ import annotations

import argparse
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.ivy.codec import DEFAULT_BUS, check_text, parse_bus
from common.ivy.exceptions import IvyError
from common.ivy.probe import HELP, ProbeOptions, run_probe

EXAMPLES = """examples:
  manage.py ivyprobe --bus 127.255.255.255:2010 --bind '^(.*)'      watch everything, type to send
  manage.py ivyprobe --bus 127:2010 --list                           who is on the bus
  manage.py ivyprobe --bus 127:2010 --wait-for Scheduler --send 'hello world'"""


class Command(BaseCommand):
    help = (
        "An Ivy bus probe (like ivy-c's ivyprobe): prints the peers connecting and leaving,\n"
        "their subscriptions and the messages matching --bind. --list and --send are one-shot;\n"
        "otherwise it reads commands from stdin. SIGINT/SIGTERM: leave the bus, exit 0.\n\n" + HELP
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EXAMPLES)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bus",
            default=os.environ.get("IVYBUS") or DEFAULT_BUS,
            help=f"the bus, ADDR[,ADDR...]:PORT (default: $IVYBUS or {DEFAULT_BUS})",
        )
        parser.add_argument("--name", default="IVYPROBE", help="our agent name on the bus (default IVYPROBE)")
        parser.add_argument(
            "--bind", action="append", default=[], metavar="REGEX", help="subscribe to REGEX (repeatable)"
        )
        parser.add_argument("--send", action="append", default=[], metavar="TEXT", help="send TEXT, then exit")
        parser.add_argument("--list", action="store_true", help="list the peers and their subscriptions, then exit")
        parser.add_argument(
            "--wait",
            type=float,
            default=0.5,
            metavar="SECONDS",
            help="one-shot modes: how long the peers have to connect (default 0.5), or --wait-for's limit",
        )
        parser.add_argument("--wait-for", metavar="PEER", help="one-shot modes: wait until PEER is connected")
        parser.add_argument("--ready", metavar="TEXT", help="our ready message")
        parser.add_argument("--no-stdin", action="store_true", help="watch only: do not read commands from stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            parse_bus(options["bus"])
            for text in [options["name"], *options["send"], *options["bind"], options["ready"] or ""]:
                check_text(text)
        except IvyError as exc:
            raise CommandError(str(exc)) from None
        if options["wait"] < 0:
            raise CommandError("--wait must be >= 0")
        probe = ProbeOptions(
            bus=options["bus"],
            name=options["name"],
            binds=options["bind"],
            send=options["send"],
            list_peers=options["list"],
            wait=options["wait"],
            wait_for=options["wait_for"],
            ready=options["ready"],
            interactive=not options["no_stdin"],
        )
        try:
            code = run_probe(probe, self.stdout)
        except (OSError, IvyError) as exc:
            raise CommandError(f"ivyprobe: {exc}") from None
        if code:
            raise CommandError("ivyprobe: the peer named by --wait-for did not show up")
