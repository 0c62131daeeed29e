"""Form widgets every journey uses: fields, the on-screen keyboard, QR codes, picture buttons.

A form screen in KV (once `import screens.forms` has run):

    BoxLayout:
        orientation: "vertical"
        FormScroll:                      # the fields; keeps the focused one in view
            FormField:
                id: surname_field
                label: "Votre nom"
                keyboard: "azerty"
        KioskKeyboard:                   # one per screen, at the bottom, outside the FormScroll
            on_done: root.confirm()

The keyboard shows itself while a FormField of its screen has the focus and hides otherwise.
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, Label as CoreLabel
from kivy.core.text.markup import MarkupLabel
from kivy.graphics import ClearBuffers, ClearColor, Color, Fbo, Line, Rectangle, RoundedRectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import (BooleanProperty, ColorProperty, ListProperty, NumericProperty,
                             ObjectProperty, OptionProperty, StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.behaviors.focus import FocusBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.vkeyboard import VKeyboard
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from kiosk.i18n import N_, translate
from kiosk.receipts import qr_matrix
from screens.fit import text_height

ROOT = Path(__file__).resolve().parent.parent
KEYBOARDS_DIR = ROOT / "assets" / "keyboards"
PICTURES_DIR = ROOT / "assets" / "pictures"
KEYBOARD_KINDS = ("azerty", "email", "numpad")

# Words written on the keyboard's keys (the JSON layouts hold these French msgids).
KEY_TEXTS = (N_("Effacer"), N_("Espace"), N_("Suivant"), N_("OK"), N_("Majuscule"),
             N_("Tout en majuscules"))
# A picture beside the word, for those who read little. The keys are written in the kiosk's
# font (Kivy's default, assets/fonts); these symbols, which it lacks, in DejaVu Sans (KEY_FONT).
KEY_ICONS = {"backspace": "\u232b", "shift": "\u21e7", "capslock": "\u21ea"}
KEY_FONT = "data/fonts/DejaVuSans.ttf"
KEY_HEIGHT = 68          # dp: every key is a full touch target, 17 mm (five rows of 110 would not fit)
# dp, with larger text or a call's status in the bar: the field and its label keep their room
# above five rows (61 dp is still 15 mm: tests/test_touch_targets_ui.py).
COMPACT_KEY_HEIGHT = 61
# A field's texts never shrink below this (times their 100 % size) to fit above a keyboard;
# below 1 only at 200 % with a call's status in the bar too.
SMALLEST_FIELD_SCALE = 0.8
KEY_GAP = 6.5            # dp around each key: 3 mm or more between two keys
BOARD_PADDING = 6        # dp above and below the keys
MAX_KEY_WIDTH = 170      # dp per column: a numpad stays a pad, centred, not a 1280 px wide strip


def picture(name: str) -> str:
    """Absolute path of assets/pictures/<name>.png, for KV `source:`."""
    return str(PICTURES_DIR / f"{name}.png")


def _screen_of(widget):
    """The Screen holding widget (the topmost ancestor when there is none)."""
    node = widget
    while node.parent is not None and not isinstance(node, Screen):
        if node.parent is node:      # the Window is its own parent
            break
        node = node.parent
    return node


class FormInput(TextInput):
    """The text box of a FormField: one line, never longer than max_length."""

    max_length = NumericProperty(0)      # 0: no limit

    def insert_text(self, substring, from_undo=False):
        substring = substring.replace("\r", "").replace("\n", "")
        if self.max_length and not from_undo:
            room = int(self.max_length) - len(self.text) + len(self.selection_text)
            substring = substring[:max(0, room)]
        return super().insert_text(substring, from_undo=from_undo)


class FormField(BoxLayout):
    """A labelled input: label, hint (msgids, shown translated), error (shown as is)."""

    label = StringProperty("")
    hint = StringProperty("")
    text = StringProperty("")
    error = StringProperty("")
    keyboard = OptionProperty("azerty", options=KEYBOARD_KINDS)
    max_length = NumericProperty(0)
    focused = BooleanProperty(False)     # read-only mirror of the input's focus, for KV
    text_scale = NumericProperty(1.0)    # the visitor's text size (forms.kv: app.text_scale)
    room = NumericProperty(0)            # the height its FormScroll shows; 0: no limit
    # What the label, box and error are drawn at: text_scale, or less (SMALLEST_FIELD_SCALE) so
    # that all three fit in `room` while typed in (a keyboard out leaves little; the label stays).
    font_scale = NumericProperty(1.0)

    def on_kv_post(self, base_widget) -> None:
        fit = Clock.create_trigger(self._fit, -1)
        for name in ("text_scale", "room", "width", "focused"):
            self.fbind(name, fit)
        self.ids.label_text.fbind("text", fit)
        self.ids.error_label.fbind("text", fit)
        self._fit()

    def _fit(self, *_args) -> None:
        scale = self.text_scale
        # Only the field being typed in: the rest of the form stays still.
        if self.focused and self.room > 0 and self.width > 1:
            while scale > SMALLEST_FIELD_SCALE and self._height_at(scale) > self.room:
                scale = max(SMALLEST_FIELD_SCALE, scale - 0.1)
        self.font_scale = scale

    def _height_at(self, scale: float) -> float:
        """The field's height with its texts at this scale (sizes as in forms.kv)."""
        box = self.ids.input
        label, error = self.ids.label_text.text, self.ids.error_label.text
        return (text_height(label, sp(28) * scale, self.width, bold=True)
                + text_height("Ég", sp(32) * scale, 10000) + box.padding[1] + box.padding[3]
                + text_height(error, sp(26) * scale, self.width, bold=True)
                + 2 * self.spacing)

    def focus(self) -> None:
        """Give this field the focus: the keyboard follows, and the form scrolls to it."""
        box = self.ids.input
        box.focus = True
        box.do_cursor_movement("cursor_end")

    def unfocus(self) -> None:
        self.ids.input.focus = False

    def clear(self) -> None:
        """Forget the value and the error (a tenant leaves)."""
        self.unfocus()
        self.text = ""
        box = self.ids.input
        box.text = ""
        box.reset_undo()      # Ctrl+Z on a real keyboard must not bring the last tenant's text back
        box.cancel_selection()
        self.error = ""

    def type(self, text: str) -> None:
        """Insert text at the cursor, as a key of the on-screen keyboard does."""
        self.ids.input.insert_text(text)

    def delete_back(self) -> None:
        self.ids.input.do_backspace()

    def advance(self) -> None:
        """"Suivant", or Enter on a real keyboard: the next field, or the keyboard's on_done."""
        keyboard = self._keyboard()
        if keyboard is not None:
            keyboard.advance(self)

    def _on_input_focus(self, _input, focused: bool) -> None:
        self.focused = focused
        keyboard = self._keyboard()
        if focused:
            if keyboard is not None:
                keyboard.attach(self)
            scroll = self._scroll()
            if scroll is not None:
                scroll.show(self)
        elif keyboard is not None and keyboard.field is self:
            keyboard.detach()

    def _keyboard(self):
        for node in _screen_of(self).walk(restrict=True):
            if isinstance(node, KioskKeyboard):
                return node
        return None

    def _scroll(self):
        node = self.parent
        while node is not None and node is not node.parent:
            if isinstance(node, FormScroll):
                return node
            node = node.parent
        return None


class FormScroll(ScrollView):
    """The fields of a form, stacked top to bottom, scrolled so the focused one is fully in view.

    Children given in KV go into an inner vertical box (spacing and padding below).
    """

    spacing = NumericProperty(dp(16))
    padding = ListProperty([dp(24), dp(16), dp(24), dp(16)])
    content = ObjectProperty(None)

    def __init__(self, **kwargs):
        self._wanted = None
        self._trigger_show = Clock.create_trigger(self._show_wanted, 0)
        box = BoxLayout(orientation="vertical", size_hint_y=None)
        box.bind(minimum_height=box.setter("height"))
        self.content = box
        super().__init__(**kwargs)
        super().add_widget(box)
        self.fbind("spacing", self._sync_box)
        self.fbind("padding", self._sync_box)
        self._sync_box()
        # When the keyboard opens the view gets shorter; an error line makes a field taller.
        self.fbind("size", self._trigger_show)
        box.fbind("height", self._trigger_show)
        self.fbind("height", self._fit_inputs)
        self.fbind("padding", self._fit_inputs)

    def _fit_inputs(self, *_args) -> None:
        # With the biggest text and the keyboard out, a field could be taller than the room
        # left above the keyboard: its texts shrink to fit (FormField.font_scale).
        room = self.height - dp(12)      # the view, less a margin (the box's padding scrolls away)
        for node in self.content.walk(restrict=True):
            if isinstance(node, FormField):
                node.room = max(1, room)

    def _sync_box(self, *_args):
        self.content.spacing = self.spacing
        self.content.padding = self.padding

    def add_widget(self, widget, *args, **kwargs):
        if self.content is None or widget is self.content:
            return super().add_widget(widget, *args, **kwargs)
        done = self.content.add_widget(widget, *args, **kwargs)
        self._fit_inputs()
        return done

    def remove_widget(self, widget, *args, **kwargs):
        if widget is self.content:
            return super().remove_widget(widget, *args, **kwargs)
        return self.content.remove_widget(widget, *args, **kwargs)

    def clear_widgets(self, *args, **kwargs):
        return self.content.clear_widgets(*args, **kwargs)

    def show(self, widget) -> None:
        """Scroll widget into view, and keep it there while it has the focus: the view shrinks
        when the keyboard opens, and a field moves or grows (an error line, bigger text)."""
        self._follow(None)
        self._follow(widget)
        self._show_wanted()
        self._trigger_show()

    def _follow(self, widget) -> None:
        watched = [] if self._wanted is None else [self._wanted]
        if isinstance(self._wanted, FormField):
            watched.append(self._wanted.ids.input)
        for node in watched:
            node.funbind("pos", self._trigger_show)
            node.funbind("size", self._trigger_show)
        self._wanted = widget
        watched = [] if widget is None else [widget]
        if isinstance(widget, FormField):
            watched.append(widget.ids.input)
        for node in watched:
            node.fbind("pos", self._trigger_show)
            node.fbind("size", self._trigger_show)

    def _show_wanted(self, *_args) -> None:
        widget = self._wanted
        if widget is None:
            return
        if isinstance(widget, FormField) and not widget.focused:
            self._follow(None)       # the tenant moved on; leave the scroll where they put it
            return
        if widget.get_root_window() is None:
            return
        if isinstance(widget, FormField) and widget.height > self.height:
            widget = widget.ids.input      # no room for all of it: the box typed in comes first
        if self.content._trigger_layout.is_triggered:
            # Positions are stale until the form is laid out: try again next frame (scroll_to
            # would retry by itself, but later, for whatever widget was wanted back then).
            self._trigger_show()
            return
        # Some space around it where there is room (scroll_to takes its padding in dp).
        spare = max(0.0, (self.height - widget.height) / 2 / dp(1))
        self.scroll_to(widget, padding=min(12.0, spare), animate=False)


class KioskKeyboard(VKeyboard):
    """The on-screen keyboard of one form screen, drawn flat in the theme's colours.

    Follows the focused FormField of its screen (its `keyboard` kind picks the JSON layout) and
    types into it. Keys act on release over the same key (sliding off cancels) and never repeat:
    an older hand often rests on a key. "Suivant" goes to the next field; on the last field the
    key reads "OK" and fires on_done(field).
    """

    field = ObjectProperty(None, allownone=True)   # the FormField typed into; None = hidden
    has_next = BooleanProperty(False)
    board_height = NumericProperty(0)              # the keyboard's height while shown
    compact = BooleanProperty(False)               # shorter keys (forms.kv says when)
    # Colours, set from app.theme in forms.kv.
    board_color = ColorProperty([0.93, 0.93, 0.93, 1])
    key_color = ColorProperty([1, 1, 1, 1])
    key_text_color = ColorProperty([0.1, 0.1, 0.1, 1])
    action_color = ColorProperty([0, 0.35, 0.6, 1])
    action_text_color = ColorProperty([1, 1, 1, 1])
    pressed_color = ColorProperty([0, 0.2, 0.4, 1])
    pressed_text_color = ColorProperty([1, 1, 1, 1])
    border_color = ColorProperty([0.43, 0.43, 0.43, 1])
    switched_on_color = ColorProperty([0.89, 0.45, 0, 1])   # the thick edge of a key that is "on"
    text_scale = NumericProperty(1.0)
    language = StringProperty("fr")

    layout_path = StringProperty(str(KEYBOARDS_DIR))
    layout = StringProperty("azerty")

    __events__ = ("on_done",)

    def __init__(self, **kwargs):
        kwargs.setdefault("do_translation", False)
        kwargs.setdefault("do_rotation", False)
        kwargs.setdefault("do_scale", False)
        kwargs.setdefault("size_hint", (1, None))
        kwargs.setdefault("font_name", DEFAULT_FONT)     # VKeyboard's own default is DejaVu Sans
        self._keys: dict = {}          # (row, index) -> ((x, y, w, h), text shown, text texture)
        self._board = None
        self._screens: list = []
        self._watch = None
        super().__init__(**kwargs)
        redraw = Clock.create_trigger(lambda *_: self._redraw(), -1)
        for name in ("size", "board_color", "key_color", "key_text_color", "action_color",
                     "action_text_color", "pressed_color", "pressed_text_color", "border_color",
                     "switched_on_color", "text_scale", "language", "has_next"):
            self.fbind(name, redraw)
        self.fbind("layout", self._update_board_height)
        self.fbind("compact", self._update_board_height)
        self._update_board_height()

    # --- following the fields ----------------------------------------------------------------

    def attach(self, field: FormField) -> None:
        """Type into field from now on, with its kind of keyboard."""
        self.have_shift = self.have_capslock = self.have_special = False
        self.layout_mode = "normal"
        self.field = field
        self.layout = field.keyboard
        self.has_next = self._next_field(field) is not None
        self._update_board_height()
        self._bind_screen()
        if self._watch is None:
            self._watch = Clock.schedule_interval(self._check_field, 0.25)

    def clear(self) -> None:
        """A tenant leaves: stop typing into any field, small letters again."""
        if self.field is not None:
            self.field.unfocus()
        self.detach()

    def detach(self) -> None:
        self.field = None
        self.have_shift = self.have_capslock = False
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def fields(self) -> list:
        """The FormFields of this keyboard's screen a tenant can see, top to bottom."""
        return [node for node in _screen_of(self).walk(restrict=True)
                if isinstance(node, FormField) and _is_shown(node)]

    def advance(self, field: FormField | None = None) -> None:
        field = field or self.field
        if field is None:
            return
        following = self._next_field(field)
        if following is not None:
            following.focus()
        else:
            self.dispatch("on_done", field)

    def on_done(self, field) -> None:
        """"OK" on the last field: the screen checks the form and moves on."""

    def _next_field(self, field):
        shown = self.fields()
        if field in shown and shown.index(field) + 1 < len(shown):
            return shown[shown.index(field) + 1]
        return None

    def _bind_screen(self) -> None:
        # Every Screen around the keyboard: a journey's step screen, and the journey's own.
        screens = []
        node = self.parent
        while node is not None and node is not node.parent:
            if isinstance(node, Screen):
                screens.append(node)
            node = node.parent
        if screens == self._screens:
            return
        for screen in self._screens:
            screen.unbind(on_pre_leave=self._screen_leaving)
        for screen in screens:
            screen.bind(on_pre_leave=self._screen_leaving)
        self._screens = screens

    def _screen_leaving(self, *_args) -> None:
        self.clear()     # typing must never go on into a field the tenant can no longer see

    def _check_field(self, _dt) -> None:
        field = self.field
        if field is not None and (not _is_shown(field) or not field.focused):
            field.unfocus()
            self.detach()

    def _update_board_height(self, *_args) -> None:
        rows = self.available_layouts.get(self.layout, {}).get("rows", 5)
        key_height = COMPACT_KEY_HEIGHT if self.compact else KEY_HEIGHT
        self.board_height = rows * dp(key_height + 2 * KEY_GAP) + 2 * dp(BOARD_PADDING)

    def on_field(self, _keyboard, field) -> None:
        # While a keyboard is out the bars make room (widgets.kv: KioskRoot.keyboard_out).
        root = getattr(App.get_running_app(), "root", None)
        if root is not None and hasattr(root, "keyboard_out"):
            root.keyboard_out = field is not None

    # --- keys ----------------------------------------------------------------------------------

    def press_key(self, key: list) -> None:
        """What one key does; key is a JSON layout entry [shown, typed, keycode, width]."""
        _shown, typed, keycode, _width = key
        field = self.field
        if keycode == "shift":
            self._toggle_shift()
        elif keycode == "capslock":
            self._toggle_capslock()
        elif field is None:
            return
        elif keycode == "backspace":
            field.delete_back()
        elif keycode == "enter":
            self.advance(field)
        elif typed:
            field.type(typed)
            if self.have_shift:
                self.have_shift = False      # one capital, then back to small letters
        if keycode in ("shift", "capslock"):
            self._redraw()                   # the key shows its new state

    def _toggle_shift(self) -> None:
        # "Majuscule": the next letter only; "Tout en majuscules": until touched again. Each key
        # does one thing and shows when it is on; turning one on turns the other off.
        if self._has_mode("shift"):
            self.have_shift, self.have_capslock = not self.have_shift, False

    def _toggle_capslock(self) -> None:
        if self._has_mode("shift"):
            self.have_shift, self.have_capslock = False, not self.have_capslock

    def _has_mode(self, mode: str) -> bool:
        return f"{mode}_1" in self.available_layouts.get(self.layout, {})

    def key_center(self, wanted: str) -> tuple[float, float]:
        """Window coordinates of the key that types, shows, or has the keycode wanted (tests)."""
        layout = self.available_layouts[self.layout]
        for line_nb in range(1, layout["rows"] + 1):
            keys = layout[f"{self.layout_mode}_{line_nb}"]
            for index, key in enumerate(keys):
                if wanted in (key[0], key[1], key[2]):
                    (x, y), (w, h) = self.layout_geometry[f"LINE_{line_nb}"][index]
                    return self.to_window(*self.to_parent(x + w / 2, y + h / 2))
        raise LookupError(f"no key {wanted!r} on the {self.layout} keyboard ({self.layout_mode})")

    def key_rects(self) -> list[tuple[list, tuple[float, float, float, float]]]:
        """Every key of the current layout with its window rectangle (x, y, w, h) (tests)."""
        layout = self.available_layouts[self.layout]
        found = []
        for line_nb in range(1, layout["rows"] + 1):
            keys = layout[f"{self.layout_mode}_{line_nb}"]
            for key, ((x, y), (w, h)) in zip(keys, self.layout_geometry[f"LINE_{line_nb}"]):
                wx, wy = self.to_window(*self.to_parent(x, y))
                found.append((key, (wx, wy, w, h)))
        return found

    # --- touches: act on release, over the key pressed -----------------------------------------

    def _key_at(self, touch):
        x, y = self.to_local(*touch.pos)
        if self.collide_margin(x, y):
            return None
        return self.get_key_at_pos(x, y)

    def on_touch_down(self, touch):
        if self.field is None or not self.collide_point(*touch.pos):
            return False
        FocusBehavior.ignored_touch.append(touch)    # typing must not take the focus from the field
        if touch.is_mouse_scrolling:
            return True
        key = self._key_at(touch)
        if key is not None:
            touch.grab(self)
            touch.ud[self.uid] = key
            self.active_keys[touch.uid] = key[1]
            self.refresh_active_keys_layer()
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return self.field is not None and self.collide_point(*touch.pos)
        pressed = touch.ud.get(self.uid)
        here = self._key_at(touch)
        over = here is not None and pressed is not None and here[1] == pressed[1]
        if over:
            self.active_keys[touch.uid] = pressed[1]
        else:
            self.active_keys.pop(touch.uid, None)
        self.refresh_active_keys_layer()
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return self.field is not None and self.collide_point(*touch.pos)
        touch.ungrab(self)
        self.active_keys.pop(touch.uid, None)
        pressed = touch.ud.pop(self.uid, None)
        here = self._key_at(touch)
        self.refresh_active_keys_layer()
        if pressed is not None and here is not None and here[1] == pressed[1]:
            self.press_key(pressed[0])
        return True

    # --- drawing: flat keys in the theme's colours instead of VKeyboard's atlas ----------------

    def _redraw(self) -> None:
        if self.layout in self.available_layouts and self.layout_geometry.get("U_HINT"):
            self.refresh(True)

    def refresh_keys_hint(self):
        # Centre the keys, no wider than MAX_KEY_WIDTH per column; thin margins top and bottom.
        layout = self.available_layouts[self.layout]
        w, h = max(self.width, 1), max(self.height, 1)
        keys_width = min(w - 2 * dp(8), layout["cols"] * dp(MAX_KEY_WIDTH))
        side = (w - keys_width) / 2 / w
        edge = dp(BOARD_PADDING) / h
        self.margin_hint = [edge, side, edge, side]
        gap = dp(KEY_GAP)
        self.key_margin = [gap, gap, gap, gap]
        super().refresh_keys_hint()

    def draw_keys(self):
        # The board changes only with the layout, the mode or the theme: draw it once into a
        # texture, so a frame costs one rectangle (software GL took 0.2 s a frame otherwise).
        layout = self.available_layouts[self.layout]
        mode = self.layout_mode
        self._keys.clear()
        self.background_key_layer.clear()
        width, height = int(self.width), int(self.height)
        if height < dp(COMPACT_KEY_HEIGHT) or width < 1:
            return       # hidden: nothing to draw
        board = Fbo(size=(width, height))
        radius = dp(10)
        with board:
            ClearColor(0, 0, 0, 0)
            ClearBuffers()
            Color(rgba=self.board_color)
            Rectangle(pos=(0, 0), size=(width, height))
            Color(rgba=self.border_color)
            Line(points=[0, height - dp(1), width, height - dp(1)], width=dp(1))
            for line_nb in range(1, layout["rows"] + 1):
                keys = layout[f"{mode}_{line_nb}"]
                for index, ((x, y), (w, h)) in enumerate(self.layout_geometry[f"LINE_{line_nb}"]):
                    key = keys[index]
                    background, foreground = self._style(key)
                    text = self._key_text(key)
                    texture = _text_texture(text, self.font_name, self._font_size(key, text, w),
                                            bold=key[2] is not None)
                    self._keys[(line_nb, index)] = ((x, y, w, h), text, texture)
                    Color(rgba=background)
                    RoundedRectangle(pos=(x, y), size=(w, h), radius=[radius])
                    switched_on = self._is_on(key)
                    Color(rgba=self.switched_on_color if switched_on else self.border_color)
                    Line(rounded_rectangle=(x, y, w, h, radius),
                         width=dp(4) if switched_on else dp(1.2))
                    Color(rgba=foreground)      # the text is drawn white, tinted here
                    Rectangle(texture=texture, size=texture.size, pos=_centred(texture, x, y, w, h))
        self._board = board
        self.background_key_layer.add(board)      # renders into its texture when it changed
        with self.background_key_layer:
            Color(1, 1, 1, 1)
            Rectangle(texture=board.texture, pos=(0, 0), size=(width, height))

    def refresh_active_keys_layer(self):
        self.active_keys_layer.clear()
        radius = dp(10)
        with self.active_keys_layer:
            for where in self.active_keys.values():
                found = self._keys.get(tuple(where))
                if found is None:
                    continue
                (x, y, w, h), _text, texture = found
                Color(rgba=self.pressed_color)
                RoundedRectangle(pos=(x, y), size=(w, h), radius=[radius])
                Color(rgba=self.pressed_text_color)
                Rectangle(texture=texture, size=texture.size, pos=_centred(texture, x, y, w, h))

    def key_texts(self) -> list[str]:
        """What the keys of the current layout show, row by row (tests, speech)."""
        return [text for _rect, text, _texture in self._keys.values()]

    def _style(self, key) -> tuple:
        keycode = key[2]
        if keycode == "enter":
            return self.action_color, self.action_text_color
        if self._is_on(key):
            return self.pressed_color, self.pressed_text_color     # "on" looks pressed
        return self.key_color, self.key_text_color

    def _is_on(self, key) -> bool:
        return ((key[2] == "shift" and self.have_shift)
                or (key[2] == "capslock" and self.have_capslock))

    def _key_text(self, key) -> str:
        shown, _typed, keycode, _width = key
        if keycode == "enter":
            shown = "Suivant" if self.has_next else "OK"
        if shown in KEY_TEXTS:
            shown = translate(shown, self.language)
        icon = KEY_ICONS.get(keycode)
        return f"{icon} {shown}" if icon else shown

    def _font_size(self, key, text: str, width: float) -> float:
        scale = min(self.text_scale, 1.25)   # keys have a fixed size: past this, words overflow
        size = sp(30 if len(text) <= 2 else 24) * scale
        # A word must fit on its key: about 0.6 em per character.
        return min(size, (width - dp(12)) / max(len(text), 1) / 0.58)


def _text_texture(text: str, font_name: str, font_size: float, bold: bool):
    if text[:1] in KEY_ICONS.values():
        # The symbol in the font that has it, the word in the kiosk's font.
        text = f"[font={KEY_FONT}]{text[0]}[/font]{escape_markup(text[1:])}"
        label = MarkupLabel(text=text, font_name=font_name, font_size=font_size, bold=bold,
                            color=(1, 1, 1, 1))
    else:
        label = CoreLabel(text=text, font_name=font_name, font_size=font_size, bold=bold,
                          color=(1, 1, 1, 1))
    label.refresh()
    return label.texture


def _centred(texture, x, y, w, h) -> tuple[int, int]:
    return int(x + (w - texture.width) / 2), int(y + (h - texture.height) / 2)


def _is_shown(widget) -> bool:
    return (widget.get_root_window() is not None and not widget.disabled
            and widget.opacity > 0 and widget.height > 0)


class QRImage(Widget):
    """A QR code of data, one texel per module, scaled by whole pixels: crisp, black on white."""

    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    modules = NumericProperty(0)          # modules per side, quiet zone included

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.canvas:
            Color(1, 1, 1, 1)             # the texture's own colours, whatever the theme
            self._square = Rectangle()
        self.fbind("pos", self._place)
        self.fbind("size", self._place)
        self.fbind("texture", self._place)
        if self.texture is None and self.data:
            self.on_data(self, self.data)

    def on_data(self, _widget, data: str) -> None:
        if not data:
            self.modules, self.texture = 0, None
            return
        matrix = qr_matrix(data)
        side = len(matrix)
        dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"
        # Textures start at the bottom row; the matrix starts at the top.
        pixels = b"".join(dark if cell else light for row in reversed(matrix) for cell in row)
        texture = Texture.create(size=(side, side), colorfmt="rgba")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
        self.modules, self.texture = side, texture

    def _place(self, *_args) -> None:
        if not hasattr(self, "_square"):
            return
        side = min(self.width, self.height)
        if self.modules and side >= self.modules:
            side = int(side // self.modules) * self.modules     # whole pixels per module
        self._square.texture = self.texture
        self._square.size = (side, side) if self.texture is not None else (0, 0)
        self._square.pos = (int(self.center_x - side / 2), int(self.center_y - side / 2))


class PictureButton(ButtonBehavior, BoxLayout):
    """A big button: a picture, and a text under it (beside it with orientation "horizontal")."""

    source = StringProperty("")
    text = StringProperty("")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
