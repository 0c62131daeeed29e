"""Home: a greeting and the kiosk's few big choices."""

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HomeScreen(Screen):
    services = ObjectProperty(None)
