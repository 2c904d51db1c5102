"""The LX200 command set of the simulated mount: command text in, reply text out (no I/O).

Covers what INDI's "Standard LX200" driver (``indi_lx200generic``) sends, with the Meade reply formats:
getters (``:GR#`` ``HH:MM:SS#``, ``:GD#`` ``sDD*MM'SS#``, target, alt/az, sidereal and local time, date,
site, tracking rate), target setters (``:Sr``/``:Sd``: ``1`` valid, ``0`` invalid), ``:MS#`` (``0``
slewing; ``1`` + message below the horizon; ``2`` + message busy), ``:D#`` (a bar while slewing,
bare ``#`` when done), ``:Q#`` abort, ``:hP#`` park, ``:CM#``/``:CS#`` sync, ``:U#`` precision toggle,
and the slew-rate/tracking selectors (accepted, no effect). Time and date are UTC (offset ``+00``).
An unknown command raises :class:`LX200SyntaxError` (logged by the server, no reply), as a real
controller ignores it.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from datetime import UTC, datetime

import simulators.mount.sexagesimal as sexa
from simulators.mount.exceptions import LX200SyntaxError
from simulators.mount.model import GotoResult, Mount, Site

ALIGNMENT = "P"
"""Reply to the ACK byte: polar (equatorial) alignment."""
SLEWING_BAR = "\x7f"
"""What ``:D#`` returns before ``#`` while the mount slews (Autostar's distance bar)."""
GOTO_MESSAGES = {GotoResult.BELOW_HORIZON: "Object Below Horizon", GotoResult.BUSY: "Mount Busy Parking"}
SYNC_REPLY = " Coordinates     matched.        #"
DATE_REPLY = "1Updating Planetary Data#" + " " * 30 + "#"
NO_EFFECT = ("RS", "RM", "RC", "RG", "TQ", "TS", "TL", "TM", "T+", "T-", "Qn", "Qs", "Qe", "Qw")
"""Commands accepted without reply or effect (rates of manual motion, tracking modes, halts of manual moves)."""

Handler = Callable[[str, float], str | None]


class LX200:
    """Executes LX200 commands on a :class:`Mount`; one instance per mount, shared by its clients."""

    def __init__(self, mount: Mount, clock: Callable[[], float] = time.time, site_name: str = "pyros") -> None:
        self.mount = mount
        self.clock = clock
        self.site_name = site_name
        self.high_precision = True
        self.history: collections.deque[tuple[float, str]] = collections.deque(maxlen=100)
        """The last commands received: (POSIX time, ``:text#``), newest last."""
        self.last_goto_at: float | None = None
        """When the last ``:MS#`` arrived (POSIX time), accepted or not."""
        self.listeners: list[Callable[[float, str], None]] = []
        """Called with (arrival time, ``:text#``) after each command took effect, in the connection's thread."""
        self._handlers: list[tuple[str, Handler]] = sorted(
            self._table().items(), key=lambda item: len(item[0]), reverse=True
        )

    def ack(self) -> str:
        return ALIGNMENT

    def execute(self, text: str) -> str | None:
        """A command's text (between ``:`` and ``#``) -> its reply, or None when it has none."""
        now = self.clock()
        try:
            for name, handler in self._handlers:
                if text.startswith(name):
                    return handler(text[len(name) :], now)
            raise LX200SyntaxError(f"unknown LX200 command :{text}#")
        finally:  # after the command took effect, stamped with the time it arrived
            self.history.append((now, f":{text}#"))
            for listener in list(self.listeners):
                listener(now, f":{text}#")

    def _table(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {
            "GR": self._get_ra,
            "GD": self._get_dec,
            "Gr": self._get_target_ra,
            "Gd": self._get_target_dec,
            "GA": self._get_altitude,
            "GZ": self._get_azimuth,
            "GS": self._get_sidereal_time,
            "GL": self._get_local_time,
            "Ga": self._get_local_time_12,
            "GC": self._get_date,
            "GG": lambda arg, now: "+00#",
            "Gc": lambda arg, now: "24#",
            "GT": lambda arg, now: "60.1#",
            "Gt": self._get_latitude,
            "Gg": self._get_longitude,
            "GVP": lambda arg, now: "pyros LX200 simulator#",
            "GVN": lambda arg, now: "1.0#",
            "Sr": self._set_target_ra,
            "Sd": self._set_target_dec,
            "St": self._set_latitude,
            "Sg": self._set_longitude,
            "SG": lambda arg, now: "1",
            "SL": lambda arg, now: "1",
            "SC": lambda arg, now: DATE_REPLY,
            "MS": self._goto,
            "D": self._distance_bars,
            "Q": self._abort,
            "hP": self._park,
            "CM": self._sync_with_reply,
            "CS": self._sync,
            "U": self._toggle_precision,
        }
        for name in ("GM", "GN", "GO", "GP"):
            table[name] = lambda arg, now: f"{self.site_name}#"
        for name in NO_EFFECT:
            table[name] = lambda arg, now: None
        return table

    # --- getters ----------------------------------------------------------------------------------
    def _get_ra(self, arg: str, now: float) -> str:
        return sexa.format_ra(self.mount.pointing(now).ra_deg, self.high_precision) + "#"

    def _get_dec(self, arg: str, now: float) -> str:
        return sexa.format_dec(self.mount.pointing(now).dec_deg, self.high_precision) + "#"

    def _get_target_ra(self, arg: str, now: float) -> str:
        return sexa.format_ra(self.mount.target_ra_deg, self.high_precision) + "#"

    def _get_target_dec(self, arg: str, now: float) -> str:
        return sexa.format_dec(self.mount.target_dec_deg, self.high_precision) + "#"

    def _get_altitude(self, arg: str, now: float) -> str:
        return sexa.format_degrees(self.mount.pointing(now).alt_deg, self.high_precision) + "#"

    def _get_azimuth(self, arg: str, now: float) -> str:
        azimuth = self.mount.pointing(now).az_deg
        return sexa.format_degrees(azimuth, self.high_precision, signed=False, width=3) + "#"

    def _get_sidereal_time(self, arg: str, now: float) -> str:
        return sexa.format_ra(self.mount.lst(now)) + "#"

    def _get_local_time(self, arg: str, now: float) -> str:
        return datetime.fromtimestamp(now, UTC).strftime("%H:%M:%S#")

    def _get_local_time_12(self, arg: str, now: float) -> str:
        return datetime.fromtimestamp(now, UTC).strftime("%I:%M:%S#")

    def _get_date(self, arg: str, now: float) -> str:
        return datetime.fromtimestamp(now, UTC).strftime("%m/%d/%y#")

    def _get_latitude(self, arg: str, now: float) -> str:
        return sexa.format_dec(self.mount.site.latitude_deg, high_precision=False) + "#"

    def _get_longitude(self, arg: str, now: float) -> str:
        west = (-self.mount.site.longitude_deg) % 360.0  # Meade counts longitude westwards, 0..360
        return sexa.format_degrees(west, high_precision=False, signed=False, width=3) + "#"

    # --- setters ----------------------------------------------------------------------------------
    def _set_target_ra(self, arg: str, now: float) -> str:
        try:
            self.mount.set_target(ra_deg=sexa.parse_ra(arg))
        except LX200SyntaxError:
            return "0"
        return "1"

    def _set_target_dec(self, arg: str, now: float) -> str:
        try:
            self.mount.set_target(dec_deg=sexa.parse_dec(arg))
        except LX200SyntaxError:
            return "0"
        return "1"

    def _set_latitude(self, arg: str, now: float) -> str:
        try:
            latitude = sexa.parse_dec(arg)
        except LX200SyntaxError:
            return "0"
        self.mount.set_site(Site(latitude, self.mount.site.longitude_deg))
        return "1"

    def _set_longitude(self, arg: str, now: float) -> str:
        try:
            west = sexa.parse_sexagesimal(arg)
        except LX200SyntaxError:
            return "0"
        if not 0 <= west <= 360:
            return "0"
        self.mount.set_site(Site(self.mount.site.latitude_deg, (180.0 - west) % 360.0 - 180.0))
        return "1"

    # --- motion -----------------------------------------------------------------------------------
    def _goto(self, arg: str, now: float) -> str:
        self.last_goto_at = now
        result = self.mount.goto(now)
        if result is GotoResult.SLEWING:
            return "0"
        return f"{result.value}{GOTO_MESSAGES[result]}#"

    def _distance_bars(self, arg: str, now: float) -> str:
        return (SLEWING_BAR if self.mount.pointing(now).moving else "") + "#"

    def _abort(self, arg: str, now: float) -> None:
        self.mount.abort(now)

    def _park(self, arg: str, now: float) -> None:
        self.mount.park(now)

    def _sync(self, arg: str, now: float) -> None:
        self.mount.sync(now)

    def _sync_with_reply(self, arg: str, now: float) -> str:
        self.mount.sync(now)
        return SYNC_REPLY

    def _toggle_precision(self, arg: str, now: float) -> None:
        self.high_precision = not self.high_precision
