"""What every kiosk screen has: the services, a wipe, news of the actions it queued, and where
the visitor is in its journey (for the agent they call)."""

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    services = ObjectProperty(None)

    def clear(self) -> None:
        """Forget everything this visitor typed or chose here (home button, idle timeout)."""

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        """The hub's answer to a queued action, while the visitor may still be here."""

    def help_step(self) -> str | None:
        """The visitor's step in this screen's journey, sent with a call for an agent (the
        step's name only, never what was typed). Default: `self.journey.current`, if any."""
        try:
            step = getattr(getattr(self, "journey", None), "current", None)
        except Exception:  # noqa: BLE001 - a call for help must go even if this fails
            return None
        return step if isinstance(step, str) and step else None
