"""Home: a greeting and the kiosk's few big choices, each a picture and a few words."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.factory import Factory
from kivy.lang import Builder

import screens.forms  # noqa: F401 - PictureButton for the KV
import screens.widgets  # noqa: F401 - KioskLabel for the KV
from kiosk.i18n import N_
from screens import SCREEN_NAMES
from screens.base import KioskScreen
from screens.forms import PICTURES_DIR

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# id, text (a msgid), picture, the screen it opens, the step there. A choice whose screen is
# not built (SCREEN_NAMES) is not shown.
CHOICES = (
    ("account_new_button", N_("Créer mon compte sur l'espace locataire"), "account-new",
     "account", "new_account"),
    ("account_existing_button", N_("J'ai déjà un compte"), "account-existing",
     "account", "existing_account"),
    ("booking_button", N_("M'inscrire à un atelier"), "workshop", "booking", None),
    ("cancel_button", N_("Annuler une inscription"), "cancel", "cancel", None),
)


class HomeScreen(KioskScreen):
    def on_kv_post(self, base_widget):
        super().on_kv_post(base_widget)
        for choice_id, text, picture, screen, step in CHOICES:
            if screen not in SCREEN_NAMES:
                continue
            source = PICTURES_DIR / f"{picture}.png"
            button = Factory.HomeChoice()    # msgid is declared in KV: set after creation
            button.msgid = text
            button.source = str(source) if source.exists() else ""
            button.bind(on_release=lambda _button, screen=screen, step=step: self.choose(screen, step))
            self.ids.choices.add_widget(button)
            self.ids[choice_id] = button

    def choose(self, screen: str, step: str | None) -> None:
        App.get_running_app().show(screen, step=step)

    def on_pre_enter(self, *args):
        self.ids.home_scroll.scroll_y = 1   # the greeting first, for every visitor
