"""Every tenant-facing text exists in every shipped language, and the kiosk shows it.

The messages are extracted from the current sources the way `make locales` does (Babel's
Python extractor and kiosk/i18n_extract.py for .kv files), so a text added to a screen without
a translation fails here, naming the text. The fix: `make locales`, translate the new entries
in assets/locale/*/LC_MESSAGES/kiosk.po, then `make locales` again (it compiles the .mo files).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kiosk.config import SHIPPED_LANGUAGES
from kiosk.i18n import DOMAIN, LOCALE_DIR, french_typography, translate
from kiosk.i18n_extract import (DEFAULT_PROPERTIES, KEYWORDS, extract_kv, kv_values,
                                source_messages)

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [language for language in SHIPPED_LANGUAGES if language != "fr"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
FIX = "run `make locales`, translate the empty entries of the .po files, then `make locales` again"


@pytest.fixture(scope="module")
def used():
    return source_messages()


def catalogue(language):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        return read_po(po, locale=language)


def where(used, msgid) -> str:
    return ", ".join(f"{path}:{line}" for path, line in used[msgid][:2])


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_in_the_sources_is_translated(used, language):
    po = catalogue(language)
    missing = [f"{msgid!r} ({where(used, msgid)})" for msgid in used
               if po.get(msgid) is None or not po.get(msgid).string or po.get(msgid).fuzzy]
    assert not missing, f"{language}: {len(missing)} untranslated; {FIX}:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    wrong = [f"{m.id!r} -> {m.string!r}" for m in catalogue(language) if m.id and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert not wrong, f"{language}: placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogues_hold_no_message_the_sources_no_longer_use(used, language):
    unused = [m.id for m in catalogue(language) if m.id and m.id not in used]
    assert not unused, f"{language}: not used any more ({FIX}): {unused}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_is_up_to_date_with_its_po(language):
    compiled = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    assert compiled.exists(), f"{compiled} is missing: run `make locales-compiled`"
    fresh = io.BytesIO()
    write_mo(fresh, catalogue(language))
    fresh.seek(0)
    with open(compiled, "rb") as shipped:
        shipped_texts = gettext.GNUTranslations(shipped)._catalog
    assert shipped_texts == gettext.GNUTranslations(fresh)._catalog, \
        f"{compiled} is older than its .po: run `make locales-compiled`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_other_languages_use_their_own_punctuation(language):
    """No French no-break space before ? ! : ; and no « » spacing; Spanish opens ¿ and ¡."""
    wrong = []
    for m in catalogue(language):
        text = m.string
        if not (m.id and text):
            continue
        if re.search(r"\s[?!:;]|«\s|\s»", text):
            wrong.append(text)
        if language == "es" and (("?" in text and "¿" not in text)
                                 or ("!" in text and "¡" not in text)):
            wrong.append(text)
    assert not wrong, f"{language}:\n" + "\n".join(wrong)


def test_translate_gives_the_catalogue_text():
    assert translate("Bonjour\u00a0!", "en") == "Hello!"
    assert translate("Bonjour\u00a0!", "es") == "¡Hola!"
    assert translate("Appeler un agent", "pt") == "Chamar um funcionário"
    assert translate("Plus que {n} places", "es").format(n=2) == "Solo quedan 2 plazas"
    untranslated = "Un texte que personne n'a traduit"
    assert translate(untranslated, "en") == untranslated


def test_french_is_shown_with_no_break_spaces_where_french_typography_wants_them():
    assert translate("Bonjour !", "fr") == "Bonjour\u00a0!"
    assert translate("Touchez « Non » : c'est fini ; merci ?", "fr") == \
        "Touchez «\u00a0Non\u00a0»\u00a0: c'est fini\u00a0; merci\u00a0?"
    assert french_typography("Bonjour\u00a0!") == "Bonjour\u00a0!"          # already right
    assert translate("https://example.fr/a?b=1", "fr") == "https://example.fr/a?b=1"


def test_the_calendar_event_speaks_the_tenants_language():
    from tests.test_booking_journey import Recorder, at_review

    journey = at_review()
    journey.submit(Recorder(), "en")
    assert "DESCRIPTION:Reference: " in journey.calendar_event("en")
    assert "DESCRIPTION:Referencia: " in journey.calendar_event("es")


def test_session_dates_follow_the_language():
    from kiosk.receipts import plain_datetime

    when = dt.datetime(2026, 12, 1, 13, 30, tzinfo=dt.timezone.utc)    # 14 h 30 in Paris
    assert [plain_datetime(when, language) for language in SHIPPED_LANGUAGES] == [
        "mardi 1 décembre, 14 h 30", "Tuesday 1 December, 2:30 pm",
        "martes 1 de diciembre, 14:30", "terça-feira, 1 de dezembro, 14h30"]


def test_a_session_time_never_breaks_over_two_lines():
    from kiosk.catalog import Session
    from kiosk.workshops import when_text

    session = Session.from_json({"id": "1", "topic": "email", "starts_at": "2024-12-03T13:30:00Z"})
    assert when_text(session, "fr") == "Mardi 3 décembre, 14\u00a0h\u00a030"
    assert when_text(session, "en") == "Tuesday 3 December, 2:30\u00a0pm"


# --- the KV extractor ---------------------------------------------------------------------------

KV_SAMPLE = r'''
#:import TOPICS kiosk.workshops.TOPICS
# text: app.tr("Dans un commentaire", app.language)
<Sample@BoxLayout>:
    msgid: ""
    text: app.tr(self.msgid, app.language)
    canvas.before:
        Color:
            rgba: 1, 1, 1, 1
    KioskLabel:
        text: app.tr("Bonjour\u00a0!", app.language)
    FormField:
        label: "Votre nom"
        hint: 'Par exemple\u00a0: Marie'
        size_hint_y: None
    HomeChoice:
        msgid: "M'inscrire"
    Button:
        on_release:
            app.show("home")
            app.say(app.tr("Au revoir", app.language))
        text: "" if self.disabled else app.tr("Deux " "morceaux", app.language).format(n=1)
'''


def kv_messages(text):
    return [(line, message) for line, _name, message, _comments in
            extract_kv(io.BytesIO(text.encode()), KEYWORDS, [], {})]


def test_kv_extractor_reads_strings_as_python_does():
    assert kv_messages(KV_SAMPLE) == [
        (11, "Bonjour\u00a0!"), (13, "Votre nom"), (14, "Par exemple\u00a0: Marie"),
        (17, "M'inscrire"), (21, "Au revoir"), (22, "Deux morceaux")]


def test_kv_extractor_groups_values_as_kivys_parser_does():
    """Every property value Kivy's own parser reads in the shipped .kv files, the extractor
    reads too, with the same source text."""
    from kivy.lang.parser import Parser

    class NoDirectives(Parser):
        def execute_directives(self):   # no #:import: only the text is compared
            pass

    for path in sorted((ROOT / "screens").glob("*.kv")):
        text = path.read_text(encoding="utf-8")
        parsed = NoDirectives(content=text)
        kivy_values = set()
        rules = [rule for _selector, rule in parsed.rules] + list(parsed.templates or [])
        rules += [parsed.root] if parsed.root else []
        stack = [rule for rule in rules if hasattr(rule, "properties")]
        while stack:
            rule = stack.pop()
            for prop in list(rule.properties.values()) + list(rule.handlers):
                kivy_values.add((prop.name, prop.value.strip()))
            stack.extend(rule.children)
        ours = {(name, value) for _line, name, value in kv_values(text)}
        assert kivy_values <= ours, f"{path.name}: {sorted(kivy_values - ours)[:3]}"


def test_property_names_for_msgids_are_the_ones_babel_cfg_gives():
    cfg = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    assert f"properties = {' '.join(DEFAULT_PROPERTIES)}" in cfg


def test_make_locales_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert " ".join(f"-k {keyword}" for keyword in KEYWORDS) in makefile


# --- in the real window -------------------------------------------------------------------------

@pytest.fixture
def offline_kiosk(tmp_path):
    from kiosk.config import load_config
    from tests.hubproc import free_port
    from tests.kiosk_harness import KioskHarness, write_config

    nobody_there = f"http://127.0.0.1:{free_port()}"
    harness = KioskHarness(load_config(write_config(tmp_path, nobody_there, "t")))
    yield harness
    harness.close()


def choose_language(kiosk, code: str) -> None:
    """As a tenant does it: the language button, then that language's big button."""
    kiosk.tap("language_button")
    chooser = kiosk.app.root.overlay
    button = next(b for b in chooser.ids.choices.children if b.code == code)
    kiosk.tap_at(*button.to_window(*button.center))
    kiosk.frames(2)


def shown(kiosk, labels: dict[str, str], language: str) -> dict[str, str]:
    """{widget id: what it shows}, and what the catalogue says it should show."""
    return ({widget_id: kiosk.text(widget_id) for widget_id in labels},
            {widget_id: translate(msgid, language) for widget_id, msgid in labels.items()})


@pytest.mark.ui
def test_switching_language_changes_the_words_on_screen_at_once(offline_kiosk):
    kiosk = offline_kiosk
    home = {"heading_label": "Bonjour\u00a0!",
            "intro_label": "Que voulez-vous faire\u00a0? Touchez une image.",
            "booking_button": "M'inscrire à un atelier",
            "call_agent_button": "Appeler un agent",
            "home_button": "Accueil"}
    seen, expected = shown(kiosk, home, "fr")
    assert seen == expected
    choose_language(kiosk, "en")
    seen, expected = shown(kiosk, home, "en")
    assert seen == expected and seen["heading_label"] == "Hello!"
    kiosk.screenshot("translations-home-en")

    kiosk.tap("booking_button")                      # a journey's first step, still in English
    topics = {"topic_title_label": "Quel atelier voulez-vous faire ?",
              "topic_intro_label": "Un animateur vous apprend, pas à pas. Touchez un sujet.",
              "topic_email_button": "Créer et utiliser une adresse e-mail"}
    seen, expected = shown(kiosk, topics, "en")
    assert seen == expected
    choose_language(kiosk, "es")
    seen, expected = shown(kiosk, topics, "es")
    assert seen == expected and seen["topic_title_label"] == "¿Qué taller quiere hacer?"
    kiosk.screenshot("translations-booking-es")
    choose_language(kiosk, "pt")
    seen, expected = shown(kiosk, topics, "pt")
    assert seen == expected
    kiosk.screenshot("translations-booking-pt")

    kiosk.app.show("account", step="details")          # a form: labels and hints too
    field = kiosk.widget("tenant_ref_field")
    assert field.ids.label_text.text == "Referência de cliente"
    assert field.ids.input.hint_text == translate(field.hint, "pt")
    choose_language(kiosk, "fr")
    assert field.ids.label_text.text == "Référence client"
    assert field.ids.input.hint_text == field.hint
    kiosk.app.root.ids.screens.get_screen("account").check_details()   # nothing typed
    kiosk.frames(2)
    assert field.error.startswith("Votre référence client est vide.")
    choose_language(kiosk, "es")
    assert field.error.startswith("Su referencia de cliente está vacía.")
    kiosk.screenshot("translations-account-details-es")
