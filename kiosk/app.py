"""The one place that wires the core (config, outbox, sync, idle timer, agent call) to the screens.

main.py configures Kivy and calls run(). Worker callbacks arrive on the sync thread and hop to
the UI thread with @mainthread; the UI never touches the network.

What screens and KV use:
- `app.show(name, step=None, **options)`: switch screen, then `screen.start(step=..., **options)`
  when the screen has `start`; `app.go_home()`: wipe everything the visitor typed or chose,
  then show "home"; `app.call_agent(screen_name=None)`.
- properties: language, text_scale, high_contrast, speech_on, theme, languages, current_screen,
  online, waiting, call_state, call_agent_name, call_repeated, idle_warning, idle_seconds_left,
  landlord_name, agency_name, logo_source, services.
- read-aloud: `app.speech` (kiosk/speech.py), `app.say(text, personal=False)` (only while
  speech_on), `app.speak_screen()`, `app.repeat_speech()`; screens/readaloud.py decides when.
- without sight (screens/focus.py): `app.focus` (keypad focus, its ring; keys reach it before
  the lock-down swallows them), `app.explore` (touch to hear; reset with the visitor).
- agent mode (kiosk/agentmode.py, screens/agent.py): `app.agent` (passcode, lockout, re-lock),
  `app.brand_touch(...)` (the 3 s hold on the logo), `app.start_assisted_journey(screen, step)`,
  `app.assisted_by` (the helping agent's id, copied to `services.assisted_by`, wiped with the
  visitor), `app.site` / `app.change_site(...)` (default language, speech volume; kiosk/site.py).
- event `on_visitor_reset`: dispatched by the wipe, for what is not a screen (the speech queue
  binds it to empty itself: `app.bind(on_visitor_reset=speech.clear)`).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import replace
from typing import Callable

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.config import Config as KivyConfig


def _cover_the_display() -> None:
    """Create the full-screen window at the display's size, at 0,0.

    SDL asks the window manager for full screen; the kiosk's X session has none, so the window
    would keep Kivy's default 800x600 in the middle of the screen while Kivy draws for the whole
    screen. Sized and placed like this it covers the screen with or without a window manager.
    Must run before Kivy creates its window (kiosk.app is imported right after configure_kivy).
    """
    if KivyConfig.get("graphics", "fullscreen") in ("0", "False") or "kivy.core.window" in sys.modules:
        return
    size = x11_display_size()
    if size is not None:
        KivyConfig.set("graphics", "position", "custom")
        KivyConfig.set("graphics", "left", "0")
        KivyConfig.set("graphics", "top", "0")
        KivyConfig.set("graphics", "width", str(size[0]))
        KivyConfig.set("graphics", "height", str(size[1]))


def x11_display_size() -> tuple[int, int] | None:
    """The X display's size in pixels, or None without X (no DISPLAY, no libX11)."""
    import ctypes
    import ctypes.util
    import os

    library = ctypes.util.find_library("X11")
    if not os.environ.get("DISPLAY") or library is None:
        return None
    xlib = ctypes.cdll.LoadLibrary(library)
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    xlib.XDisplayWidth.argtypes = xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        return None
    try:
        screen = xlib.XDefaultScreen(display)
        return xlib.XDisplayWidth(display, screen), xlib.XDisplayHeight(display, screen)
    finally:
        xlib.XCloseDisplay(display)


_cover_the_display()

from kivy.core.window import Window  # noqa: E402 - created at this import, after _cover_the_display
from kivy.metrics import Metrics  # noqa: E402
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition
from kivy.uix.textinput import TextInput

from kiosk import __version__
from kiosk.agentmode import AgentMode, HoldGesture
from kiosk.assistance import Assistance
from kiosk.config import Config
from kiosk.i18n import translate
from kiosk.idle import EXPIRED, WARNING, IdleTimer
from kiosk.outbox import OutboxError, StorageNotDurable
from kiosk.services import Services
from kiosk.site import SiteSettings, SiteStore
from kiosk.speech import Speech
from kiosk.geometry import font_scale
from kiosk.theme import HIGH_CONTRAST, TEXT_SCALES, default_theme
from screens import SCREEN_NAMES, screen_class
from screens.base import KioskScreen
from screens.focus import FocusNavigator
from screens.readaloud import ReadAloud
from screens.widgets import IdleWarning, KioskRoot, LanguageChooser

log = logging.getLogger(__name__)

HOME = "home"
AGENT = "agent"
# Keys that would leave the kiosk or open something a tenant must not see: Escape (Kivy
# closes the app), F1 (Kivy's settings panel), F11 (full screen), Alt+F4, every function key.
ESCAPE = 27
FUNCTION_KEYS = range(282, 294)     # F1 .. F12 in Kivy's key codes
IDLE_CHECK_SECONDS = 0.25


class KioskApp(App):
    title = "Borne d'accueil"
    # What the always-visible bars show; KV binds to these.
    online = ObjectProperty(None, allownone=True)   # None until the first contact with the hub
    waiting = NumericProperty(0)
    call_state = StringProperty("")                 # "", queued, sent, acknowledged, resolved, expired, unreachable, failed
    call_agent_name = StringProperty("")
    call_repeated = BooleanProperty(False)          # touched again during a call: "déjà parti"
    current_screen = StringProperty(HOME)
    # The visitor's choices (back to the defaults for each visitor). KV: font_size:
    # sp(28) * app.text_scale, color: app.theme.text, text: app.tr("Bonjour !", app.language).
    language = StringProperty("fr")
    languages = ListProperty(["fr"])                # offered, from the config
    text_scale = NumericProperty(1.0)
    high_contrast = BooleanProperty(False)
    speech_on = BooleanProperty(False)              # read the screen aloud (kiosk/speech.py, screens/readaloud.py)
    speech_available = BooleanProperty(False)       # espeak-ng and the player found, speech enabled
    explore = BooleanProperty(False)                # touch to hear: first touch says, second acts (screens/focus.py)
    # rebind: KV reads app.theme.<colour>, which must follow a switch of the whole theme.
    theme = ObjectProperty(None, rebind=True)
    # The idle warning ("Vous êtes toujours là ?") and its countdown.
    idle_warning = BooleanProperty(False)
    idle_seconds_left = NumericProperty(0)
    landlord_name = StringProperty("")
    agency_name = StringProperty("")
    logo_source = StringProperty("")
    services = ObjectProperty(None)
    # The agent guiding this visitor's journey (agent mode's "Parcours accompagné"); "" alone.
    assisted_by = StringProperty("")

    __events__ = ("on_visitor_reset",)

    def __init__(self, config: Config, windowed: bool = False,
                 clock: Callable[[], float] = time.monotonic,
                 agent_clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.windowed = windowed
        self.languages = list(config.kiosk.languages)
        # Agent mode (kiosk/agentmode.py): wall clock, the lockout outlives a restart.
        self.agent = AgentMode(config, clock=agent_clock)
        self._agent_hold = HoldGesture(clock=agent_clock)
        if not self.agent.enabled:
            log.info("agent mode disabled: [agent] passcode_hash is empty in %s", config.source)
        self.site_store = SiteStore(config)
        self.site: SiteSettings = self.site_store.load()
        self.language = self.site.default_language
        self.theme = default_theme(config.branding.primary_color)
        self.landlord_name = config.branding.name
        self.agency_name = config.kiosk.agency
        self.logo_source = str(config.branding.logo or "")
        self.speech = Speech(config.speech)
        self.speech_available = self.speech.available
        self.services = Services(config, on_status=self._on_sync_status,
                                 on_assistance=self._on_assistance,
                                 on_action_result=self._on_action_result,
                                 speech_available=lambda: self.speech.available)
        self.assistance = Assistance(self.services.submit)
        self.idle = IdleTimer(config.kiosk.idle_timeout_seconds, config.kiosk.idle_warning_seconds,
                              clock=clock)
        self._idle_event = None
        self._idle_warning_widget: IdleWarning | None = None
        self._language_chooser: LanguageChooser | None = None

    def build(self):
        # Body text (sp(28)) made tall enough to read on this screen, before any KV sizes it.
        Metrics.fontscale = font_scale(self.kiosk_config.screen, Window.size, Metrics.density)
        root = KioskRoot()
        screens = root.ids.screens
        # No sliding: the new screen is there at once, and no touch is lost mid-transition.
        screens.transition = NoTransition()
        for name in SCREEN_NAMES:
            screens.add_widget(screen_class(name)(name=name, services=self.services))
        screens.bind(current=self._on_current_screen)
        self.current_screen = screens.current
        self.focus = FocusNavigator(self, root)       # keypad focus, its ring, explore mode
        self.read_aloud = ReadAloud(self, root)       # what is said when; touches silence it
        return root

    @staticmethod
    def tr(text: str, language: str) -> str:
        """The text in the visitor's language; KV passes app.language so that it re-evaluates."""
        return translate(text, language)

    # --- lock-down ----------------------------------------------------------------------------------

    def on_start(self):
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                    on_key_down=self._on_key_down)
        self.idle.touched()
        self._idle_event = Clock.schedule_interval(self.check_idle, IDLE_CHECK_SECONDS)
        self.speech.start()
        self._apply_site()

    def on_stop(self):
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                      on_key_down=self._on_key_down)
        if self._idle_event is not None:
            self._idle_event.cancel()
            self._idle_event = None
        self.read_aloud.close()
        self.speech.stop()
        self.services.stop()

    def _install_settings_keys(self, window):
        pass   # F1 never opens Kivy's settings panel on a tenant's kiosk

    def open_settings(self, *args):
        return False

    def _refuse_close(self, *args, **kwargs):
        return not self.windowed   # full screen: Alt+F4 and close requests do nothing

    def _on_keyboard(self, _window, key, *args):
        # True stops the event: Kivy's own handlers (close on Escape, settings on F1) never run.
        return key == ESCAPE or key in FUNCTION_KEYS

    def _on_key_down(self, _window, key, _scancode=None, codepoint=None, modifiers=None, *args):
        self.visitor_active()
        # The keypad first (its F1 help and F5 repeat too); then the lock-down swallows the rest.
        if self.focus.key_down(key, codepoint, modifiers or []):
            return True
        return key == ESCAPE or key in FUNCTION_KEYS

    # --- screens ------------------------------------------------------------------------------------

    @property
    def screen_manager(self):
        return self.root.ids.screens

    def show(self, name: str, step: str | None = None, **options) -> bool:
        """Show screen `name`; a screen with `start` is then told where to begin:
        `start(step=..., **options)` with only what was given. False for an unknown screen."""
        screens = self.screen_manager
        if not screens.has_screen(name):
            log.warning("no screen named %r; staying on %r", name, screens.current)
            return False
        self.close_language_chooser()
        screens.current = name
        start = getattr(screens.get_screen(name), "start", None)
        if callable(start):
            arguments = dict(options)
            if step is not None:
                arguments["step"] = step
            start(**arguments)
        return True

    def go_home(self) -> None:
        """The visit is over: wipe everything this visitor typed or chose, then show home."""
        self.reset_visitor()
        self.screen_manager.current = HOME

    def _on_current_screen(self, _screens, name: str) -> None:
        self.current_screen = name

    # --- the visitor's settings ---------------------------------------------------------------------

    def next_text_scale(self) -> None:
        """100 % -> 150 % -> 200 % -> 100 %."""
        later = [scale for scale in TEXT_SCALES if scale > self.text_scale + 1e-6]
        self.text_scale = later[0] if later else TEXT_SCALES[0]

    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def on_high_contrast(self, _app, on) -> None:
        self.theme = HIGH_CONTRAST if on else default_theme(self.kiosk_config.branding.primary_color)

    def toggle_speech(self) -> None:
        self.speech_on = not self.speech_on and self.speech_available

    def say(self, text: str, personal: bool = False, *, interrupt: bool = True) -> None:
        """Say `text` (already in the visitor's language) when read-aloud is on; personal text
        (name, phone, e-mail, reference) only through a private headset."""
        if self.speech_on:
            self.speech.say(text, self.language, personal=personal, interrupt=interrupt)

    def speak_screen(self) -> None:
        """Say the current screen's heading, instructions, receipt and errors, top to bottom."""
        self.read_aloud.speak_screen()

    def repeat_speech(self) -> None:
        """The "Répéter" button: the last thing said, again."""
        if self.speech_on:
            self.speech.repeat()

    def open_language_chooser(self) -> None:
        if self._language_chooser is None:
            self._language_chooser = chooser = LanguageChooser()
            from kivy.factory import Factory
            for code in self.languages:
                choice = Factory.LanguageChoice()   # code is declared in KV: set after creation
                choice.code = code
                chooser.ids.choices.add_widget(choice)
        self.root.show_overlay(self._language_chooser)

    def close_language_chooser(self) -> None:
        if self._language_chooser is not None:
            self.root.hide_overlay(self._language_chooser)

    def choose_language(self, code: str) -> None:
        if code in self.languages:
            self.language = code
        self.close_language_chooser()

    # --- the wipe -----------------------------------------------------------------------------------

    def all_screens(self) -> list[KioskScreen]:
        return list(self.screen_manager.screens)

    def all_widgets(self):
        """Every widget of the app, on every screen (only the current one is in the tree)."""
        seen: set[int] = set()
        roots = [self.root, *self.all_screens()]
        roots += [child for child in Window.children if child is not self.root]
        for top in roots:
            for widget in top.walk(restrict=False):
                if id(widget) not in seen:
                    seen.add(id(widget))
                    yield widget

    def reset_visitor(self) -> None:
        """Forget the visitor: every screen's clear(), our widgets' clear(), every text field
        and its undo history, open pop-ups, the call, the speech queue (on_visitor_reset) and
        the accessibility choices. Each part is wiped even if another part fails."""
        self._hide_idle_warning()
        self.close_language_chooser()
        for child in list(Window.children):
            if isinstance(child, ModalView):
                self._safely(lambda: child.dismiss(animation=False), f"closing {child!r}")
        for screen in self.all_screens():
            self._safely(screen.clear, f"clearing screen {screen.name!r}")
        for widget in list(self.all_widgets()):
            if isinstance(widget, TextInput):
                self._safely(lambda: _wipe_text_input(widget), f"wiping {widget!r}")
            elif (not isinstance(widget, KioskScreen) and type(widget).__module__.startswith("screens.")
                    and callable(getattr(widget, "clear", None))):
                self._safely(widget.clear, f"clearing {widget!r}")
        self._safely(Window.release_all_keyboards, "releasing the keyboards")
        self._safely(_empty_clipboard, "emptying the clipboard")
        self.assistance.reset()
        self._show_call()
        self._safely(lambda: self.dispatch("on_visitor_reset"), "on_visitor_reset")
        self.agent.lock()
        self.assisted_by = ""
        self.language = self.site.default_language
        self.text_scale = TEXT_SCALES[0]
        self.high_contrast = False
        self.speech_on = False
        self.explore = False
        self.idle.touched()

    def on_visitor_reset(self) -> None:
        """Default handler of the event; read-aloud binds it to empty the speech queue."""

    @staticmethod
    def _safely(work: Callable, what: str) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - one broken part must not keep the rest un-wiped
            log.exception("wipe: %s failed", what)

    # --- idle: "Vous êtes toujours là ?" ------------------------------------------------------------

    def visitor_active(self) -> None:
        """Any touch or key: the visitor is there (the warning needs "Je continue")."""
        self.agent.touched()
        if not self.idle_warning:
            self.idle.touched()

    def keep_visiting(self) -> None:
        """'Je continue': back to a full idle period, as many times as the visitor wants."""
        self.idle.touched()
        self._hide_idle_warning()

    def nothing_to_wipe(self) -> bool:
        """Home, default settings, no call: an empty lobby needs no warning."""
        return (self.screen_manager.current == HOME and self.root.overlay is None
                and self.assistance.state == "" and self.language == self.site.default_language
                and not self.assisted_by and self.text_scale == TEXT_SCALES[0] and not self.high_contrast
                and not self.speech_on)

    def check_idle(self, *_args) -> None:
        if self.agent.relock_due():
            log.info("agent mode: %d s without a touch; locking and going home",
                     self.agent.settings.relock_seconds)
            self.go_home()
            return
        if self.agent.unlocked and self.screen_manager.current == "agent":
            self.idle.touched()   # the panel is the agent's: their re-lock applies, not "Vous êtes toujours là ?"
            return
        state, left = self.idle.state()
        if state == WARNING or state == EXPIRED:
            if not self.idle_warning and self.nothing_to_wipe():
                self.idle.touched()
                return
        if state == WARNING:
            self.idle_seconds_left = max(1, math.ceil(left))
            self._show_idle_warning()
        elif state == EXPIRED:
            log.info("idle: the visitor left; wiping and going home")
            self.go_home()
        elif self.idle_warning:
            self._hide_idle_warning()

    def _show_idle_warning(self) -> None:
        if self.idle_warning:
            return
        self.close_language_chooser()
        if self._idle_warning_widget is None:
            self._idle_warning_widget = IdleWarning()
        self.root.show_overlay(self._idle_warning_widget)
        self.idle_warning = True

    def _hide_idle_warning(self) -> None:
        if self._idle_warning_widget is not None:
            self.root.hide_overlay(self._idle_warning_widget)
        self.idle_warning = False

    # --- agent mode (kiosk/agentmode.py, screens/agent.py) -------------------------------------------

    def brand_touch(self, phase: str, brand, touch) -> None:
        """The top bar's logo and name: held still for 3 s, they open agent mode's unlock form.
        Nothing shows before the form: a tenant never sees a hint of it."""
        if not self.agent.enabled or self.current_screen == AGENT:
            return
        brand = brand.__self__           # KV hands over a weak proxy; grab_current is the widget
        if phase == "down":
            if brand.collide_point(*touch.pos) and self.root.overlay is None:
                self._agent_hold.down(touch.uid, *touch.pos)
                touch.grab(brand)        # its move and up reach us whatever lies above
        elif touch.grab_current is not brand:
            return
        elif phase == "move":
            self._agent_hold.move(touch.uid, *touch.pos)
        else:
            touch.ungrab(brand)
            if self._agent_hold.up(touch.uid) and brand.collide_point(*touch.pos):
                self.open_agent_mode()

    def open_agent_mode(self) -> None:
        """The unlock form, on a clean kiosk: whatever a visitor left is wiped first."""
        self.reset_visitor()
        self.show(AGENT)

    def start_assisted_journey(self, screen: str, step: str | None = None) -> None:
        """'Parcours accompagné': agent mode locks, the journey starts on a clean kiosk, and what
        it queues carries the agent's id, until the visit ends (home, idle wipe)."""
        agent_id = self.agent.agent_id
        if not agent_id:
            return
        self.reset_visitor()                # locks agent mode
        self.assisted_by = agent_id
        self.show(screen, step=step)

    def on_assisted_by(self, _app, agent_id: str) -> None:
        self.services.assisted_by = agent_id

    def change_site(self, **changes) -> None:
        """An agent changed a site setting: saved durably, then applied. Raises OSError or
        ValueError (nothing changed)."""
        settings = replace(self.site, **changes)
        self.site_store.save(settings)
        self.site = settings
        self._apply_site()

    def _apply_site(self) -> None:
        self.language = self.site.default_language
        speech = getattr(self, "speech", None)
        if speech is not None and self.site.volume_fraction is not None:
            self._safely(lambda: setattr(speech, "default_volume", self.site.volume_fraction),
                         "setting the speech volume")

    # --- calling an agent ---------------------------------------------------------------------------

    def call_agent(self, screen_name: str | None = None) -> None:
        """One touch sends the call at once; a second touch during a call sends nothing."""
        name = screen_name or self.screen_manager.current
        step = None
        if self.screen_manager.has_screen(name):
            step = self.screen_manager.get_screen(name).help_step()
        self.assistance.call(screen=name, step=step, language=self.language, online=self.online)
        self._show_call()

    def _show_call(self) -> None:
        self.call_state = self.assistance.state
        self.call_agent_name = self.assistance.agent_name
        self.call_repeated = self.assistance.repeated

    # --- news from the sync worker (called on its thread) -------------------------------------------

    @mainthread
    def _on_sync_status(self, status) -> None:
        # A paused queue (token refused) delivers nothing: for the tenant, that is offline.
        reachable = False if status.paused else status.online
        self.online = reachable
        self.waiting = status.waiting
        if self.assistance.network_changed(reachable):
            self._show_call()

    @mainthread
    def _on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        for screen in self.all_screens():
            self._safely(lambda: screen.on_action_result(action_id, state, result),
                         f"{screen.name}.on_action_result")

    @mainthread
    def _on_assistance(self, call_id: str, status: str, agent_first_name: str | None) -> None:
        if self.assistance.update(call_id, status, agent_first_name, online=self.online):
            self._show_call()


def _empty_clipboard() -> None:
    """A text field's long-press menu can paste: nothing copied may reach the next visitor."""
    from kivy.core.clipboard import Clipboard

    Clipboard._copy("")    # copy("") does nothing: Kivy skips empty data


def _wipe_text_input(field: TextInput) -> None:
    """Empty a text field and everything it remembers of what was typed (undo, selection)."""
    field.focus = False
    field.cancel_selection()
    field.text = ""
    field.reset_undo()


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
