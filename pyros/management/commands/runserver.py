"""``runserver`` as daphne's, ending its start-up with one pyros line (URL, agents, first-user hint)."""

from __future__ import annotations

from typing import Any

from daphne.management.commands.runserver import Command as DaphneRunserver
from daphne.server import Server

from common.announce import startup_line


class Command(DaphneRunserver):
    def inner_run(self, *args: Any, **options: Any) -> None:
        command = self

        class AnnouncingServer(Server):  # type: ignore[misc]
            def run(self) -> None:
                host = f"[{command.addr}]" if command._raw_ipv6 else command.addr
                command.stdout.write(startup_line(f"{command.protocol}://{host}:{command.port}/"))
                super().run()

        self.server_cls = AnnouncingServer
        super().inner_run(*args, **options)
