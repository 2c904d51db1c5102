"""``pymasep.communication.Frame``: one frame's payload (defined with the codec)."""

from ..protocol.pymasep import Frame

__all__ = ["Frame"]
