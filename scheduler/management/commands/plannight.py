from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduler import nightplan, store
from scheduler.planner import PlannerError, coming_night, night_of, plan

EPILOG = """\
Negative numbers must be attached with '=' (else they read as options):
  manage.py plannight --site=-29.26,-70.73,2400 --twilight=-18 --requests=night.json --json

FILE is a JSON list of objects with the fields name, ra, dec (ICRS, deg), duration (s), priority
(1 = most important), min_altitude (deg) and optionally earliest, latest (ISO 8601 UTC),
max_airmass, min_moon_separation (deg). With --requests nothing is written to the database; without
it, the pending and scheduled requests of the database are planned and the plan is saved as a new
version of the night's schedule."""


class Command(BaseCommand):
    help = "Plan one night at the site: the night that begins on the evening of DATE (local date at the site)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = EPILOG
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="Local date of the evening (default: coming night).")
        parser.add_argument("--requests", metavar="FILE.json", help="Plan these requests instead of the database's.")
        parser.add_argument("--site", metavar="LAT,LON,ELEV", help="Site (deg, deg east, m); default PYROS_SITE.")
        parser.add_argument("--twilight", metavar="DEG", help="Sun altitude limit (deg); default PYROS_TWILIGHT.")
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON (site, night, slots).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site = nightplan.parse_site(options["site"], "custom") if options["site"] else store.site()
            config = store.config(_twilight(options["twilight"]))
            now = datetime.now(UTC)
            if options["date"]:
                day = nightplan.parse_date(options["date"])
                bounds = night_of(site, day, config.twilight)
            else:
                day, bounds = coming_night(site, now, config.twilight)
            requests = nightplan.load_requests(options["requests"]) if options["requests"] else store.waiting_requests()
            result = plan(requests, site, config, night=bounds) if bounds else plan(requests, site, config, day=day)
        except (nightplan.InputError, PlannerError) as exc:
            raise CommandError(str(exc)) from None
        if not options["requests"]:
            store.save_plan(result, day, reason="manage.py plannight")
        self.stdout.write(nightplan.as_json(result) if options["json"] else nightplan.as_table(result, day))


def _twilight(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise nightplan.InputError(f"--twilight: expected degrees (e.g. --twilight=-18), got {text!r}") from None
