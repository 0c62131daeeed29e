"""Widgets shared by every screen: the top bar, the call-an-agent bar, big buttons and labels."""

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class KioskRoot(BoxLayout):
    """Top bar, the screens, and the call bar: the bars are on every screen by construction."""
