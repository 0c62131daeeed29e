"""The kiosk's screens. A screen's name is its module's name and its KV file's name:
"booking" lives in screens/booking.py + booking.kv as BookingScreen."""

import importlib

# Every screen the app builds, in this order; "home" first (the screen shown at start).
SCREEN_NAMES = ("home", "account", "booking", "cancel", "agent")


def screen_class(name: str):
    module = importlib.import_module(f"screens.{name}")
    return getattr(module, "".join(part.title() for part in name.split("_")) + "Screen")
