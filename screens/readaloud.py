"""Read-aloud in the window: which labels are said, and when (the voice is kiosk/speech.py).

Labels say what they are with the KV property `role` of KioskLabel: "heading", "instructions",
"error", "receipt"; `personal: True` marks a label that shows a name, a phone number, an e-mail
address or a reference (said only through a private headset). A screen (or its overlay) is read
top to bottom, visible labels only, in the order the KV declares them:
- on a screen change, a journey step change (a screen's `step`), the language changing, speech
  being turned on, an overlay (idle warning) appearing;
- an error label is said when its text changes to something, a receipt label when its text
  changes while shown (the hub's answer arriving).
Any touch and any screen change silence it first.
"""

from __future__ import annotations

import re

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager

ROLES = ("heading", "instructions", "receipt", "error")
SAID_WHEN_CHANGED = ("error", "receipt")
_MARKUP = re.compile(r"\[/?(?:b|i|u|s|sub|sup|size|color|font|font_family|font_context|"
                     r"font_features|text_language|ref|anchor)(?:=[^\]]*)?\]")
_ENTITIES = {"&bl;": "[", "&br;": "]", "&amp;": "&"}


def spoken_text(label) -> str:
    """The label's text as it reads: no markup tags, plain spaces."""
    text = label.text
    if getattr(label, "markup", False):
        text = _MARKUP.sub("", text)
        for entity, char in _ENTITIES.items():
            text = text.replace(entity, char)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def every_widget(top, every_screen: bool = False):
    """The widgets under `top`, in KV order. A ScreenManager gives its current screen only (the
    one leaving may still be a child for a frame), or every_screen: all of them."""
    stack = [top]
    while stack:
        widget = stack.pop()
        yield widget
        if isinstance(widget, ScreenManager):
            children = list(reversed(widget.screens)) if every_screen else (
                [widget.current_screen] if widget.current_screen is not None else [])
        else:
            children = list(widget.children)
        stack.extend(children)      # children are last-added first: popping gives KV order


def shown(label, top) -> bool:
    """In the tree under `top` (hence on the current screen and step), with text, not hidden."""
    widget = label
    while widget is not None:
        # Height 0 hides a label, unless its text arrived this frame and layout has not run yet.
        if widget.opacity <= 0 or (widget is label and widget.height <= 0 and label.texture_size[1] > 0):
            return False
        if widget is top:
            return bool(label.text.strip())
        if widget.parent is widget:
            return False       # the Window is its own parent: top is not above this label
        widget = widget.parent
    return False


class ReadAloud:
    """Created by the app once its screens are built; app.say() is the only way out."""

    def __init__(self, app, root):
        self.app = app
        self.root = root
        # One trigger for both: a step change that also fills a receipt is read once.
        self._whole_screen = False
        self._changed: list = []
        self._speak_soon = Clock.create_trigger(self._speak_now, 0)
        screens = root.ids.screens
        screens.bind(current=self._screen_changed)
        for screen in screens.screens:
            if "step" in screen.properties():
                screen.bind(step=self._step_changed)
        root.bind(overlay=self._screen_changed)
        app.bind(language=self._ask_for_screen, speech_on=self._speech_switched,
                 on_visitor_reset=self._visitor_gone)
        for widget in list(every_widget(root, every_screen=True)):
            self.watch(widget)
        Window.bind(on_touch_down=self._touched)

    def close(self) -> None:
        Window.unbind(on_touch_down=self._touched)

    def watch(self, widget) -> None:
        """Say an error or receipt label when its text changes (labels made later: call this)."""
        if isinstance(widget, Label) and getattr(widget, "role", "") in SAID_WHEN_CHANGED:
            widget.bind(text=self._label_changed)

    # --- what is read ---------------------------------------------------------------------------

    def current_top(self):
        """What the visitor sees: the overlay (idle warning, language chooser) or the screen."""
        return self.root.overlay or self.root.ids.screens.current_screen

    def screen_parts(self) -> list[tuple[str, bool]]:
        """(text, personal) of the current screen's labels with a role, top to bottom."""
        top = self.current_top()
        parts = []
        for widget in every_widget(top):
            if getattr(widget, "role", "") in ROLES and shown(widget, top):
                parts.append((spoken_text(widget), bool(getattr(widget, "personal", False))))
        return parts

    def speak_screen(self) -> None:
        self._say_parts(self.screen_parts())

    def _say_parts(self, parts: list[tuple[str, bool]], interrupt: bool = True) -> None:
        # One utterance, so that "Répéter" says it all again. Personal parts only through a
        # private headset (Speech drops the rest).
        private = self.app.speech.says_personal
        kept = [text for text, personal in parts if text and (private or not personal)]
        if kept:
            self.app.say("\n".join(kept), personal=any(p for _t, p in parts) and private,
                         interrupt=interrupt)

    # --- when ---------------------------------------------------------------------------------

    def _touched(self, *_args) -> None:
        self.app.speech.stop_speaking()     # returns at once; never consumes the touch

    def _screen_changed(self, *_args) -> None:
        self.app.speech.stop_speaking()
        self._ask_for_screen()

    def _step_changed(self, screen, _step) -> None:
        if screen.manager is not None and screen.manager.current_screen is screen:
            self._screen_changed()

    def _ask_for_screen(self, *_args) -> None:
        self._whole_screen = True
        self._speak_soon()

    def _speech_switched(self, _app, on: bool) -> None:
        if on:
            self._ask_for_screen()
        else:
            self.app.speech.stop_speaking()

    def _visitor_gone(self, *_args) -> None:
        self._whole_screen = False
        self._changed.clear()
        self.app.speech.clear()

    def _label_changed(self, label, text: str) -> None:
        if text.strip() and label not in self._changed:
            self._changed.append(label)
            self._speak_soon()

    def _speak_now(self, *_args) -> None:
        whole, labels = self._whole_screen, self._changed
        self._whole_screen, self._changed = False, []
        if not self.app.speech_on:
            return
        top = self.current_top()
        if whole:
            # The screen, its errors and receipt included; then news from outside it (call bar).
            outside = [label for label in labels
                       if shown(label, self.root) and not shown(label, top)]
            self._say_parts(self.screen_parts() + [(spoken_text(label), False) for label in outside])
            return
        # Anywhere in the window: the call bar's "Un agent arrive" too.
        labels = [label for label in labels if shown(label, self.root)]
        # An error cuts in; news on a receipt ("Demande bien reçue.") waits its turn.
        self._say_parts([(spoken_text(label), bool(getattr(label, "personal", False)))
                         for label in labels],
                        interrupt=any(label.role == "error" for label in labels))
