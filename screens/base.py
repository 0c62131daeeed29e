"""What every kiosk screen has: the services, a wipe, and news of the actions it queued."""

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    services = ObjectProperty(None)

    def clear(self) -> None:
        """Forget everything this visitor typed or chose here (home button, idle timeout)."""

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        """The hub's answer to a queued action, while the visitor may still be here."""
