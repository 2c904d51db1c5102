"""The scheduler's side of the SRT Antenna Control Unit (a radio telescope's mount): a sans-IO codec,
the program-track computation and an agent endpoint.

:class:`CommandEncoder` builds numbered command messages (modes, presets, parameters, program-track
tables); :class:`StatusDecoder` turns the status stream into :class:`AcuStatus` values whose command
blocks tell what became of each command (``codec``, sans-IO). :class:`Tracker` computes the azimuth and
elevation tables of a target (``track``, pure). :class:`AcuEndpoint` (``endpoint``: thread and sockets)
is driven by the executor as the LX200 ``MountEndpoint`` is; the ``acu = HOST:PORT`` config key opens
it (``factory``).
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
from scheduler.acu.endpoint import AcuEndpoint
from scheduler.acu.exceptions import AcuCallerError, AcuError, AcuPeerError
from scheduler.acu.factory import acu_endpoint
from scheduler.acu.track import Tracker

__all__ = [
    "AZIMUTH",
    "ELEVATION",
    "MODE",
    "POINTING",
    "AcuCallerError",
    "AcuEndpoint",
    "AcuError",
    "AcuPeerError",
    "AcuStatus",
    "AxisStatus",
    "CommandEncoder",
    "Message",
    "StatusDecoder",
    "Tracker",
    "acu_endpoint",
    "decode_status",
]
