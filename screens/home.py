"""Home: a greeting and the kiosk's few big choices."""

from pathlib import Path

from kivy.lang import Builder

from screens.base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HomeScreen(KioskScreen):
    pass
