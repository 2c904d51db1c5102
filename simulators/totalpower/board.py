"""One total power board: input source, attenuation (0..15) and filter (1..4, giving the bandwidth)."""

from __future__ import annotations

from typing import ClassVar


class Board:
    """Invalid settings are ignored; ``I = None`` leaves 50 ohm for the previous input."""

    sources: ClassVar[dict[str, str]] = {"P": "PRIM", "B": "BWG", "G": "GREG", "Z": "50_OHM"}
    bandwidths: ClassVar[dict[int, int]] = {1: 2000, 2: 1250, 3: 730, 4: 300}

    def __init__(self) -> None:
        self._input = self._previous_input = "PRIM"
        self._attenuation = 7
        self._filter = 1

    @property
    def I(self) -> str:  # noqa: E743 (DISCOS's names)
        return self._input

    @I.setter
    def I(self, source: str | None) -> None:  # noqa: E743
        name = self.sources.get(source, source) if source else None
        if name in self.sources.values():
            self._previous_input, self._input = self._input, name  # type: ignore[assignment]
        elif name is None and self._input == "50_OHM":
            self._input = self._previous_input

    @property
    def A(self) -> int:
        return self._attenuation

    @A.setter
    def A(self, attenuation: int) -> None:
        if attenuation in range(16):
            self._attenuation = attenuation

    @property
    def F(self) -> int:
        return self._filter

    @F.setter
    def F(self, value: int) -> None:
        if value in range(1, 5):
            self._filter = value

    @property
    def B(self) -> int:
        return self.bandwidths[self._filter]
