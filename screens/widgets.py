"""Widgets shared by every screen: the bars, the overlays (idle warning, language chooser), the
satisfaction faces, big buttons and labels (KV rules in widgets.kv)."""

from __future__ import annotations

import logging
from pathlib import Path

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line, Rectangle, Triangle
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (BooleanProperty, ColorProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from kiosk.outbox import OutboxError

log = logging.getLogger(__name__)

# Mouse buttons that are not a tenant's touch: no context menus, no multitouch emulation.
IGNORED_BUTTONS = ("right", "middle")


def _ignored(touch) -> bool:
    return "button" in touch.profile and touch.button in IGNORED_BUTTONS


class KioskRoot(FloatLayout):
    """The bars and the screens (ids top_bar, screens, call_bar), with room above them for a
    full-screen overlay. Every touch reaches the app first, as a sign the visitor is there."""

    overlay = ObjectProperty(None, allownone=True)
    # An on-screen keyboard is out (screens/forms.py): the bars make room for the field.
    keyboard_out = BooleanProperty(False)

    def show_overlay(self, widget) -> None:
        if self.overlay is widget:
            return
        self.hide_overlay()
        self.overlay = widget
        self.add_widget(widget)

    def hide_overlay(self, widget=None) -> None:
        if self.overlay is not None and (widget is None or widget is self.overlay):
            self.remove_widget(self.overlay)
            self.overlay = None

    def on_touch_down(self, touch):
        if _ignored(touch):
            return True
        app = App.get_running_app()
        app.visitor_active()
        if self._focus(app) is not None and app.focus.touch_down(touch):
            return True                  # explore mode: this touch only says the control
        return super().on_touch_down(touch)

    def on_touch_move(self, touch):
        if _ignored(touch):
            return True
        app = App.get_running_app()
        app.visitor_active()
        if self._focus(app) is not None and app.focus.touch_move(touch):
            return True
        return super().on_touch_move(touch)

    def on_touch_up(self, touch):
        if _ignored(touch):
            return True
        app = App.get_running_app()
        if self._focus(app) is not None and app.focus.touch_up(touch):
            return True
        return super().on_touch_up(touch)

    @staticmethod
    def _focus(app):
        """The keypad navigator (screens/focus.py), which also handles explore mode."""
        return getattr(app, "focus", None)


class Overlay(FloatLayout):
    """A full-screen layer over the screens: touches never reach what lies beneath."""

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True

    def on_touch_move(self, touch):
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch):
        super().on_touch_up(touch)
        return True


class IdleWarning(Overlay):
    """ "Vous êtes toujours là ?" with the countdown (app.idle_seconds_left) and "Je continue".
    Any touch on it counts as "Je continue": the visitor is there."""

    def on_touch_up(self, touch):
        super().on_touch_up(touch)
        if touch.grab_current is None:
            App.get_running_app().keep_visiting()
        return True


class LanguageChooser(Overlay):
    """One big button per offered language, each named in itself. Touching outside closes it."""

    def on_touch_up(self, touch):
        super().on_touch_up(touch)
        if touch.grab_current is None and not self.ids.panel.collide_point(*touch.pos):
            App.get_running_app().close_language_chooser()
        return True


class Drawing(Widget):
    """A picture drawn with canvas lines (no font or file needed), in the colour `ink`;
    redrawn when its size, place or colour changes."""

    ink = ColorProperty([0, 0, 0, 1])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, ink=self.redraw)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(rgba=self.ink)
            self.draw(self.x, self.y, self.width, self.height)

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        raise NotImplementedError


class ToolIcon(Drawing):
    """The picture of a top-bar button: two letters A, a half-filled circle, a loudspeaker,
    a globe."""

    icon = StringProperty("")

    def on_icon(self, *_args) -> None:
        self.redraw()

    def draw(self, x, y, w, h) -> None:
        cx, cy, r = x + w / 2, y + h / 2, min(w, h) * 0.45
        if self.icon == "text_size":
            Line(points=[x, y + h * 0.1, x + w * 0.17, y + h * 0.6, x + w * 0.34, y + h * 0.1],
                 width=dp(1.6))
            Line(points=[x + w * 0.06, y + h * 0.28, x + w * 0.28, y + h * 0.28], width=dp(1.4))
            Line(points=[x + w * 0.42, y + h * 0.05, x + w * 0.71, y + h * 0.95, x + w, y + h * 0.05],
                 width=dp(2.2))
            Line(points=[x + w * 0.53, y + h * 0.38, x + w * 0.89, y + h * 0.38], width=dp(2))
        elif self.icon == "contrast":
            Line(circle=(cx, cy, r), width=dp(2))
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r), angle_start=180, angle_end=360)
        elif self.icon == "speech":
            Rectangle(pos=(x, cy - h * 0.14), size=(w * 0.18, h * 0.28))
            Triangle(points=[x + w * 0.08, cy, x + w * 0.44, cy + h * 0.38, x + w * 0.44, cy - h * 0.38])
            for radius in (w * 0.2, w * 0.38):
                Line(ellipse=(x + w * 0.5 - radius, cy - radius, 2 * radius, 2 * radius, 50, 130),
                     width=dp(2))
        elif self.icon == "language":
            Line(circle=(cx, cy, r), width=dp(2))
            Line(ellipse=(cx - r * 0.45, cy - r, r * 0.9, 2 * r), width=dp(1.5))
            Line(points=[cx - r, cy, cx + r, cy], width=dp(1.5))
            Line(points=[cx, cy - r, cx, cy + r], width=dp(1.5))
        elif self.icon == "explore":       # a finger touching, with sound waves above it
            tip = y + h * 0.55
            Line(points=[cx, y + h * 0.05, cx, tip], width=dp(4), cap="round")
            for radius in (w * 0.2, w * 0.36):
                Line(ellipse=(cx - radius, tip - radius, 2 * radius, 2 * radius, -60, 60),
                     width=dp(2))
        elif self.icon == "repeat":        # a circular arrow: once more
            Line(ellipse=(cx - r, cy - r, 2 * r, 2 * r, 40, 330), width=dp(2.2))
            Triangle(points=[cx - r * 0.75, cy + r * 0.25, cx - r * 0.1, cy + r * 1.05,
                             cx + r * 0.35, cy + r * 0.3])


class Face(Drawing):
    """A face: 1 frowns, 2 has a straight mouth, 3 smiles."""

    score = NumericProperty(2)

    def on_score(self, *_args) -> None:
        self.redraw()

    def draw(self, x, y, w, h) -> None:
        cx, cy = x + w / 2, y + h / 2
        r = min(w, h) * 0.45
        stroke = max(dp(3), r * 0.07)
        Line(circle=(cx, cy, r), width=stroke)
        eye = r * 0.2
        for side in (-1, 1):
            Ellipse(pos=(cx + side * r * 0.35 - eye / 2, cy + r * 0.15), size=(eye, eye * 1.3))
        mouth = r * 0.5
        if self.score >= 3:
            Line(ellipse=(cx - mouth, cy - r * 0.55, 2 * mouth, 1.6 * mouth, 115, 245),
                 width=stroke, cap="round")
        elif self.score <= 1:
            Line(ellipse=(cx - mouth, cy - r * 0.95, 2 * mouth, 1.6 * mouth, -65, 65),
                 width=stroke, cap="round")
        else:
            Line(points=[cx - mouth * 0.8, cy - r * 0.4, cx + mouth * 0.8, cy - r * 0.4],
                 width=stroke, cap="round")


class ToolButton(ButtonBehavior, BoxLayout):
    """A button of the top bar (text size, contrast, speech, language); `active` for a toggle
    that is on. Its picture (`icon`) is drawn in widgets.kv."""

    text = StringProperty("")
    icon = StringProperty("")     # "text_size" | "contrast" | "speech" | "language"
    active = BooleanProperty(False)


class ChoiceButton(ToggleButton):
    """One answer of a choice (yes / no): "down" shows the answer given, which KV sets from the
    screen's value (`state: "down" if root.consent is True else "normal"`). Pressing does not
    turn it on, unlike Kivy's ToggleButton: the answer is given on release, over the button, so
    a finger that slides off leaves the answer and its picture as they were."""

    def _do_press(self):
        pass


class FaceButton(ButtonBehavior, BoxLayout):
    """One of the three satisfaction faces; score 1 unhappy, 2 neutral, 3 happy."""

    score = NumericProperty(2)
    text = StringProperty("")


class FeedbackFaces(BoxLayout):
    """Three big faces after a journey; optional. One touch queues a "feedback" action
    {"journey", "score"}, then says thanks and offers "Accueil". clear() shows the faces again."""

    journey = StringProperty("")          # e.g. "account", "booking", "cancel"
    services = ObjectProperty(None, allownone=True)   # defaults to the app's
    given = NumericProperty(0)            # the score given; 0 = none yet

    def give(self, score: int) -> None:
        if self.given:
            return                        # one answer per journey
        self.given = score
        services = self.services or App.get_running_app().services
        try:
            services.submit("feedback", {"journey": self.journey, "score": int(score)})
        except OutboxError:
            # An opinion lost is no harm to the tenant: thank them all the same.
            log.exception("could not queue feedback for %s", self.journey)

    def clear(self) -> None:
        self.given = 0


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
