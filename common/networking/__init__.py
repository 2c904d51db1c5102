"""autopilot-compatible networking (``autopilot.networking``): Net_Node, Station and Message.

    from common.networking import Net_Node, Station

    station = Station(id="T", listen_port=0)   # 0: any free port, then station.listen_port
    station.start()
    node = Net_Node("pilot", upstream="T", port=station.listen_port, listens={"HELLO": print})
    node.send("other", "HELLO", {"x": 1}, repeat=True)
    node.release(); station.release()

The wire format is ``common.protocol.netnode``; sockets and threads live in
``common.transport.zmq_node`` / ``zmq_station``; ``endpoint`` attaches a Net_Node to a pyros agent.
"""

from .codec import CONFIRM, MINPRINT, NOLOG, NOREPEAT, STREAM, NetMessage
from .exceptions import OutboxFullError
from .node import Net_Node
from .station import Station
from .stream import StreamQueue
from .support import NodeStats

Message = NetMessage

__all__ = [
    "CONFIRM",
    "MINPRINT",
    "NOLOG",
    "NOREPEAT",
    "STREAM",
    "Message",
    "NetMessage",
    "Net_Node",
    "NodeStats",
    "OutboxFullError",
    "Station",
    "StreamQueue",
]
