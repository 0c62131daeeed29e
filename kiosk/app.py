"""The one place that wires the core (config, outbox, sync) to the Kivy screens.

main.py configures Kivy and calls run(). Worker callbacks arrive on the sync thread and hop to
the UI thread with @mainthread; the UI never touches the network.
"""

from __future__ import annotations

import logging
import sys

from kivy.app import App
from kivy.clock import mainthread
from kivy.core.window import Window
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk import __version__
from kiosk.config import Config
from kiosk.i18n import translate
from kiosk.outbox import OutboxError, StorageNotDurable
from kiosk.services import Services
from kiosk.theme import HIGH_CONTRAST, default_theme
from screens import SCREEN_NAMES, screen_class
from screens.widgets import KioskRoot

log = logging.getLogger(__name__)


class KioskApp(App):
    title = "Borne d'accueil"
    # What the always-visible bars show; KV binds to these.
    online = ObjectProperty(None, allownone=True)   # None until the first contact with the hub
    waiting = NumericProperty(0)
    call_state = StringProperty("")                 # "", queued, sent, acknowledged, resolved, expired, unreachable, failed
    call_agent_name = StringProperty("")
    # The visitor's choices (reset for each visitor). KV: font_size: sp(28) * app.text_scale,
    # color: app.theme.text, text: app.tr("Bonjour !", app.language).
    language = StringProperty("fr")
    text_scale = NumericProperty(1.0)
    high_contrast = ObjectProperty(False)
    theme = ObjectProperty(None)
    landlord_name = StringProperty("")
    agency_name = StringProperty("")
    logo_source = StringProperty("")
    services = ObjectProperty(None)

    def __init__(self, config: Config, windowed: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.windowed = windowed
        self.language = config.kiosk.default_language
        self.theme = default_theme(config.branding.primary_color)
        self.landlord_name = config.branding.name
        self.agency_name = config.kiosk.agency
        self.logo_source = str(config.branding.logo or "")
        self.services = Services(config, on_status=self._on_sync_status,
                                 on_assistance=self._on_assistance,
                                 on_action_result=self._on_action_result)
        self._open_call: str | None = None

    def build(self):
        root = KioskRoot()
        for name in SCREEN_NAMES:
            root.ids.screens.add_widget(screen_class(name)(name=name, services=self.services))
        return root

    @staticmethod
    def tr(text: str, language: str) -> str:
        """The text in the visitor's language; KV passes app.language so that it re-evaluates."""
        return translate(text, language)

    def on_high_contrast(self, _app, on) -> None:
        self.theme = HIGH_CONTRAST if on else default_theme(self.kiosk_config.branding.primary_color)

    def on_start(self):
        Window.bind(on_request_close=self._refuse_close)

    def on_stop(self):
        self.services.stop()

    def open_settings(self, *args):
        return False  # F1 must not open Kivy's settings panel on a tenant's kiosk

    def _refuse_close(self, *args, **kwargs):
        return not self.windowed   # full screen: Alt+F4 and close requests do nothing

    # --- calling an agent -----------------------------------------------------------------------

    def call_agent(self, screen_name: str) -> None:
        payload = {"language": self.kiosk_config.kiosk.default_language, "screen": screen_name}
        try:
            action = self.services.submit("assistance_call", payload)
        except OutboxError:
            log.exception("could not queue an assistance call")
            self.call_state = "failed"
            return
        self._open_call = action.id
        self.call_agent_name = ""
        self.call_state = "unreachable" if self.online is False else "queued"

    # --- news from the sync worker (called on its thread) ----------------------------------------

    @mainthread
    def _on_sync_status(self, status) -> None:
        self.online = status.online
        self.waiting = status.waiting

    @mainthread
    def _on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        for screen in self.root.ids.screens.screens:
            screen.on_action_result(action_id, state, result)

    @mainthread
    def _on_assistance(self, call_id: str, status: str, agent_first_name: str | None) -> None:
        if call_id != self._open_call:
            return
        if status == "queued" and self.online is False:
            status = "unreachable"
        self.call_state = status
        self.call_agent_name = agent_first_name or ""


def run(config: Config, windowed: bool = False) -> int:
    """Start the services, then the window; a storage problem stops with a clear message."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("urllib3").setLevel(logging.WARNING)   # a line per request is noise here
    app = KioskApp(config, windowed=windowed)
    try:
        app.services.start()
    except StorageNotDurable as err:
        print(f"lobby-kiosk: the outbox at {config.outbox_path} cannot be made durable: {err}. "
              "Put data_dir on a local disk that honours fsync (see deploy/README.md).", file=sys.stderr)
        return 3
    except (OSError, OutboxError) as err:
        print(f"lobby-kiosk: cannot open the outbox at {config.outbox_path}: {err}", file=sys.stderr)
        return 3
    log.info("lobby kiosk %s started as %s, hub %s", __version__, config.kiosk.id, config.hub.url)
    try:
        app.run()
    finally:
        app.services.stop()
    return 0
