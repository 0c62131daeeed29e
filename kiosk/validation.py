"""Checking and normalising what a tenant types, with a kind French message when it is wrong.

Each `clean_*` function returns the value in the form the hub expects (E.164 mobile, normalised
e-mail, ISO birth date...) or raises `InvalidInput`. Its `message` is a French msgid marked
with N_() so a screen can show it in the tenant's language, now or after a language switch:
`err.text(app.language)`. Every message names the field and says how to fix it, with an example.
Nothing here is logged: what a tenant typed is personal data.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberType

from kiosk.config import TenantReferenceSettings
from kiosk.i18n import N_, translate


class InvalidInput(ValueError):
    """What a tenant typed cannot be used; `text(language)` says why and how to fix it."""

    def __init__(self, field: str, message: str, params: dict | None = None, /, **more):
        self.field = field
        self.message = message  # a French msgid, may hold {placeholders}
        self.params = {**(params or {}), **more}
        super().__init__(field, message)

    def text(self, language: str) -> str:
        """The message in `language`, placeholders filled in."""
        return translate(self.message, language).format(**self.params)

    def __str__(self) -> str:
        return f"{self.field}: {self.text('fr')}"


# --- names --------------------------------------------------------------------------------------

NAME_MAX_LENGTH = 80

# Apostrophes (straight and typographic), hyphen, full stop ("St."); everything else that is not
# a letter, a mark or a space is refused.
_NAME_PUNCTUATION = frozenset("'\u2019-.")
_ZWNJ = "\u200c"  # zero-width non-joiner: part of the correct spelling of Persian names

# One table per field so every message names the field and shows a fitting example; the texts
# are written out in full so the extractor finds them.
_NAME_MESSAGES = {
    "name": {
        "empty": N_("Votre nom est vide. Écrivez votre prénom et votre nom, "
                    "par exemple : Marie Dupont."),
        "too_long": N_("Votre nom est trop long. Écrivez 80 lettres au plus, "
                       "par exemple : Marie Dupont."),
        "digit": N_("Votre nom contient un chiffre : « {char} ». Écrivez seulement des lettres, "
                    "par exemple : Marie Dupont."),
        "symbol": N_("Votre nom contient un signe : « {char} ». Écrivez seulement des lettres, "
                     "par exemple : Marie Dupont."),
        "invisible": N_("Votre nom contient un signe invisible. Effacez tout et écrivez votre "
                        "nom de nouveau, par exemple : Marie Dupont."),
        "no_letter": N_("Votre nom n'a pas de lettre. Écrivez votre prénom et votre nom, "
                        "par exemple : Marie Dupont."),
    },
    "surname": {
        "empty": N_("Votre nom de famille est vide. Écrivez votre nom de famille, "
                    "par exemple : Dupont."),
        "too_long": N_("Votre nom de famille est trop long. Écrivez 80 lettres au plus, "
                       "par exemple : Dupont."),
        "digit": N_("Votre nom de famille contient un chiffre : « {char} ». Écrivez seulement "
                    "des lettres, par exemple : Dupont."),
        "symbol": N_("Votre nom de famille contient un signe : « {char} ». Écrivez seulement "
                     "des lettres, par exemple : Dupont."),
        "invisible": N_("Votre nom de famille contient un signe invisible. Effacez tout et "
                        "écrivez votre nom de famille de nouveau, par exemple : Dupont."),
        "no_letter": N_("Votre nom de famille n'a pas de lettre. Écrivez votre nom de famille, "
                        "par exemple : Dupont."),
    },
    "first_name": {
        "empty": N_("Votre prénom est vide. Écrivez votre prénom, par exemple : Marie."),
        "too_long": N_("Votre prénom est trop long. Écrivez 80 lettres au plus, "
                       "par exemple : Marie."),
        "digit": N_("Votre prénom contient un chiffre : « {char} ». Écrivez seulement "
                    "des lettres, par exemple : Marie."),
        "symbol": N_("Votre prénom contient un signe : « {char} ». Écrivez seulement "
                     "des lettres, par exemple : Marie."),
        "invisible": N_("Votre prénom contient un signe invisible. Effacez tout et écrivez "
                        "votre prénom de nouveau, par exemple : Marie."),
        "no_letter": N_("Votre prénom n'a pas de lettre. Écrivez votre prénom, "
                        "par exemple : Marie."),
    },
}


def _name_error(field: str, case: str, **params) -> InvalidInput:
    messages = _NAME_MESSAGES.get(field, _NAME_MESSAGES["name"])
    return InvalidInput(field, messages[case], params)


def clean_name(text: str, field: str = "name") -> str:
    """A person's name: NFC, trimmed, inner spaces collapsed to one; 1 to 80 characters.

    Letters of any script, combining marks after a letter, spaces, ' ’ - . and ZWNJ are
    accepted; digits, emoji and other symbols, control and invisible characters are refused,
    and so is a name without a single letter. `field` ("name", "surname" or "first_name")
    picks the wording of the messages and is the `field` of the error.
    """
    # Any Unicode white space (tab, no-break space...) counts as one space between words.
    name = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not name:
        raise _name_error(field, "empty")
    has_letter = False
    previous = " "
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            has_letter = True
        elif category.startswith("M"):
            # A mark on nothing (start of the name, after a space or a sign) draws as a
            # dotted circle: almost certainly a stray keystroke.
            if not (unicodedata.category(previous)[0] in "LM" or previous == _ZWNJ):
                raise _name_error(field, "invisible")
        elif char == " " or char in _NAME_PUNCTUATION or char == _ZWNJ:
            pass
        elif category.startswith("N"):
            raise _name_error(field, "digit", char=char)
        elif category.startswith("C") or category.startswith("Z"):
            raise _name_error(field, "invisible")
        else:  # P* other than ' ’ - ., S* (emoji, currency, maths...)
            raise _name_error(field, "symbol", char=char)
        previous = char
    if not has_letter:
        raise _name_error(field, "no_letter")
    if len(name) > NAME_MAX_LENGTH:
        raise _name_error(field, "too_long")
    return name


# --- mobile phone -------------------------------------------------------------------------------

# Regions whose numbers are written nationally like mainland ones (0 + 9 digits): a kiosk in
# La Réunion gets "0692 12 34 56", which is +262, not +33.
_FRENCH_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
_PHONE_SEPARATORS = frozenset(" .-/()")

_MOBILE_EMPTY = N_("Le numéro de portable est vide. Écrivez 10 chiffres, "
                   "comme 06 12 34 56 78.")
_MOBILE_NOT_DIGITS = N_("Le numéro de portable contient « {char} ». Écrivez seulement "
                        "des chiffres, comme 06 12 34 56 78.")
_MOBILE_LENGTH = N_("Le numéro de portable a 10 chiffres. Vous en avez écrit {count}. "
                    "Écrivez 10 chiffres, comme 06 12 34 56 78.")
_MOBILE_LANDLINE = N_("Le numéro de portable est celui d'un téléphone fixe. Écrivez le numéro "
                      "de votre portable. Il commence par 06 ou 07, comme 06 12 34 56 78.")
_MOBILE_NOT_MOBILE = N_("Le numéro de portable ne peut pas recevoir de SMS. Écrivez le numéro "
                        "de votre portable. Il commence par 06 ou 07, comme 06 12 34 56 78.")
_MOBILE_UNKNOWN = N_("Le numéro de portable n'existe pas. Vérifiez les chiffres. "
                     "Écrivez 10 chiffres, comme 06 12 34 56 78.")
_MOBILE_BAD_COUNTRY = N_("Le numéro de portable commence mal. "
                         "Vérifiez les chiffres après le +, comme +33 6 12 34 56 78.")


def _mobile_error(message: str, **params) -> InvalidInput:
    return InvalidInput("mobile", message, params)


def clean_mobile(text: str) -> str:
    """A mobile number in E.164 ("+33612345678").

    French mobiles in every common writing ("06 12 34 56 78", "06.12.34.56.78", "+33 (0)6 12
    34 56 78", "0033 6 12 34 56 78"...), overseas French ones written nationally ("0692...")
    too. Another country's number only with + or 00 in front. Landlines and other numbers that
    cannot receive a text message are refused.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()  # full-width digits and plus
    if not raw:
        raise _mobile_error(_MOBILE_EMPTY)
    for index, char in enumerate(raw):
        if char.isdigit() or char in _PHONE_SEPARATORS or char.isspace():
            continue
        if char == "+" and index == 0:
            continue
        raise _mobile_error(_MOBILE_NOT_DIGITS, char=char)
    digits = "".join(c for c in raw if c.isdigit())
    if not digits:
        raise _mobile_error(_MOBILE_EMPTY)
    international = raw.startswith("+") or digits.startswith("00")
    if international:
        number = _parse_phone(raw, "FR")
        if number is None:
            raise _mobile_error(_MOBILE_UNKNOWN)
    else:
        # A French number written nationally: 0 + 9 digits, or the 9 digits alone.
        if not (len(digits) == 10 and digits[0] == "0" or len(digits) == 9 and digits[0] != "0"):
            raise _mobile_error(_MOBILE_LENGTH, count=len(digits))
        number = next((n for n in (_parse_phone(digits, r) for r in _FRENCH_REGIONS)
                       if n is not None and phonenumbers.is_valid_number(n)), None)
        if number is None:
            raise _mobile_error(_MOBILE_UNKNOWN)
    if not phonenumbers.is_valid_number(number):
        raise _mobile_error(_MOBILE_UNKNOWN)
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.FIXED_LINE:
        raise _mobile_error(_MOBILE_LANDLINE)
    if kind not in _MOBILE_TYPES:
        raise _mobile_error(_MOBILE_NOT_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as err:
        if err.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise _mobile_error(_MOBILE_BAD_COUNTRY) from None
        return None


# --- e-mail -------------------------------------------------------------------------------------

_EMAIL_EMPTY = N_("Votre adresse e-mail est vide. Écrivez-la en entier, "
                  "par exemple : marie.dupont@gmail.com.")
_EMAIL_SPACE = N_("Votre adresse e-mail contient un espace. Enlevez les espaces, "
                  "par exemple : marie.dupont@gmail.com.")
_EMAIL_NO_AT = N_("Votre adresse e-mail n'a pas de @. Écrivez le @ entre votre nom et "
                  "la fin de l'adresse, par exemple : marie.dupont@gmail.com.")
_EMAIL_MANY_AT = N_("Votre adresse e-mail a plusieurs @. Gardez un seul @, "
                    "par exemple : marie.dupont@gmail.com.")
_EMAIL_NOTHING_BEFORE_AT = N_("Votre adresse e-mail n'a rien avant le @. Écrivez votre nom "
                              "avant le @, par exemple : marie.dupont@gmail.com.")
_EMAIL_NOTHING_AFTER_AT = N_("Votre adresse e-mail n'a rien après le @. Écrivez la fin de "
                             "l'adresse après le @, par exemple : marie.dupont@gmail.com.")
_EMAIL_NO_DOT_AFTER_AT = N_("Votre adresse e-mail n'a pas de point après le @. Écrivez la fin "
                            "de l'adresse, par exemple : marie.dupont@gmail.com.")
_EMAIL_BAD_DOT = N_("Votre adresse e-mail a un point mal placé. Vérifiez les points : pas au "
                    "début, pas à la fin, jamais deux à la suite. Par exemple : "
                    "marie.dupont@gmail.com.")
_EMAIL_ACCENT = N_("Votre adresse e-mail contient une lettre avec un accent : « {char} ». "
                   "Écrivez la lettre sans accent, par exemple : elodie.dupont@gmail.com.")
_EMAIL_SIGN = N_("Votre adresse e-mail contient un signe qui n'est pas permis : « {char} ». "
                 "Enlevez-le, par exemple : marie.dupont@gmail.com.")
_EMAIL_TOO_LONG = N_("Votre adresse e-mail est trop longue. Vérifiez-la, "
                     "par exemple : marie.dupont@gmail.com.")
_EMAIL_INVALID = N_("Votre adresse e-mail n'est pas juste. Vérifiez chaque lettre, "
                    "par exemple : marie.dupont@gmail.com.")

_EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit; email-validator enforces it too
# Signs a plain (unquoted) address may hold before the @ (RFC 5322 atext).
_EMAIL_LOCAL_SIGNS = frozenset("!#$%&'*+-/=?^_`{|}~.")


def _email_error(message: str, **params) -> InvalidInput:
    return InvalidInput("email", message, params)


def clean_email(text: str) -> str:
    """An e-mail address as email-validator normalises it (domain in lower case...).

    The address must pass email-validator's syntax check (deliverability is not checked: the
    kiosk may be offline). Accented letters before the @ are refused too: on this keyboard they
    are nearly always a slip, and many mail systems cannot take them.
    """
    address = unicodedata.normalize("NFC", text or "").strip()
    if not address:
        raise _email_error(_EMAIL_EMPTY)
    if any(c.isspace() for c in address):
        raise _email_error(_EMAIL_SPACE)
    if "@" not in address:
        raise _email_error(_EMAIL_NO_AT)
    if address.count("@") > 1:
        raise _email_error(_EMAIL_MANY_AT)
    local, domain = address.split("@")
    if not local:
        raise _email_error(_EMAIL_NOTHING_BEFORE_AT)
    if not domain:
        raise _email_error(_EMAIL_NOTHING_AFTER_AT)
    if "." not in domain:
        raise _email_error(_EMAIL_NO_DOT_AFTER_AT)
    if (local.startswith(".") or local.endswith(".") or domain.startswith(".")
            or domain.endswith(".") or ".." in address):
        raise _email_error(_EMAIL_BAD_DOT)
    for char in local:
        if ord(char) > 127 and char.isalpha():
            raise _email_error(_EMAIL_ACCENT, char=char)
        if not (char.isascii() and char.isalnum()) and char not in _EMAIL_LOCAL_SIGNS:
            raise _email_error(_EMAIL_SIGN, char=char)
    if len(address) > _EMAIL_MAX_LENGTH:
        raise _email_error(_EMAIL_TOO_LONG)
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        # What is left: a domain email-validator refuses (bad sign, reserved name, too long
        # label...). Its English reason is not for tenants.
        raise _email_error(_EMAIL_INVALID) from None
    return result.normalized


# --- tenant reference ---------------------------------------------------------------------------

_REF_EMPTY = N_("Votre référence client est vide. Elle est écrite sur votre avis d'échéance. "
                "Recopiez-la, par exemple : {example}.")
_REF_MISMATCH = N_("Votre référence client n'est pas juste. Recopiez-la comme sur votre avis "
                   "d'échéance, par exemple : {example}.")


def clean_tenant_ref(text: str, settings: TenantReferenceSettings) -> str:
    """The client reference printed on the rent notice, spaces removed, matching the landlord's
    pattern (letters upper-cased when only that form matches)."""
    ref = "".join(unicodedata.normalize("NFKC", text or "").split())
    if not ref:
        raise InvalidInput("tenant_ref", _REF_EMPTY, example=settings.example)
    for candidate in (ref, ref.upper()):
        if re.fullmatch(settings.pattern, candidate):
            return candidate
    raise InvalidInput("tenant_ref", _REF_MISMATCH, example=settings.example)


# --- birth date ---------------------------------------------------------------------------------

MIN_AGE = 16
MAX_AGE = 120

_BIRTH_EMPTY = N_("Votre date de naissance est vide. Écrivez le jour, le mois et l'année, "
                  "comme 25/12/1980.")
_BIRTH_FORMAT = N_("Votre date de naissance n'est pas bien écrite. Écrivez le jour, le mois "
                   "et l'année, comme 25/12/1980.")
_BIRTH_SHORT_YEAR = N_("Dans votre date de naissance, écrivez l'année avec 4 chiffres, "
                       "comme 25/12/1980.")
_BIRTH_BAD_MONTH = N_("Votre date de naissance a un mois qui n'existe pas : {month}. "
                      "Le mois va de 01 à 12. Écrivez par exemple 25/12/1980.")
_BIRTH_NO_SUCH_DAY = N_("Votre date de naissance n'existe pas : il n'y a pas de {day}/{month} "
                        "en {year}. Vérifiez le jour, comme 25/12/1980.")
_BIRTH_FUTURE = N_("Votre date de naissance est dans le futur. Vérifiez l'année, "
                   "comme 25/12/1980.")
_BIRTH_TOO_YOUNG = N_("Votre date de naissance est trop récente : moins de 16 ans. Vérifiez "
                      "l'année. Il faut avoir 16 ans ou plus pour cette demande.")
_BIRTH_TOO_OLD = N_("Votre date de naissance est trop ancienne : plus de 120 ans. Vérifiez "
                    "l'année, comme 25/12/1980.")

_DATE_WITH_SEPARATORS = re.compile(r"(\d{1,2})[ /.\-]+(\d{1,2})[ /.\-]+(\d+)")
_DATE_DIGITS_ONLY = re.compile(r"(\d{2})(\d{2})(\d{4})")


def clean_birth_date(text: str, today: dt.date) -> str:
    """A birth date typed day first ("25/12/1980", "25 12 1980", "25121980"; "-" and "." work
    too) as "YYYY-MM-DD". It must exist, not be after `today`, and give an age of 16 to 120."""
    raw = " ".join(unicodedata.normalize("NFKC", text or "").split())
    if not raw:
        raise InvalidInput("birth_date", _BIRTH_EMPTY)
    match = _DATE_WITH_SEPARATORS.fullmatch(raw) or _DATE_DIGITS_ONLY.fullmatch(raw)
    if not match:
        if raw.isdigit() and len(raw) == 6:  # "251280": a two-digit year
            raise InvalidInput("birth_date", _BIRTH_SHORT_YEAR)
        raise InvalidInput("birth_date", _BIRTH_FORMAT)
    day_text, month_text, year_text = match.groups()
    if len(year_text) != 4:
        raise InvalidInput("birth_date",
                           _BIRTH_SHORT_YEAR if len(year_text) < 4 else _BIRTH_FORMAT)
    day, month, year = int(day_text), int(month_text), int(year_text)
    if year < 1:  # "0000": no calendar date, and far too old anyway
        raise InvalidInput("birth_date", _BIRTH_TOO_OLD)
    if not 1 <= month <= 12:
        raise InvalidInput("birth_date", _BIRTH_BAD_MONTH, month=f"{month:02d}")
    try:
        born = dt.date(year, month, day)
    except ValueError:
        raise InvalidInput("birth_date", _BIRTH_NO_SUCH_DAY,
                           day=f"{day:02d}", month=f"{month:02d}", year=year) from None
    if born > today:
        raise InvalidInput("birth_date", _BIRTH_FUTURE)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MIN_AGE:
        raise InvalidInput("birth_date", _BIRTH_TOO_YOUNG)
    if age > MAX_AGE:
        raise InvalidInput("birth_date", _BIRTH_TOO_OLD)
    return born.isoformat()
