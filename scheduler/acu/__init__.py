"""The scheduler's side of the SRT Antenna Control Unit (a radio telescope's mount): a sans-IO codec.

:class:`CommandEncoder` builds numbered command messages (modes, presets, parameters, program-track
tables); :class:`StatusDecoder` turns the status stream into :class:`AcuStatus` values whose command
blocks tell what became of each command. The transport (an agent endpoint) is the executor's to add.
"""

from scheduler.acu.codec import (
    AZIMUTH,
    ELEVATION,
    MODE,
    POINTING,
    AcuStatus,
    AxisStatus,
    CommandEncoder,
    Message,
    StatusDecoder,
    decode_status,
)
from scheduler.acu.exceptions import AcuCallerError, AcuError, AcuPeerError

__all__ = [
    "AZIMUTH",
    "ELEVATION",
    "MODE",
    "POINTING",
    "AcuCallerError",
    "AcuError",
    "AcuPeerError",
    "AcuStatus",
    "AxisStatus",
    "CommandEncoder",
    "Message",
    "StatusDecoder",
    "decode_status",
]
