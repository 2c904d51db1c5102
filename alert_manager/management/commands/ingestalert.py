from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alert_manager.handover import process
from common.sender import Sender


class Command(BaseCommand):
    help = (
        "Ingest VOEvent files as if they came from a broker, one line per file: accepted, test, update of N, "
        "duplicate, retraction, or rejected with the reason. Accepted alerts that pass the filters are sent to "
        "the scheduler (unless --no-send). Exits 1 if any file was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="VOEvent XML files.")
        parser.add_argument("--no-send", action="store_true", help="Store only; do not send NEW_ALERT.")

    def handle(self, *args: Any, **options: Any) -> None:
        rejected = 0
        try:
            for name in options["files"]:
                line = self.ingest_one(Path(name), send=not options["no_send"])
                rejected += line.startswith("rejected")
                self.stdout.write(f"{name}: {line}")
        finally:
            Sender.close_all()
        if rejected:
            raise CommandError(f"{rejected} of {len(options['files'])} file(s) rejected")

    def ingest_one(self, path: Path, *, send: bool) -> str:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return f"rejected: cannot read the file: {exc.strerror or exc}"
        return process(data, source=f"file:{path.name}", send=send).line()
