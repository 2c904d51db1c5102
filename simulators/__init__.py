"""DISCOS-compatible hardware simulators (a Django app): the framework and one package per simulator.

Framework modules keep the DISCOS names (``simulators.server``, ``simulators.common``,
``simulators.utils``) so that DISCOS simulators port unchanged; ``manage.py runsimulators`` runs them.
"""

from simulators.common import BaseSystem, ListeningSystem, MultiTypeSystem, SendingSystem
from simulators.server import ListenHandler, SendHandler, Server, Simulator

__all__ = [
    "BaseSystem",
    "ListenHandler",
    "ListeningSystem",
    "MultiTypeSystem",
    "SendHandler",
    "SendingSystem",
    "Server",
    "Simulator",
]
