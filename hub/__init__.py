"""The agency hub: the reference back end the lobby kiosks talk to (API v1, see hub/README.md)."""

__version__ = "0.1.0"
