from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.conf import setting
from common.retention import prune_message_log


class Command(BaseCommand):
    help = (
        "Delete message log rows older than --max-age-days and all but the newest --max-rows "
        "(defaults: PYROS_MESSAGE_LOG_MAX_AGE_DAYS, PYROS_MESSAGE_LOG_MAX_ROWS; 0 keeps any)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-age-days", type=float, default=None, help="Keep rows younger than this.")
        parser.add_argument("--max-rows", type=int, default=None, help="Keep at most this many of the newest rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["max_age_days"]
        rows = options["max_rows"]
        try:
            pruned = prune_message_log(days, rows)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        days = setting("PYROS_MESSAGE_LOG_MAX_AGE_DAYS") if days is None else days
        rows = setting("PYROS_MESSAGE_LOG_MAX_ROWS") if rows is None else rows
        self.stdout.write(
            f"deleted {pruned.total} message log rows ({pruned.by_age} older than {days:g} days, "
            f"{pruned.by_count} over the newest {rows})"
        )
