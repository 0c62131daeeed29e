"""The form widgets in the real app window: typing on the on-screen keyboard, the focused field
always in view above it, QR codes and picture buttons. The demo screen lives only in this test."""

import sys
import time

import pytest

from kiosk.config import load_config
from tests.kiosk_harness import KioskHarness, write_config

pytestmark = pytest.mark.ui

# A form as a journey screen would write it (screens/forms.py docstring): fields in a FormScroll,
# one KioskKeyboard at the bottom.
DEMO_KV = """
#:import picture screens.forms.picture

<FormsDemoScreen@Screen>:
    BoxLayout:
        orientation: "vertical"
        FormScroll:
            id: demo_scroll
            Label:
                id: demo_heading
                text: app.tr("Vos coordonnées", app.language)
                font_size: sp(36) * app.text_scale
                bold: True
                color: app.theme.text
                size_hint_y: None
                height: self.texture_size[1]
                text_size: self.width, None
            FormField:
                id: name_field
                label: "Votre prénom et votre nom"
                hint: "Exemple : Marie Dupont"
                keyboard: "azerty"
                max_length: 80
            FormField:
                id: email_field
                label: "Votre adresse e-mail"
                hint: "Exemple : marie.dupont@orange.fr"
                keyboard: "email"
            FormField:
                id: mobile_field
                label: "Votre numéro de portable"
                hint: "Exemple : 06 12 34 56 78"
                keyboard: "numpad"
                max_length: 20
            FormField:
                id: town_field
                label: "Votre ville"
                keyboard: "azerty"
            FormField:
                id: ref_field
                label: "Votre référence client"
                hint: "8 chiffres, sur votre avis d'échéance"
                keyboard: "numpad"
        KioskKeyboard:
            id: demo_keyboard
            on_done: app.forms_demo_done = self.field

<PicturesDemoScreen@Screen>:
    BoxLayout:
        orientation: "horizontal"
        padding: dp(32)
        spacing: dp(32)
        PictureButton:
            id: demo_picture_button
            source: picture("workshop")
            text: app.tr("Réserver un atelier", app.language)
            on_release: app.forms_demo_done = "workshop"
        PictureButton:
            id: demo_picture_cancel
            source: picture("cancel")
            text: app.tr("Annuler une réservation", app.language)
        BoxLayout:
            orientation: "vertical"
            spacing: dp(8)
            QRImage:
                id: demo_qr
                data: "https://portail.example.org/activation"
            Label:
                text: "K7M4-QX2P"
                font_size: sp(32) * app.text_scale
                color: app.theme.text
                size_hint_y: None
                height: dp(48)
"""


@pytest.fixture
def kiosk(tmp_path, module_hub):
    import screens.forms  # noqa: F401  (registers the widgets, as a journey screen's import does)

    if "kivy.lang" in sys.modules:
        _forget_cached_app()      # a test module before this one may have left it cached
    kiosk_id = f"kiosk-forms-{tmp_path.name}"[:60]
    token = module_hub.add_kiosk(kiosk_id)
    config = load_config(write_config(tmp_path, module_hub.url, token, kiosk_id=kiosk_id))
    harness = KioskHarness(config)
    _load_demo_rules()
    from kivy.factory import Factory

    screens = harness.app.root.ids.screens
    screens.add_widget(Factory.FormsDemoScreen(name="forms_demo"))
    screens.add_widget(Factory.PicturesDemoScreen(name="pictures_demo"))
    harness.app.forms_demo_done = None
    yield harness
    harness.close()
    _forget_cached_app()


def _forget_cached_app():
    # KV's `app` proxy caches the app; KioskHarness.close() runs a frame after on_stop, which
    # caches the closing app again, and the next test's KV would then bind to that old app.
    from kivy.lang.parser import global_idmap

    object.__setattr__(global_idmap["app"], "_obj", None)


_loaded = []


def _load_demo_rules():
    from kivy.lang import Builder   # after the harness configured Kivy

    if not _loaded:
        Builder.load_string(DEMO_KV, filename="forms_demo.kv")
        _loaded.append(True)


def show(kiosk, name):
    kiosk.app.root.ids.screens.transition.duration = 0
    kiosk.app.root.ids.screens.current = name
    kiosk.frames(3)


def window_rect(widget):
    """(left, bottom, right, top) of widget in window coordinates."""
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def touch(kiosk, x, y, slide_to=None):
    """One finger: down at (x, y), optionally slide, then up."""
    from kivy.tests.common import UnitTestTouch

    finger = UnitTestTouch(x, y)
    finger.touch_down()
    if slide_to is not None:
        kiosk.frames(1)
        finger.touch_move(*slide_to)
    finger.touch_up()
    kiosk.frames(1)


def touch_widget(kiosk, widget):
    touch(kiosk, *widget.to_window(*widget.center))


def keyboard_for(kiosk, kind):
    keyboard = kiosk.widget("demo_keyboard")
    kiosk.wait_until(lambda: keyboard.layout == kind and keyboard.field is not None
                     and keyboard.height == keyboard.board_height
                     and keyboard.layout_geometry.get("LINE_1"), what=f"the {kind} keyboard")
    kiosk.frames(2)
    return keyboard


def press(kiosk, keyboard, *keys):
    for key in keys:
        touch(kiosk, *keyboard.key_center(key))


@pytest.fixture
def form(kiosk):
    show(kiosk, "forms_demo")
    return kiosk


def test_typing_a_name_with_accents_capitals_and_apostrophe(form):
    field = form.widget("name_field")
    touch_widget(form, field.ids.input)
    keyboard = keyboard_for(form, "azerty")
    assert field.focused and keyboard.field == field

    press(form, keyboard, "shift", "É")
    assert keyboard.layout_mode == "normal", "one touch on Majuscule gives one capital only"
    press(form, keyboard, *"lodie ", "shift", "N", "'", "shift", "D", *"iaye")
    assert field.text == "Élodie N'Diaye"
    form.screenshot("forms-azerty-typed")

    press(form, keyboard, "backspace", "backspace")
    assert field.text == "Élodie N'Dia"
    field.ids.input.cursor = (1, 0)                 # the tenant put the cursor after the É
    press(form, keyboard, "backspace", "é")
    assert field.text == "élodie N'Dia"


def test_tout_en_majuscules_writes_capitals_until_touched_again(form):
    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    press(form, keyboard, "capslock")
    form.wait_until(lambda: keyboard.layout_mode == "shift", what="capitals")
    press(form, keyboard, "D", "U", "P", "O", "N", "T")
    assert field.text == "DUPONT"
    form.screenshot("forms-azerty-capitals")
    press(form, keyboard, "capslock")
    form.wait_until(lambda: keyboard.layout_mode == "normal", what="small letters again")
    press(form, keyboard, "e")
    assert field.text == "DUPONTe"


def test_majuscule_touched_twice_changes_nothing(form):
    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    press(form, keyboard, "shift", "shift")
    form.frames(1)
    assert keyboard.layout_mode == "normal"
    press(form, keyboard, "a")
    assert field.text == "a"


def test_every_accented_capital_is_on_the_keyboard(form):
    form.widget("name_field").focus()
    keyboard = keyboard_for(form, "azerty")
    shown = {key[1] for key, _rect in keyboard.key_rects()}
    assert set("éèêëàâçùûüîïôœ") <= shown
    press(form, keyboard, "shift")
    form.wait_until(lambda: keyboard.layout_mode == "shift", what="capitals")
    assert set("ÉÈÊËÀÂÇÙÛÜÎÏÔŒ") <= {key[1] for key, _rect in keyboard.key_rects()}


def test_email_with_a_shortcut_key(form):
    field = form.widget("email_field")
    touch_widget(form, field.ids.input)
    keyboard = keyboard_for(form, "email")
    press(form, keyboard, "m", "a", "r", "i", "e", ".", "d", "u", "p", "o", "n", "t", "_", "7", "5",
          "@orange.fr")
    assert field.text == "marie.dupont_75@orange.fr"
    form.screenshot("forms-email")
    for _ in "@orange.fr":
        press(form, keyboard, "backspace")
    press(form, keyboard, "@gmail.com")
    assert field.text == "marie.dupont_75@gmail.com"


def test_phone_number_on_the_numpad(form):
    field = form.widget("mobile_field")
    touch_widget(form, field.ids.input)
    keyboard = keyboard_for(form, "numpad")
    press(form, keyboard, "0", "6", " ", "1", "2", " ", "3", "4", " ", "5", "6", " ", "7", "8", "9")
    press(form, keyboard, "backspace")
    assert field.text == "06 12 34 56 78"
    form.screenshot("forms-numpad")
    # A numpad stays a pad: centred, not stretched over the whole width.
    left = min(rect[0] for _key, rect in keyboard.key_rects())
    right = max(rect[0] + rect[2] for _key, rect in keyboard.key_rects())
    assert right - left < form.window.width * 0.75
    assert abs((left + right) / 2 - form.window.width / 2) < 4


def test_max_length_stops_typing(form):
    field = form.widget("mobile_field")
    field.focus()
    keyboard = keyboard_for(form, "numpad")
    press(form, keyboard, *["1"] * 25)
    assert field.text == "1" * 20


def test_the_keyboard_follows_the_field_being_typed(form):
    keyboard = form.widget("demo_keyboard")
    assert keyboard.field is None and keyboard.height == 0, "no field focused: no keyboard"
    for field_id, kind in (("name_field", "azerty"), ("email_field", "email"),
                           ("mobile_field", "numpad"), ("town_field", "azerty"),
                           ("ref_field", "numpad")):
        field = form.widget(field_id)
        form.widget("demo_scroll").scroll_to(field, animate=False)   # the tenant swipes to it
        form.frames(2)
        touch_widget(form, field.ids.input)
        keyboard_for(form, kind)
        assert keyboard.field == field
        assert [f for f in keyboard.fields() if f.focused] == [field]


def test_suivant_goes_to_the_next_field_and_ok_ends_the_form(form):
    form.widget("name_field").focus()
    keyboard = keyboard_for(form, "azerty")
    expected = [("email_field", "email"), ("mobile_field", "numpad"), ("town_field", "azerty"),
                ("ref_field", "numpad")]
    for field_id, kind in expected:
        assert "Suivant" in keyboard.key_texts()
        press(form, keyboard, "enter")
        keyboard_for(form, kind)
        assert keyboard.field == form.widget(field_id)
        assert form.app.forms_demo_done is None
    assert keyboard.has_next is False
    assert "OK" in keyboard.key_texts() and "Suivant" not in keyboard.key_texts()
    press(form, keyboard, "enter")
    assert form.app.forms_demo_done == form.widget("ref_field")


def test_focused_last_field_is_fully_above_the_keyboard(form):
    keyboard = form.widget("demo_keyboard")
    screen_area = window_rect(form.app.root.ids.screens)
    last = form.widget("ref_field")
    last.error = "Tapez les 8 chiffres de votre référence."     # the tallest a field gets
    for field_id in ("name_field", "email_field", "mobile_field", "town_field", "ref_field"):
        field = form.widget(field_id)
        field.focus()
        keyboard_for(form, field.keyboard)
        form.wait_until(lambda: _fully_visible(field, keyboard, screen_area), timeout=3,
                        what=f"{field_id} fully in view above the keyboard")
    form.screenshot("forms-last-field-with-error")
    # The physical "Enter" key does what "Suivant" does, and the form scrolls back up.
    first = form.widget("name_field")
    first.focus()
    form.wait_until(lambda: _fully_visible(first, keyboard, screen_area), timeout=3,
                    what="the first field")


def test_with_the_biggest_text_the_box_being_typed_in_stays_in_view(form):
    from kiosk.theme import TEXT_SCALES

    form.app.text_scale = max(TEXT_SCALES)
    keyboard = form.widget("demo_keyboard")
    form.widget("mobile_field").error = "Ce numéro n'est pas un numéro de portable."
    form.frames(5)
    # The whole field may be taller than the room left above the keyboard: the box typed in
    # comes first, its letters shrinking if they must.
    for field_id, kind in (("mobile_field", "numpad"), ("name_field", "azerty")):
        field = form.widget(field_id)
        field.focus()
        keyboard_for(form, kind)
        form.frames(5)                       # everything settled: bars, keyboard, form
        screen_area = window_rect(form.app.root.ids.screens)
        assert _fully_visible(field.ids.input, keyboard, screen_area), field_id
        form.screenshot(f"forms-biggest-text-{kind}")


def _fully_visible(field, keyboard, screen_area):
    left, bottom, right, top = window_rect(field)
    keyboard_top = window_rect(keyboard)[3]
    return (bottom >= keyboard_top and top <= screen_area[3] and left >= screen_area[0]
            and right <= screen_area[2] and keyboard.height > 0)


def test_keys_are_big_enough_to_touch(form):
    from kiosk.geometry import TOUCH_TARGET_MM, px_per_mm

    smallest = TOUCH_TARGET_MM * px_per_mm(form.app.kiosk_config.screen)     # on the test screen
    for field_id, kind in (("name_field", "azerty"), ("email_field", "email"),
                           ("mobile_field", "numpad")):
        form.widget(field_id).focus()
        keyboard = keyboard_for(form, kind)
        rects = keyboard.key_rects()
        assert rects
        for key, (_x, _y, width, height) in rects:
            assert height >= smallest, (kind, key, height)
            assert width >= smallest, (kind, key, width)


def test_sliding_off_a_key_types_nothing_and_a_resting_finger_types_once(form):
    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    touch(form, *keyboard.key_center("a"), slide_to=keyboard.key_center("p"))
    assert field.text == ""

    from kivy.tests.common import UnitTestTouch

    finger = UnitTestTouch(*keyboard.key_center("a"))
    finger.touch_down()
    form.frames(1)
    assert field.text == "", "a key types when the finger lifts, not when it lands"
    form.screenshot("forms-key-pressed")
    until = time.monotonic() + 1.0       # a resting finger: real time must pass
    form.wait_until(lambda: time.monotonic() > until, what="a long press")
    finger.touch_up()
    form.frames(1)
    assert field.text == "a"


def test_physical_keyboard_still_types_and_no_kivy_keyboard_pops_up(form):
    from kivy.uix.vkeyboard import VKeyboard

    field = form.widget("name_field")
    touch_widget(form, field.ids.input)
    keyboard_for(form, "azerty")
    assert field.ids.input._keyboard.widget is None, "the system keyboard, not a docked VKeyboard"
    assert not [w for w in form.window.children if isinstance(w, VKeyboard)]
    form.window.dispatch("on_textinput", "Zoé")
    form.frames(1)
    form.window.dispatch("on_key_down", 8, 42, None, [])     # backspace
    form.frames(1)
    assert field.text == "Zo"
    form.window.dispatch("on_key_down", 13, 40, None, [])    # Enter = "Suivant"
    form.frames(2)
    assert form.widget("email_field").focused


def test_error_is_marked_by_words_not_only_colour(form):
    field = form.widget("email_field")
    field.error = "Il manque le @ dans l'adresse."
    form.frames(2)
    label = field.ids.error_label
    assert label.text == "Attention\u00a0: Il manque le @ dans l'adresse."
    assert list(label.color) == list(form.app.theme.error)
    assert label.height > 0 and label.opacity == 1
    field.error = ""
    form.frames(2)
    assert field.ids.error_label.height == 0


def test_clear_wipes_value_error_and_hides_the_keyboard(form):
    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    press(form, keyboard, "a", "b")
    field.error = "Trop court."
    field.clear()
    form.frames(3)
    assert field.text == "" and field.ids.input.text == "" and field.error == ""
    assert not field.focused and keyboard.field is None and keyboard.height == 0


def test_leaving_the_screen_stops_typing_into_its_fields(form):
    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    show(form, "home")
    form.frames(3)
    assert not field.focused and keyboard.field is None
    form.window.dispatch("on_textinput", "x")
    assert field.text == ""


def test_text_is_two_way(form):
    field = form.widget("town_field")
    field.text = "Saint-Étienne"
    form.frames(1)
    assert field.ids.input.text == "Saint-Étienne"
    field.ids.input.text = "Lyon"
    assert field.text == "Lyon"


def test_keyboard_and_fields_follow_high_contrast(form):
    from kiosk.theme import HIGH_CONTRAST

    field = form.widget("name_field")
    field.focus()
    keyboard = keyboard_for(form, "azerty")
    press(form, keyboard, "shift", "É", "v", "a")
    form.app.high_contrast = True
    form.frames(3)
    assert tuple(keyboard.key_color) == HIGH_CONTRAST.background
    assert tuple(keyboard.key_text_color) == HIGH_CONTRAST.text
    assert tuple(keyboard.action_color) == HIGH_CONTRAST.primary
    form.screenshot("forms-high-contrast")
    form.app.high_contrast = False


def test_qr_image_is_crisp_black_on_white(kiosk):
    from PIL import Image

    from kiosk.receipts import qr_matrix

    show(kiosk, "pictures_demo")
    qr = kiosk.widget("demo_qr")
    kiosk.app.high_contrast = True          # black on white even then: phones read dark on light
    kiosk.frames(3)
    matrix = qr_matrix(qr.data)
    assert qr.modules == len(matrix) and qr.texture.size == (len(matrix), len(matrix))
    assert qr.texture.mag_filter == "nearest"
    path = kiosk.screenshot("forms-pictures-qr-high-contrast")
    kiosk.app.high_contrast = False

    square = qr._square
    side = square.size[0]
    assert side >= 120 and side % qr.modules == 0, "a whole number of pixels per module"
    module = side // qr.modules
    left, bottom = qr.to_window(*square.pos)
    shot = Image.open(path).convert("RGB")
    top = shot.height - (bottom + side)                  # screenshots count rows from the top
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            x = int(left + col * module + module / 2)
            y = int(top + row * module + module / 2)
            assert shot.getpixel((x, y)) == ((0, 0, 0) if dark else (255, 255, 255)), (row, col)


def test_qr_image_without_data_shows_nothing(kiosk):
    show(kiosk, "pictures_demo")
    qr = kiosk.widget("demo_qr")
    qr.data = ""
    kiosk.frames(2)
    assert qr.texture is None and qr._square.size == (0, 0)


def test_picture_button_fires_on_release_not_when_slid_off(kiosk):
    show(kiosk, "pictures_demo")
    button = kiosk.widget("demo_picture_button")
    kiosk.screenshot("forms-pictures")
    x, y = button.to_window(*button.center)
    touch(kiosk, x, y, slide_to=(x, y - button.height))       # changed their mind
    assert kiosk.app.forms_demo_done is None
    assert button.ids.picture.texture is not None, "the picture file loads"
    touch(kiosk, x, y)
    assert kiosk.app.forms_demo_done == "workshop"


def test_picture_button_looks_pressed_while_touched(kiosk):
    from kivy.tests.common import UnitTestTouch

    show(kiosk, "pictures_demo")
    button = kiosk.widget("demo_picture_button")
    finger = UnitTestTouch(*button.to_window(*button.center))
    finger.touch_down()
    kiosk.frames(2)
    assert button.state == "down"
    assert list(button.ids.text_label.color) == list(kiosk.app.theme.on_primary)
    kiosk.screenshot("forms-picture-button-pressed")
    finger.touch_up()
    kiosk.frames(2)
    assert button.state == "normal"
