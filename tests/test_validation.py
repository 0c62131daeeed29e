"""What tenants type, as they really type it: accepted and normalised, or refused kindly."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from kiosk import validation
from kiosk.config import TenantReferenceSettings
from kiosk.validation import (InvalidInput, clean_birth_date, clean_email, clean_mobile,
                              clean_name, clean_tenant_ref)

TODAY = dt.date(2024, 12, 3)


# --- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [
    ("Élodie", "Élodie"),
    ("N'Diaye", "N'Diaye"),
    ("N’Diaye", "N’Diaye"),
    ("Saint-Exupéry", "Saint-Exupéry"),
    ("Nguyễn", "Nguyễn"),
    ("Müller", "Müller"),
    ("محمد", "محمد"),
    ("Ольга", "Ольга"),
    ("王小明", "王小明"),
    ("Ζωή", "Ζωή"),
    ("דוד", "דוד"),
    ("अनीता", "अनीता"),  # Devanagari: vowel signs are combining marks after letters
    ("김민준", "김민준"),
    ("ฐิติพร", "ฐิติพร"),  # Thai: tone marks after consonants
    ("Jean-Marie Le Pen", "Jean-Marie Le Pen"),
    ("St. John", "St. John"),
    ("O'Connor", "O'Connor"),
    ("ʻOhana", "ʻOhana"),  # Hawaiian ʻokina is a letter (Lm)
    ("Ngũgĩ wa Thiong'o", "Ngũgĩ wa Thiong'o"),
    ("Łukasz Żółć", "Łukasz Żółć"),
    ("Ørsted Ærø", "Ørsted Ærø"),
    ("Çağlar Güneş", "Çağlar Güneş"),
    ("Ḥasan", "Ḥasan"),
    ("مهرنوش\u200cزاده", "مهرنوش\u200cزاده"),  # Persian name with a zero-width non-joiner
    ("X", "X"),
    ("  Marie   Dupont  ", "Marie Dupont"),
    ("Marie\u00a0Dupont", "Marie Dupont"),  # no-break space counts as a space
    ("Marie\tDupont", "Marie Dupont"),
    ("A" * 80, "A" * 80),
])
def test_real_names_are_kept(typed, kept):
    assert clean_name(typed) == kept


def test_names_are_put_in_composed_form():
    # "É" typed as E + combining acute must compare equal to the precomposed É.
    assert clean_name("E\u0301lodie") == "Élodie"
    assert clean_name("Nguye\u0302\u0303n") == "Nguyễn"


@pytest.mark.parametrize("typed, case", [
    ("J3an", "digit"),
    ("Marie 2", "digit"),
    ("Louis XIV ²", "digit"),
    ("Ⅻ Dupont", "digit"),  # a Roman numeral symbol is a number too
    ("Marie 😀", "symbol"),
    ("Marie ❤️", "symbol"),
    ("Marie👍🏽", "symbol"),
    ("Marie@Dupont", "symbol"),
    ("Dupont, Marie", "symbol"),
    ("Marie (Jo)", "symbol"),
    ("Marie_Dupont", "symbol"),
    ("Marie $", "symbol"),
    ("Marie ^", "symbol"),  # a lone modifier symbol (Sk)
    ("Marie!", "symbol"),
    ("\x00", "invisible"),
    ("Ma\x00rie", "invisible"),
    ("Marie\u200bDupont", "invisible"),  # zero-width space
    ("Marie\u202eDupont", "invisible"),  # right-to-left override
    ("\u0301Marie", "invisible"),  # an accent on nothing
    ("Marie \u0301", "invisible"),
    ("   ", "empty"),
    ("", "empty"),
    ("'", "no_letter"),
    ("-", "no_letter"),
    (". - '", "no_letter"),
    ("A" * 81, "too_long"),
])
def test_bad_names_are_refused_with_the_matching_message(typed, case):
    with pytest.raises(InvalidInput) as caught:
        clean_name(typed)
    assert caught.value.field == "name"
    assert caught.value.message == validation._NAME_MESSAGES["name"][case]


@pytest.mark.parametrize("field, subject, example", [
    ("name", "Votre nom ", "Marie Dupont"),
    ("surname", "Votre nom de famille ", "Dupont"),
    ("first_name", "Votre prénom ", "Marie"),
])
def test_name_messages_name_their_field_and_show_an_example(field, subject, example):
    for typed in ["", "J3an", "Marie 😀", "\x00", "'", "A" * 81]:
        with pytest.raises(InvalidInput) as caught:
            clean_name(typed, field=field)
        assert caught.value.field == field
        text = caught.value.text("fr")
        assert text.startswith(subject), text
        assert example in text


def test_name_message_shows_the_refused_sign():
    with pytest.raises(InvalidInput) as caught:
        clean_name("Marie 😀", field="surname")
    assert caught.value.text("fr") == (
        "Votre nom de famille contient un signe\u00a0: «\u00a0😀\u00a0». Écrivez seulement "
        "des lettres, par exemple\u00a0: Dupont.")


# --- mobile -------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "06 12 34 56 78",
    "0612345678",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "06/12/34/56/78",
    "06 1234 5678",
    "  06 12 34 56 78  ",
    "+33 6 12 34 56 78",
    "+33612345678",
    "+33 (0)6 12 34 56 78",
    "+33 (0) 6 12 34 56 78",
    "+33 06 12 34 56 78",
    "0033 6 12 34 56 78",
    "0033612345678",
    "00 33 6 12 34 56 78",
    "6 12 34 56 78",
    "０６１２３４５６７８",  # full-width digits from an Asian keyboard layout
])
def test_french_mobile_in_every_common_writing(typed):
    assert clean_mobile(typed) == "+33612345678"


def test_mobiles_starting_with_07_are_accepted():
    assert clean_mobile("07 81 23 45 67") == "+33781234567"


@pytest.mark.parametrize("typed, e164", [
    ("0692 12 34 56", "+262692123456"),  # La Réunion, written as people there write it
    ("0690 12 34 56", "+590690123456"),  # Guadeloupe
    ("0696 12 34 56", "+596696123456"),  # Martinique
    ("0694 12 34 56", "+594694123456"),  # Guyane
    ("+262 692 12 34 56", "+262692123456"),
])
def test_overseas_french_mobiles_get_their_own_country_code(typed, e164):
    assert clean_mobile(typed) == e164


@pytest.mark.parametrize("typed, e164", [
    ("+44 7911 123456", "+447911123456"),
    ("0044 7911 123456", "+447911123456"),
    ("+49 1512 3456789", "+4915123456789"),
    ("+34 612 34 56 78", "+34612345678"),
    ("+351 912 345 678", "+351912345678"),
    ("+1 415 555 2671", "+14155552671"),  # US numbers can be mobile or landline: accepted
])
def test_foreign_mobiles_with_a_country_prefix_are_accepted(typed, e164):
    assert clean_mobile(typed) == e164


def test_a_foreign_mobile_without_its_country_prefix_is_refused():
    # "7911 123456" is a UK mobile only with +44; read as French it has too few digits.
    with pytest.raises(InvalidInput) as caught:
        clean_mobile("7911 123456")
    assert caught.value.message == validation._MOBILE_LENGTH


def test_nine_digits_without_prefix_are_read_as_a_french_number():
    # "612 34 56 78" is also a Spanish mobile, but without +34 the kiosk reads it as French.
    assert clean_mobile("612 34 56 78") == "+33612345678"


@pytest.mark.parametrize("typed", [
    "01 23 45 67 89",
    "02 98 76 54 32",
    "03 20 12 34 56",
    "04 91 12 34 56",
    "05 56 12 34 56",
    "+33 1 23 45 67 89",
    "0262 21 12 34",  # a Réunion landline
    "+44 20 7946 0958",  # a London landline
])
def test_landlines_are_refused(typed):
    with pytest.raises(InvalidInput) as caught:
        clean_mobile(typed)
    assert caught.value.field == "mobile"
    assert caught.value.message == validation._MOBILE_LANDLINE


@pytest.mark.parametrize("typed", ["09 51 23 45 67", "0800 12 34 56", "08 92 12 34 56"])
def test_numbers_that_cannot_get_a_text_message_are_refused(typed):
    with pytest.raises(InvalidInput) as caught:
        clean_mobile(typed)
    assert caught.value.message == validation._MOBILE_NOT_MOBILE


@pytest.mark.parametrize("typed, message, params", [
    ("", validation._MOBILE_EMPTY, {}),
    ("   ", validation._MOBILE_EMPTY, {}),
    ("06 12 34 56 7", validation._MOBILE_LENGTH, {"count": 9}),
    ("06 12 34 56 789", validation._MOBILE_LENGTH, {"count": 11}),
    ("06", validation._MOBILE_LENGTH, {"count": 2}),
    ("06 12 34 56 7O", validation._MOBILE_NOT_DIGITS, {"char": "O"}),
    ("06 12 34 56 78 #", validation._MOBILE_NOT_DIGITS, {"char": "#"}),
    ("portable", validation._MOBILE_NOT_DIGITS, {"char": "p"}),
    ("06+12345678", validation._MOBILE_NOT_DIGITS, {"char": "+"}),
    ("+999 12 34 56 78", validation._MOBILE_BAD_COUNTRY, {}),
    ("+33 6 12", validation._MOBILE_UNKNOWN, {}),
    ("+", validation._MOBILE_EMPTY, {}),
])
def test_bad_mobiles_get_the_message_for_their_mistake(typed, message, params):
    with pytest.raises(InvalidInput) as caught:
        clean_mobile(typed)
    assert (caught.value.field, caught.value.message, caught.value.params) == (
        "mobile", message, params)


def test_mobile_length_message_says_how_many_digits_were_typed():
    with pytest.raises(InvalidInput) as caught:
        clean_mobile("06 12 34 56 7")
    assert caught.value.text("fr") == (
        "Le numéro de portable a 10 chiffres. Vous en avez écrit 9. "
        "Écrivez 10 chiffres, comme 06 12 34 56 78.")


# --- e-mail -------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [
    ("marie.dupont@gmail.com", "marie.dupont@gmail.com"),
    ("  marie.dupont@gmail.com ", "marie.dupont@gmail.com"),
    ("Marie.Dupont@GMAIL.COM", "Marie.Dupont@gmail.com"),  # the domain is not case-sensitive
    ("marie+kiosque@orange.fr", "marie+kiosque@orange.fr"),
    ("m_dupont-75@laposte.net", "m_dupont-75@laposte.net"),
    ("jean.o'brien@free.fr", "jean.o'brien@free.fr"),
    ("contact@mairie.paris", "contact@mairie.paris"),
    ("marie@café.fr", "marie@café.fr"),  # a domain with accents exists (IDN)
    ("marie@ＧＭＡＩＬ.com", "marie@gmail.com"),
])
def test_good_emails_are_kept_in_normalised_form(typed, kept):
    assert clean_email(typed) == kept


@pytest.mark.parametrize("typed, message", [
    ("", validation._EMAIL_EMPTY),
    ("   ", validation._EMAIL_EMPTY),
    ("marie.dupont.gmail.com", validation._EMAIL_NO_AT),
    ("marie dupont@gmail.com", validation._EMAIL_SPACE),
    ("marie.dupont@gmail .com", validation._EMAIL_SPACE),
    ("marie@@gmail.com", validation._EMAIL_MANY_AT),
    ("marie@dupont@gmail.com", validation._EMAIL_MANY_AT),
    ("@gmail.com", validation._EMAIL_NOTHING_BEFORE_AT),
    ("marie.dupont@", validation._EMAIL_NOTHING_AFTER_AT),
    ("marie.dupont@gmail", validation._EMAIL_NO_DOT_AFTER_AT),
    ("marie.dupont@gmail,com", validation._EMAIL_NO_DOT_AFTER_AT),
    ("marie..dupont@gmail.com", validation._EMAIL_BAD_DOT),
    (".marie@gmail.com", validation._EMAIL_BAD_DOT),
    ("marie.@gmail.com", validation._EMAIL_BAD_DOT),
    ("marie@gmail.com.", validation._EMAIL_BAD_DOT),
    ("marie@.gmail.com", validation._EMAIL_BAD_DOT),
    ("marie@gmail..com", validation._EMAIL_BAD_DOT),
    ("élodie@gmail.com", validation._EMAIL_ACCENT),
    ("marie,dupont@gmail.com", validation._EMAIL_SIGN),
    ("marie(dupont)@gmail.com", validation._EMAIL_SIGN),
    ("marie😀@gmail.com", validation._EMAIL_SIGN),
    ('"marie"@gmail.com', validation._EMAIL_SIGN),
    ("marie@gmail.test", validation._EMAIL_INVALID),  # reserved name: email-validator refuses
    ("marie@-gmail.com", validation._EMAIL_INVALID),
    ("marie@gmail_fr.com", validation._EMAIL_INVALID),
    ("marie@[192.168.1.1]", validation._EMAIL_INVALID),
    ("m@" + "a" * 250 + ".com", validation._EMAIL_TOO_LONG),
])
def test_bad_emails_get_the_message_for_their_mistake(typed, message):
    with pytest.raises(InvalidInput) as caught:
        clean_email(typed)
    assert caught.value.field == "email"
    assert caught.value.message == message


def test_email_accent_message_shows_the_letter():
    with pytest.raises(InvalidInput) as caught:
        clean_email("élodie@gmail.com")
    assert "«\u00a0é\u00a0»" in caught.value.text("fr")


# --- tenant reference ---------------------------------------------------------------------------

DIGITS_REF = TenantReferenceSettings(pattern=r"[0-9]{8}", example="00123456")
LETTERS_REF = TenantReferenceSettings(pattern=r"[A-Z]{2}[0-9]{6}", example="AB123456")


@pytest.mark.parametrize("typed, settings, kept", [
    ("00123456", DIGITS_REF, "00123456"),
    ("0012 3456", DIGITS_REF, "00123456"),
    (" 00 12 34 56 ", DIGITS_REF, "00123456"),
    ("ab 123456", LETTERS_REF, "AB123456"),
    ("AB123456", LETTERS_REF, "AB123456"),
])
def test_tenant_reference_spaces_removed(typed, settings, kept):
    assert clean_tenant_ref(typed, settings) == kept


@pytest.mark.parametrize("typed, message", [
    ("", validation._REF_EMPTY),
    ("  ", validation._REF_EMPTY),
    ("0012345", validation._REF_MISMATCH),
    ("001234567", validation._REF_MISMATCH),
    ("0012-3456", validation._REF_MISMATCH),
    ("A0123456", validation._REF_MISMATCH),
])
def test_bad_tenant_reference_quotes_the_landlords_example(typed, message):
    with pytest.raises(InvalidInput) as caught:
        clean_tenant_ref(typed, DIGITS_REF)
    assert caught.value.field == "tenant_ref"
    assert caught.value.message == message
    assert "00123456" in caught.value.text("fr")


# --- birth date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, iso", [
    ("25/12/1980", "1980-12-25"),
    ("25 12 1980", "1980-12-25"),
    ("25121980", "1980-12-25"),
    ("25-12-1980", "1980-12-25"),
    ("25.12.1980", "1980-12-25"),
    ("3/7/1975", "1975-07-03"),
    (" 03 / 07 / 1975 ", "1975-07-03"),
    ("29/02/2000", "2000-02-29"),  # 2000 was a leap year
    ("29/02/1988", "1988-02-29"),
    ("03/12/2008", "2008-12-03"),  # 16 years old today
    ("03/12/1904", "1904-12-03"),  # 120 years old today
])
def test_birth_dates_typed_day_first(typed, iso):
    assert clean_birth_date(typed, TODAY) == iso


@pytest.mark.parametrize("typed, message", [
    ("", validation._BIRTH_EMPTY),
    ("29/02/2023", validation._BIRTH_NO_SUCH_DAY),  # 2023 is not a leap year
    ("29/02/1900", validation._BIRTH_NO_SUCH_DAY),  # nor was 1900
    ("31/04/1980", validation._BIRTH_NO_SUCH_DAY),
    ("00/12/1980", validation._BIRTH_NO_SUCH_DAY),
    ("32/01/1980", validation._BIRTH_NO_SUCH_DAY),
    ("25/13/1980", validation._BIRTH_BAD_MONTH),
    ("25/00/1980", validation._BIRTH_BAD_MONTH),
    ("04/12/2024", validation._BIRTH_FUTURE),  # tomorrow
    ("25/12/2030", validation._BIRTH_FUTURE),
    ("15/06/2009", validation._BIRTH_TOO_YOUNG),  # 15 years old
    ("04/12/2008", validation._BIRTH_TOO_YOUNG),  # 16 tomorrow
    ("03/12/1903", validation._BIRTH_TOO_OLD),  # 121 years old today
    ("25/12/0000", validation._BIRTH_TOO_OLD),
    ("25/12/80", validation._BIRTH_SHORT_YEAR),
    ("251280", validation._BIRTH_SHORT_YEAR),
    ("1980-12-25", validation._BIRTH_FORMAT),  # year first: not how the form asks
    ("25 décembre 1980", validation._BIRTH_FORMAT),
    ("25/12/19800", validation._BIRTH_FORMAT),
    ("2512198", validation._BIRTH_FORMAT),
])
def test_impossible_birth_dates_are_refused(typed, message):
    with pytest.raises(InvalidInput) as caught:
        clean_birth_date(typed, TODAY)
    assert caught.value.field == "birth_date"
    assert caught.value.message == message


def test_non_existent_day_message_says_which_day():
    with pytest.raises(InvalidInput) as caught:
        clean_birth_date("29/02/2023", TODAY)
    assert caught.value.text("fr") == (
        "Votre date de naissance n'existe pas\u00a0: il n'y a pas de 29/02 en 2023. "
        "Vérifiez le jour, comme 25/12/1980.")


# --- every message ------------------------------------------------------------------------------

def _messages_in_module() -> list[str]:
    """Every string literal inside an N_() call in kiosk/validation.py."""
    tree = ast.parse(Path(validation.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
            (argument,) = node.args
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), \
                "N_() must hold a plain literal so the extractor can find it"
            found.append(argument.value)
    return found


MESSAGES = _messages_in_module()
FIELD_WORDS = ("Votre nom", "Votre prénom", "Votre adresse e-mail", "Le numéro de portable",
               "Votre référence client", "Votre date de naissance",
               "Dans votre date de naissance")


def test_messages_are_found():
    assert len(MESSAGES) >= 40


@pytest.mark.parametrize("message", MESSAGES)
def test_every_message_names_its_field_and_says_how_to_fix_it(message):
    assert message.startswith(FIELD_WORDS), message
    # How to fix it: an instruction, and an example or a precise check to make.
    assert re.search(r"\b(écrivez|enlevez|gardez|vérifiez|recopiez|effacez)", message,
                     re.IGNORECASE), message
    assert re.search(r"(par exemple|comme|Vérifiez l'année)", message, re.IGNORECASE), message
    assert message.endswith("."), message
    # Short sentences (plain-language rule of thumb), no English left over.
    for sentence in re.split(r"(?<=\.) ", message):
        assert len(sentence.split()) <= 20, sentence
    assert not re.search(r"\b(the|should|invalid|period)\b", message, re.IGNORECASE)


def test_error_text_uses_the_translation_then_fills_placeholders(monkeypatch):
    monkeypatch.setattr(validation, "translate",
                        lambda text, language: "[%s] %s" % (language, text))
    err = InvalidInput("mobile", validation._MOBILE_LENGTH, count=9)
    assert err.text("en").startswith("[en] Le numéro de portable a 10 chiffres. Vous en avez "
                                      "écrit 9.")


def test_invalid_input_is_a_value_error_holding_field_message_and_params():
    err = InvalidInput("name", "Votre nom : {char}.", {"char": "1"})
    assert isinstance(err, ValueError)
    assert (err.field, err.message, err.params) == ("name", "Votre nom : {char}.", {"char": "1"})
    assert err.text("fr") == "Votre nom\u00a0: 1."   # French typography: no-break space
