"""The lobby kiosk's core: config, outbox, sync, journeys. Plain Python; never opens a window."""

__version__ = "0.1.0"
