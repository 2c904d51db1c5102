"""``pymasep.communication.Frame``: one frame's payload (defined with the codec)."""

from .codec import Frame

__all__ = ["Frame"]
