from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.exceptions import PyrosError
from common.sender import Sender


class Command(BaseCommand):
    help = (
        "Send a message to a running agent and print its reply, e.g. "
        'manage.py sendmessage scheduler "Observation finished" --params \'{"id": 3}\'. '
        "Exits 1 with a clear message when the agent is unknown, unreachable, too slow or answers with an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agent", help="Agent name (a section of the agent config).")
        parser.add_argument("message", help='Message name, e.g. "Observation finished", STATUS, PING.')
        parser.add_argument("--params", default="{}", help="Parameters as a JSON object (default: {}).")
        parser.add_argument("--timeout", type=float, default=None, help="Seconds to wait for the reply (default 5).")
        parser.add_argument("--notify", action="store_true", help="Send without waiting for a reply.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            params = json.loads(options["params"])
        except ValueError as exc:
            raise CommandError(f"--params is not valid JSON: {exc}") from None
        if not isinstance(params, dict):
            raise CommandError(f"--params must be a JSON object, got {type(params).__name__}")
        timeout = options["timeout"]
        if timeout is not None and timeout <= 0:
            raise CommandError("--timeout must be positive")
        try:
            if options["notify"]:
                Sender.notify(options["agent"], options["message"], params, sender="sendmessage")
                return
            reply = Sender.send_to(options["agent"], options["message"], params, timeout, sender="sendmessage")
        except PyrosError as exc:
            raise CommandError(str(exc)) from None
        finally:
            Sender.close_all()
        self.stdout.write(reply if isinstance(reply, str) else json.dumps(reply, indent=2, ensure_ascii=False))
