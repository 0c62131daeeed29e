"""Using the kiosk without sight: a keypad moves a spoken focus, and explore mode.

`FocusNavigator` (the app's `app.focus`) keeps one focused control, chosen with the keys of an
accessible-terminal keypad (EZ Access style) or a keyboard, and says its name each time:

- Tab, Down, Right: the next control; Shift+Tab, Up, Left: the previous one (both wrap around).
  In a text field Left and Right move the cursor instead, as on any keyboard, and Enter goes to
  the next control (the field's own "Suivant"); letters typed on a real keyboard go in the field.
- Enter, keypad Enter, Space: activate, with the press and release a touch gives (same code).
- F5: say the last sentence again. F1: where you are, and how the keys work.
- The first key of a visitor while read-aloud is off turns read-aloud on and explains the keys
  (after the page, which read-aloud says when turned on): a tenant who cannot see cannot find
  the "Écouter" button. That key does nothing else. Not in a text field: who types there has
  found it, and their Enter goes on.
- Nothing focused (a new page): the next key goes to the page's first control (the previous
  key to its last), not to the top bar. A page that opens with a field ready (the booking's
  name) after a keypad choice moves the focus there, said after the page.

The controls are what a tenant can touch: visible, enabled buttons (anything with
ButtonBehavior: toggles, picture buttons, cards) and text fields, in the open overlay or pop-up
only when there is one (focus stays inside it), else in the top bar, the screen and the bottom
bar, in reading order: top to bottom, then left to right; the content of a scrolling area is read
as one block at the place of that area, and scrolled into view as the focus reaches it. The
on-screen keyboard is skipped: keypad users type on the real keys.

A ring (4 dp thick, `app.theme.focus`, edged in the background colour so that it shows on the
dark top bar too) is drawn around the focused control while the focus comes from the keys or
from explore mode; any other touch hides it (the tenant sees). It is drawn in the root's
canvas.after, placed while the window is drawn (a Callback), so it follows the control through
scrolling and layout changes.

Explore mode (`app.explore`, the "Toucher pour écouter" button shown while read-aloud is on):
the first touch on a control says it and puts the ring there without activating it; a second
touch on the same control within EXPLORE_SECONDS activates it. A touch on a text says the text.
On-screen keyboard keys type at once and each key is said (letters as personal data).
"""

from __future__ import annotations

import inspect
import re
import time
from typing import Callable

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.graphics import Callback, Color, InstructionGroup, Line
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.checkbox import CheckBox
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput
from kivy.uix.vkeyboard import VKeyboard

from kiosk.i18n import N_

# Kivy's key codes.
TAB, ENTER, KEYPAD_ENTER, SPACE = 9, 13, 271, 32
UP, DOWN, RIGHT, LEFT = 273, 274, 275, 276
F1, F5 = 282, 286

NEXT, PREVIOUS, ACTIVATE, REPEAT, HELP = "next", "previous", "activate", "repeat", "help"
EXPLORE_SECONDS = 5.0        # a second touch on the same control within this time activates it
RING_WIDTH = 4               # dp: how thick the ring is
RING_GAP = 3                 # dp between the control and the ring
FIELD_WATCH_FRAMES = 10      # frames after a choice in which a page's ready field takes the focus

KEYPAD_HELP = N_("Pour aller au bouton suivant : flèche vers le bas, ou touche Tab. "
                 "Pour revenir : flèche vers le haut. Pour choisir : touche Entrée. "
                 "Pour réécouter : touche F5. Pour l'aide : touche F1.")
KEYS_WORK = N_("Vous pouvez utiliser les touches.")
HELP_WHERE = N_("Vous êtes sur la page : {place}.")
HELP_ON = N_("Vous êtes sur : {name}.")
NOTHING_FOCUSED = N_("Rien n'est choisi.")
KIND_BUTTON = N_("bouton")
KIND_CHOICE_ON = N_("bouton, choisi")
KIND_CHOICE_OFF = N_("bouton, pas choisi")
KIND_SWITCH_ON = N_("bouton, activé")
KIND_SWITCH_OFF = N_("bouton, désactivé")
KIND_CHECKBOX_ON = N_("case à cocher, cochée")
KIND_CHECKBOX_OFF = N_("case à cocher, pas cochée")
KIND_FIELD = N_("Case à remplir : {label}.")
FIELD_EMPTY = N_("Vide.")
# Top-bar buttons that switch something on and off (ToolButton.icon): their state is said.
SWITCH_ICONS = ("contrast", "speech", "explore")

_MARKUP = re.compile(r"\[/?[a-z_]+(=[^\]]*)?\]")


# --- what a key does (plain logic) -------------------------------------------------------------

def command_for(key: int, modifiers, in_text_field: bool) -> str | None:
    """The navigator's command for a key, or None when the key is not the navigator's (it then
    goes on to the text field, or is swallowed by the app's lock-down)."""
    modifiers = set(modifiers or ())
    if modifiers & {"ctrl", "alt", "meta", "super"}:
        return None
    if key == TAB:
        return PREVIOUS if "shift" in modifiers else NEXT
    if key == DOWN or (key == RIGHT and not in_text_field):
        return NEXT
    if key == UP or (key == LEFT and not in_text_field):
        return PREVIOUS
    if key in (ENTER, KEYPAD_ENTER):
        return NEXT if in_text_field else ACTIVATE
    if key == SPACE and not in_text_field:
        return ACTIVATE
    if key == F5:
        return REPEAT
    if key == F1:
        return HELP
    return None


# --- reading order (plain logic on rectangles) --------------------------------------------------

def reading_order(entries: list[tuple[tuple[float, float, float, float], object]]) -> list:
    """Items in reading order from (rect, item) pairs, rect = (x, y, width, height) with y up:
    rows from the top, each row left to right. An item starts a new row when its vertical centre
    is below the bottom of the row's first item."""
    ranked = sorted(entries, key=lambda entry: (-(entry[0][1] + entry[0][3]), entry[0][0]))
    rows: list[list] = []
    row_bottom = None
    for rect, item in ranked:
        centre_y = rect[1] + rect[3] / 2
        if rows and centre_y > row_bottom:
            rows[-1].append((rect, item))
        else:
            rows.append([(rect, item)])
            row_bottom = rect[1]
    return [item for row in rows for _rect, item in sorted(row, key=lambda entry: entry[0][0])]


def flatten(items: list) -> list:
    """Blocks (lists, the content of a scrolling area) opened in place."""
    flat = []
    for item in items:
        flat.extend(flatten(item) if isinstance(item, list) else [item])
    return flat


# --- widgets --------------------------------------------------------------------------------------

def is_control(widget) -> bool:
    return isinstance(widget, (ButtonBehavior, TextInput))


def window_rect(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    right, top = widget.to_window(widget.right, widget.top)
    return x, y, right - x, top - y


def _usable(widget) -> bool:
    return (not widget.disabled and widget.opacity > 0 and widget.width > 1 and widget.height > 1
            and getattr(widget, "is_focusable", True) is not False)


def _gather(node) -> list:
    """(rect, item) of the controls under node, a scrolling area's content as one block."""
    entries = []
    for child in reversed(node.children):
        if child.opacity <= 0 or child.disabled or isinstance(child, VKeyboard):
            continue
        if is_control(child):
            if _usable(child):
                entries.append((window_rect(child), child))
            continue
        inner = _gather(child)
        if isinstance(child, ScrollView):
            if inner:
                entries.append((window_rect(child), reading_order(inner)))
        else:
            entries.extend(inner)
    return entries


def controls_of(root) -> list:
    """The controls a tenant can reach under root, in reading order."""
    return flatten(reading_order(_gather(root)))


def _clipped_out(widget, pos) -> bool:
    """pos (window) is outside a scrolling area that holds widget: the tenant cannot see it there."""
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, StencilView):
            x, y, w, h = window_rect(node)
            if not (x <= pos[0] <= x + w and y <= pos[1] <= y + h):
                return True
        node = node.parent
    return False


def _collides(widget, pos) -> bool:
    x, y, w, h = window_rect(widget)
    return x <= pos[0] <= x + w and y <= pos[1] <= y + h and not _clipped_out(widget, pos)


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())


def _field_of(widget):
    """The FormField around a text box (label, hint), if any."""
    parent = widget.parent
    return parent if parent is not None and hasattr(parent, "label") and hasattr(parent, "hint") else None


def visible_text(widget) -> str:
    """What a control shows: its text, else the texts of the labels inside it (a session card)."""
    text = getattr(widget, "text", "")
    if isinstance(text, str) and text.strip() and not isinstance(widget, TextInput):
        return _plain(text)
    texts = [_plain(node.text) for node in widget.walk(restrict=True)
             if isinstance(node, Label) and node is not widget and node.opacity > 0
             and node.height > 0 and node.text.strip()]
    return ". ".join(text for text in texts if text)


class FocusNavigator(EventDispatcher):
    """The keypad's focus for one app; see the module's docstring."""

    focused = ObjectProperty(None, allownone=True)
    ring_visible = BooleanProperty(False)

    def __init__(self, app, root, **kwargs):
        super().__init__(**kwargs)
        self.app = app
        self.root = root                   # the KioskRoot (app.root is set after build)
        self._announced = False            # this visitor was told how the keypad works
        self._explored = None              # the control said by the last explore touch
        self._explored_at = 0.0
        self._clock: Callable[[], float] = time.monotonic
        self._ring = InstructionGroup()
        self._ring_edge = Color(0, 0, 0, 0)
        self._ring_colour = Color(0, 0, 0, 0)
        self._ring_outer = Line()
        self._ring_line = Line()
        for instruction in (Callback(self._follow), self._ring_edge, self._ring_outer,
                            self._ring_colour, self._ring_line):
            self._ring.add(instruction)
        self._ring_rect = None
        self._field_watch = None
        self._field_frames = 0
        root.canvas.after.add(self._ring)
        app.bind(on_visitor_reset=self.reset, speech_on=self._speech_switched, theme=self._redraw_ring,
                 on_stop=self.stop)

    # --- the controls ----------------------------------------------------------------------------

    def focus_root(self):
        """Where focus may go: the topmost pop-up, else the overlay, else the whole kiosk."""
        from kivy.core.window import Window

        for child in Window.children:        # the first child is the topmost
            if isinstance(child, ModalView):
                return child
        root = self.root
        return root.overlay if root.overlay is not None else root

    def controls(self) -> list:
        return controls_of(self.focus_root())

    def current(self, controls: list | None = None):
        """The focused control: a text field being typed in, else the last one moved to."""
        controls = self.controls() if controls is None else controls
        for control in controls:
            if isinstance(control, TextInput) and control.focus:
                return control
        return self.focused if self.focused in controls else None

    # --- keys ----------------------------------------------------------------------------------

    def key_down(self, key: int, codepoint=None, modifiers=()) -> bool:
        """A key from the keypad or a keyboard; True when the navigator used it."""
        focused = self.current()
        command = command_for(key, modifiers, isinstance(focused, TextInput))
        if command is None:
            return False
        # Someone typing in a field has found it: their Enter goes on to the next control.
        if not self._announced and not self.app.speech_on and not isinstance(focused, TextInput):
            self._announced = True
            self.app.speech_on = getattr(self.app, "speech_available", True)
            # Read-aloud says the page first (on the next frame); the keys' help follows it.
            Clock.schedule_once(lambda _dt: self.say(
                " ".join([self._tr(KEYS_WORK), self._tr(KEYPAD_HELP)]), interrupt=False), 0)
            return True
        self._announced = True
        if command == NEXT:
            self.move(+1)
        elif command == PREVIOUS:
            self.move(-1)
        elif command == ACTIVATE:
            self.activate()
        elif command == REPEAT:
            self.repeat()
        elif command == HELP:
            self.help()
        return True

    def move(self, step: int) -> None:
        controls = self.controls()
        if not controls:
            return
        current = self.current(controls)
        if current is None:
            # Nothing focused (a new page): start in the page, not in the top bar.
            page = self._page_controls(controls)
            target = (page[0] if step > 0 else page[-1]) if page else controls[0 if step > 0 else -1]
        else:
            target = controls[(controls.index(current) + step) % len(controls)]
        self.focus_on(target)

    def _page_controls(self, controls: list) -> list:
        screens = self.root.ids.screens
        page = screens.current_screen
        if page is None or self.focus_root() is not self.root:
            return []
        inside = {id(node) for node in page.walk(restrict=True)}
        return [control for control in controls if id(control) in inside]

    def focus_on(self, widget, *, speak: bool = True, ring: bool = True,
                 interrupt: bool = True) -> None:
        """Move the focus (and the ring) to widget, scrolled into view, and say its name."""
        previous = self.current()
        if isinstance(previous, TextInput) and previous is not widget:
            previous.focus = False          # the on-screen keyboard goes with it
        self.focused = widget
        if isinstance(widget, TextInput):
            field = _field_of(widget)
            if field is not None and callable(getattr(field, "focus", None)):
                field.focus()               # the form scrolls to it and the keyboard follows
            else:
                widget.focus = True
        else:
            self._scroll_into_view(widget)
        self.ring_visible = ring
        if speak:
            self.speak(widget, interrupt=interrupt)

    @staticmethod
    def _scroll_into_view(widget) -> None:
        node = widget.parent
        while node is not None and node is not node.parent:
            if isinstance(node, ScrollView):
                node.scroll_to(widget, padding=12, animate=False)
            node = node.parent

    def activate(self) -> None:
        widget = self.current()
        if widget is None:
            self.move(+1)
            return
        if isinstance(widget, TextInput):
            self.move(+1)
            return
        if isinstance(widget, ButtonBehavior):
            widget.trigger_action(duration=0)
            if _is_switch(widget) and widget.get_root_window() is not None and _usable(widget):
                self.say(self._kind(widget))        # the new state of what was switched
            self._watch_for_field()

    def _watch_for_field(self) -> None:
        """A page that opens with a text field ready (the booking's name) gets it a frame or two
        later: the focus follows it, and the field is said after the page."""
        self._field_frames = FIELD_WATCH_FRAMES
        if self._field_watch is None:
            self._field_watch = Clock.schedule_interval(self._check_for_field, 0)

    def _check_for_field(self, _dt) -> None:
        self._field_frames -= 1
        typed_in = self.current()
        if isinstance(typed_in, TextInput) and typed_in is not self.focused:
            self.focus_on(typed_in, interrupt=False)
            self._field_frames = 0
        if self._field_frames <= 0 and self._field_watch is not None:
            self._field_watch.cancel()
            self._field_watch = None

    def repeat(self) -> None:
        speech = getattr(self.app, "speech", None)
        if speech is not None:
            speech.repeat()

    def help(self) -> None:
        parts = [self._tr(HELP_WHERE).format(place=heading)] if (heading := self.place()) else []
        focused = self.current()
        parts.append(self._tr(HELP_ON).format(name=self.name(focused).rstrip(". ")) if focused is not None
                     else self._tr(NOTHING_FOCUSED))
        parts.append(self._tr(KEYPAD_HELP))
        self.say(" ".join(parts))

    def place(self) -> str:
        """The current page's heading (a label with role "heading"), else its first text."""
        root = self.focus_root()
        page = self.root.ids.screens.current_screen if root is self.root else root
        labels = [node for node in page.walk(restrict=True)
                  if isinstance(node, Label) and node.text.strip() and node.opacity > 0
                  and node.height > 0 and node.get_root_window() is not None
                  and not is_control(node)]
        headings = [label for label in labels if getattr(label, "role", "") == "heading"]
        chosen = headings or labels
        return _plain(chosen[0].text).rstrip(" .!?:\u00a0") if chosen else ""

    # --- speaking --------------------------------------------------------------------------------

    def name(self, widget) -> str:
        """What is said for a control: its text, then its kind and state, in the visitor's
        language (a text field's content is not part of it: it is personal)."""
        if isinstance(widget, TextInput):
            field = _field_of(widget)
            label = ""
            if field is not None:
                label = field.label or field.hint
                label = self._tr(label) if label else ""
            label = label or self._tr(widget.hint_text or "")
            return self._tr(KIND_FIELD).format(label=_plain(label))
        return f"{visible_text(widget)}, {self._kind(widget)}"

    def _kind(self, widget) -> str:
        if isinstance(widget, CheckBox):
            return self._tr(KIND_CHECKBOX_ON if widget.active else KIND_CHECKBOX_OFF)
        if isinstance(widget, ToggleButtonBehavior):
            return self._tr(KIND_CHOICE_ON if widget.state == "down" else KIND_CHOICE_OFF)
        if _is_switch(widget):
            return self._tr(KIND_SWITCH_ON if widget.active else KIND_SWITCH_OFF)
        return self._tr(KIND_BUTTON)

    def speak(self, widget, interrupt: bool = True) -> None:
        """Say the control's name; a text field's content follows as personal data (said only
        in a private headset)."""
        name = self.name(widget)
        if not isinstance(widget, TextInput):
            self.say(name, interrupt=interrupt)
        elif not widget.text:
            self.say(f"{name} {self._tr(FIELD_EMPTY)}", interrupt=interrupt)
        else:
            self.say(name, interrupt=interrupt)
            self.say(widget.text, personal=True, interrupt=False)

    def say(self, text: str, personal: bool = False, interrupt: bool = True) -> None:
        say = getattr(self.app, "say", None)
        if say is None or not text:
            return
        if _accepts(say, "interrupt"):
            say(text, personal=personal, interrupt=interrupt)
        else:
            say(text, personal=personal)

    def _tr(self, text: str) -> str:
        return self.app.tr(text, self.app.language)

    # --- touches ---------------------------------------------------------------------------------

    def touch_down(self, touch) -> bool:
        """From the root, before any widget. True: the touch is the navigator's (explore mode)."""
        if not self.app.explore:
            self.ring_visible = False       # a touch: the tenant sees, no ring
            return False
        pos = touch.pos
        keyboard = self._keyboard_at(pos)
        if keyboard is not None:
            x, y = keyboard.to_widget(*pos)            # window -> the keyboard's own coordinates
            key = None if keyboard.collide_margin(x, y) else keyboard.get_key_at_pos(x, y)
            touch.ud["focus.key"] = (keyboard, key)
            return False                    # keys type at once; said on release
        target = self._control_at(pos)
        if target is None:
            label = self._label_at(pos)
            if label is not None:
                self.say(_plain(label.text))
            return False                    # scrolling and the rest work as usual
        now = self._clock()
        if target is self._explored and now - self._explored_at <= EXPLORE_SECONDS:
            self._explored = None           # the second touch: the control does its work
            return False
        self._explored, self._explored_at = target, now
        touch.ud["focus.explored"] = True
        # Only said and ringed: a field does not take the keyboard yet, and the page stays
        # still under the finger (no scrolling).
        self.focused = target
        self.ring_visible = True
        self.speak(target)
        return True

    def touch_move(self, touch) -> bool:
        return bool(touch.ud.get("focus.explored"))

    def touch_up(self, touch) -> bool:
        pressed = touch.ud.pop("focus.key", None)
        if pressed is not None and pressed[1] is not None:
            keyboard = pressed[0]
            x, y = keyboard.to_widget(*touch.pos)
            released = None if keyboard.collide_margin(x, y) else keyboard.get_key_at_pos(x, y)
            if released is not None and released[1] == pressed[1][1]:     # a key types on release over it
                Clock.schedule_once(lambda _dt: self._say_key(*pressed), 0)
        return bool(touch.ud.get("focus.explored"))

    def _say_key(self, keyboard, found) -> None:
        key = found[0]
        _shown, typed, keycode, _width = key
        if keycode:
            text = getattr(keyboard, "_key_text", lambda k: k[0])(key)
            self.say(_plain("".join(char for char in text if char.isalnum() or char.isspace())))
        elif typed:
            self.say(typed, personal=True)

    def _control_at(self, pos):
        hits = [control for control in self.controls() if _collides(control, pos)]
        return min(hits, key=lambda w: w.width * w.height) if hits else None

    def _keyboard_at(self, pos):
        for node in self.focus_root().walk(restrict=True):
            if (isinstance(node, VKeyboard) and node.opacity > 0 and node.height > 1
                    and getattr(node, "field", True) is not None and _collides(node, pos)):
                return node
        return None

    def _label_at(self, pos):
        hits = [node for node in self.focus_root().walk(restrict=True)
                if isinstance(node, Label) and node.text.strip() and node.opacity > 0
                and node.height > 0 and _collides(node, pos)]
        return min(hits, key=lambda w: w.width * w.height) if hits else None

    # --- the ring --------------------------------------------------------------------------------

    def on_ring_visible(self, *_args) -> None:
        self._follow()

    def on_focused(self, *_args) -> None:
        self._follow()

    def _follow(self, *_args) -> None:
        """Put the ring on the focused control. Also called while the window is drawn (the
        Callback before the ring's lines), after every layout: the ring follows the control
        as it scrolls, as the on-screen keyboard opens, as the text grows."""
        widget = self.focused
        shown = (self.ring_visible and widget is not None and widget.get_root_window() is not None
                 and _usable(widget))
        rect = window_rect(widget) if shown else None
        if rect != self._ring_rect:
            self._ring_rect = rect
            self._redraw_ring()

    def ring_rect(self):
        """The ring's rectangle in window coordinates (x, y, w, h), None while hidden (tests)."""
        return self._ring_rect

    def _redraw_ring(self, *_args) -> None:
        rect = self._ring_rect
        if rect is None:
            self._ring_colour.rgba = self._ring_edge.rgba = (0, 0, 0, 0)
            self._ring_line.points = self._ring_outer.points = []
            return
        x, y, w, h = rect
        # Kivy draws a Line `width` on each side of its path: the band is 2 * width thick.
        band = dp(RING_WIDTH)
        middle = dp(RING_GAP) + band / 2
        self._ring_line.width = band / 2
        self._ring_colour.rgba = self.app.theme.focus
        ring = (x - middle, y - middle, w + 2 * middle, h + 2 * middle)
        self._ring_line.rectangle = ring
        # Under it, a band in the background colour 2 dp wider on each side: a light edge on
        # both sides of the ring, so that it stands out on the dark top bar as on white.
        self._ring_edge.rgba = self.app.theme.background
        self._ring_outer.width = band / 2 + dp(2)
        self._ring_outer.rectangle = ring

    # --- visitors ----------------------------------------------------------------------------------

    def _speech_switched(self, _app, on: bool) -> None:
        if not on:
            self.app.explore = False        # touches would only speak, and nobody would hear

    def reset(self, *_args) -> None:
        self._announced = False
        self._explored = None
        self.focused = None
        self.ring_visible = False

    def stop(self, *_args) -> None:
        if self._field_watch is not None:
            self._field_watch.cancel()
            self._field_watch = None


def _is_switch(widget) -> bool:
    return getattr(widget, "icon", None) in SWITCH_ICONS and hasattr(widget, "active")


def _accepts(function, name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
