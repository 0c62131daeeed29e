"""Agent mode: the unlock form, then the agent's panel (French only: staff read it).

Opened by holding the landlord's logo or name for 3 seconds (KioskApp.brand_touch). The panel
shows the kiosk's state and its outbox (stuck, refused and waiting actions with the hub's
reasons, never a tenant's name, phone or e-mail), retries, discards (after a confirmation),
syncs now, starts assisted journeys and changes the site settings. Leaving it, the home button,
the idle wipe and `relock_seconds` without a touch all lock it and go home.
The rules live in kiosk/agentmode.py; this screen shows them and forwards touches.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

import screens.forms  # noqa: F401 - FormField, KioskKeyboard for the KV
import screens.widgets  # noqa: F401 - KioskLabel, Overlay for the KV
from kiosk import __version__
from kiosk.agentmode import (BAD_AGENT_ID, DISABLED, LOCKED, SHOWN_STATES, UNLOCKED, WRONG,
                             OutboxRow, connection_text, last_sync_text, outbox_rows)
from kiosk.messages import LANGUAGE_NAMES
from kiosk.outbox import OutboxError
from kiosk.site import VOLUME_STEP
from screens.base import KioskScreen
from screens.widgets import Overlay

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

REFRESH_SECONDS = 1.0
ROWS_PER_STATE = 20          # enough to act on; the counts say how many there are in all
# Assisted journeys: (button id, screen, step).
ASSISTED = {"account": ("account", "new_account"), "booking": ("booking", None)}


def plain_wait(seconds: float) -> str:
    seconds = max(1, int(seconds + 0.999))
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"


class AgentConfirm(Overlay):
    """'Supprimer cette action ?' with yes and no; touches never reach the panel beneath."""

    text = StringProperty("")


class AgentScreen(KioskScreen):
    unlocked = BooleanProperty(False)
    agent_id = StringProperty("")
    message = StringProperty("")          # why the form did not open
    notice = StringProperty("")           # what the last touch on the panel did
    connection = StringProperty("")
    last_sync = StringProperty("")
    waiting_text = StringProperty("")
    volume_text = StringProperty("")
    outbox_summary = StringProperty("")
    kiosk_id = StringProperty("")
    version = StringProperty(__version__)
    hub_url = StringProperty("")

    def on_kv_post(self, base_widget):
        super().on_kv_post(base_widget)
        # Strong references: the view not shown is out of the tree.
        self._unlock_view = self.ids.unlock_view.__self__
        self._panel_view = self.ids.panel_view.__self__
        self.ids.passcode_field.ids.input.password = True
        self._tick = None
        self._shown_rows: list[OutboxRow] | None = None
        self._confirm: AgentConfirm | None = None
        self._discarding: str | None = None
        self._show_view()

    # --- showing --------------------------------------------------------------------------------

    def on_pre_enter(self, *args):
        config = self.services.config
        self.kiosk_id, self.hub_url = config.kiosk.id, config.hub.url
        self._show_view()
        self._update()

    def on_enter(self, *args):
        if self._tick is None:
            self._tick = Clock.schedule_interval(lambda _dt: self._update(), REFRESH_SECONDS)
        if not self.unlocked:
            Clock.schedule_once(lambda _dt: self._focus_form(), 0)

    def on_leave(self, *args):
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def _focus_form(self) -> None:
        if self.manager is not None and self.manager.current == self.name and not self.unlocked:
            field = self.ids.agent_id_field if not self.ids.agent_id_field.text else self.ids.passcode_field
            field.focus()

    def on_unlocked(self, *_args) -> None:
        self._show_view()

    def _show_view(self) -> None:
        body = self.ids.body
        wanted = self._panel_view if self.unlocked else self._unlock_view
        if wanted.parent is not body:
            body.clear_widgets()
            body.add_widget(wanted)

    def _update(self) -> None:
        app = App.get_running_app()
        if app is None:
            return
        if self.unlocked:
            self._refresh_panel(app)
        else:
            left = app.agent.seconds_locked()
            if left > 0:
                self.message = f"Trop de codes faux. Réessayez dans {plain_wait(left)}."
            elif self.message.startswith("Trop de codes faux"):
                self.message = "Vous pouvez réessayer."

    # --- the unlock form --------------------------------------------------------------------------

    def unlock(self) -> None:
        app = App.get_running_app()
        attempt = app.agent.unlock(self.ids.agent_id_field.text, self.ids.passcode_field.text)
        self.ids.passcode_field.clear()          # a passcode never stays in a field
        if attempt.outcome == UNLOCKED:
            self.ids.agent_id_field.clear()
            self.ids.unlock_keyboard.clear()
            self.message = self.notice = ""
            self._shown_rows = None
            self.agent_id = app.agent.agent_id
            self.unlocked = True
            self._refresh_panel(app)
            self.ids.panel_scroll.scroll_y = 1
            return
        if attempt.outcome == WRONG:
            self.message = "Identifiant ou code faux." + (
                f" Trop de codes faux : réessayez dans {plain_wait(attempt.seconds_left)}."
                if attempt.seconds_left else "")
        elif attempt.outcome == LOCKED:
            self.message = f"Trop de codes faux. Réessayez dans {plain_wait(attempt.seconds_left)}."
        elif attempt.outcome == BAD_AGENT_ID:
            self.message = ("Identifiant agent : votre identifiant de la console, 1 à 64 lettres, "
                            "chiffres, « . », « _ » ou « - ».")
        elif attempt.outcome == DISABLED:
            self.message = "Le mode agent n'est pas activé sur cette borne."
        self._focus_form()

    # --- the panel --------------------------------------------------------------------------------

    def _refresh_panel(self, app) -> None:
        worker = self.services.worker
        status = worker.status if worker is not None else None
        now = time.time()       # the outbox's and the worker's clock
        self.connection = connection_text(status)
        self.last_sync = last_sync_text(status, now)
        self._show_site(app)
        outbox = self.services.outbox
        if outbox is None:
            return
        try:
            counts = outbox.counts(*SHOWN_STATES)
            actions = [action for state in SHOWN_STATES
                       for action in outbox.list(state, limit=ROWS_PER_STATE)]
        except OutboxError as err:
            self.outbox_summary = f"Le fichier des actions ne peut pas être lu : {err}"
            return
        waiting = counts["pending"] + counts["sending"] + counts["stuck"]
        self.waiting_text = f"{waiting} action{'s' if waiting > 1 else ''}"
        self.outbox_summary = (
            f"Bloquées : {counts['stuck']} · refusées : {counts['rejected']} · "
            f"en attente : {counts['pending'] + counts['sending']} · expirées : {counts['expired']}"
            + ("" if sum(counts.values()) else "\nRien à signaler : tout est envoyé."))
        rows = outbox_rows(actions, now)
        if rows != self._shown_rows:
            self._show_rows(rows)

    def _show_rows(self, rows: list[OutboxRow]) -> None:
        box = self.ids.outbox_rows
        for name in [key for key in self.ids if key.startswith(("retry_", "discard_", "row_"))]:
            del self.ids[name]
        box.clear_widgets()
        for row in rows:
            widget = Factory.AgentActionRow()
            widget.summary, widget.reason = row.summary, row.reason
            widget.can_retry, widget.can_discard = row.can_retry, row.can_discard
            widget.ids.retry_button.bind(on_release=lambda _b, i=row.id: self.retry(i))
            widget.ids.discard_button.bind(on_release=lambda _b, i=row.id: self.ask_discard(i))
            box.add_widget(widget)
            self.ids[f"row_{row.id}"] = widget
            self.ids[f"retry_{row.id}_button"] = widget.ids.retry_button
            self.ids[f"discard_{row.id}_button"] = widget.ids.discard_button
        self._shown_rows = rows

    def _show_site(self, app) -> None:
        site = app.site
        box = self.ids.site_languages
        if len(box.children) != len(app.languages):
            box.clear_widgets()
            for code in app.languages:
                choice = Factory.AgentChoice()      # code is declared in KV: set after creation
                choice.code = code
                choice.text = LANGUAGE_NAMES.get(code, code)
                choice.bind(on_release=lambda _b, c=code: self.choose_language(c))
                box.add_widget(choice)
                self.ids[f"site_language_{code}_button"] = choice
        for choice in box.children:
            choice.chosen = choice.code == site.default_language
        volume = self._volume(app)
        self.volume_text = f"{volume} %" + ("" if site.speech_volume is not None else " (réglage d'origine)")

    @staticmethod
    def _volume(app) -> int:
        if app.site.speech_volume is not None:
            return app.site.speech_volume
        speech = getattr(app, "speech", None)
        try:
            return int(round(float(speech.default_volume) * 100)) if speech is not None else 100
        except (AttributeError, TypeError, ValueError):
            return 100

    def sync_now(self) -> None:
        worker = self.services.worker
        if worker is not None:
            worker.sync_now()
            self.notice = "Synchronisation demandée."

    def retry(self, action_id: str) -> None:
        try:
            retried = self.services.outbox.retry(action_id)
        except OutboxError as err:
            self.notice = f"Échec : {err}"
            return
        if retried:
            self.services.worker.wake()
            log.info("agent %s retried action %s", self.agent_id, action_id)
            self.notice = "Action renvoyée maintenant."
        else:
            self.notice = "Cette action ne peut plus être renvoyée : elle est envoyée ou en cours."
        self._refresh_panel(App.get_running_app())

    def ask_discard(self, action_id: str) -> None:
        self._discarding = action_id
        if self._confirm is None:
            self._confirm = AgentConfirm()
        App.get_running_app().root.show_overlay(self._confirm)

    def close_confirm(self) -> None:
        self._discarding = None
        if self._confirm is not None:
            App.get_running_app().root.hide_overlay(self._confirm)

    def confirm_discard(self) -> None:
        action_id = self._discarding
        self.close_confirm()
        if action_id is None:
            return
        try:
            discarded = self.services.outbox.discard(action_id)
        except OutboxError as err:
            self.notice = f"Échec : {err}"
            return
        if discarded:
            log.info("agent %s discarded action %s", self.agent_id, action_id)
            self.notice = "Action supprimée. Elle ne sera jamais envoyée."
        else:
            self.notice = ("Cette action ne peut pas être supprimée : elle est en attente ou en "
                           "cours d'envoi.")
        self._refresh_panel(App.get_running_app())

    def start_assisted(self, journey: str) -> None:
        screen, step = ASSISTED[journey]
        App.get_running_app().start_assisted_journey(screen, step)

    def choose_language(self, code: str) -> None:
        self._change_site(default_language=code)

    def change_volume(self, steps: int) -> None:
        app = App.get_running_app()
        volume = min(100, max(0, self._volume(app) + steps * VOLUME_STEP))
        self._change_site(speech_volume=volume)

    def _change_site(self, **changes) -> None:
        app = App.get_running_app()
        try:
            app.change_site(**changes)
        except (OSError, ValueError) as err:
            self.notice = f"Le réglage n'a pas pu être enregistré : {err}"
            return
        self.notice = "Réglage enregistré."
        self._show_site(app)

    # --- leaving ----------------------------------------------------------------------------------

    def clear(self) -> None:
        """Locked again (home, idle wipe, inactivity): nothing of the panel or the form stays."""
        self.close_confirm()
        self.unlocked = False
        self.agent_id = self.message = self.notice = ""
        self.ids.agent_id_field.clear()
        self.ids.passcode_field.clear()
        self.ids.unlock_keyboard.clear()
        self.ids.outbox_rows.clear_widgets()
        self._shown_rows = None
