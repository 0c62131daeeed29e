"""Field rules shared by the API models and the command line, in plain Python.

Each check returns the normalised value or raises `RuleError`, whose message completes the
sentence "Field 'x' ...". No pydantic here, so that the CLI starts fast.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from hub.timeutil import paris_today

LANGUAGES = ("fr", "en", "es", "pt")
ACTION_TYPES = ("account_request", "booking", "booking_cancel", "assistance_call", "feedback")
TOPIC_KINDS = {
    "email": "general",
    "internet": "general",
    "office": "general",
    "portal": "specific",
    "housing_request": "specific",
    "exchange": "specific",
}

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_JOURNEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Punctuation that belongs in names: apostrophes, hyphen, space, dots (the middle dots are the
# Catalan "l·l" and the katakana separator between given and family names).
_NAME_PUNCTUATION = frozenset("'\u2019- .\u00b7\u30fb")
_ZWNJ = "\u200c"  # Persian and Indic names need the zero-width non-joiner inside words
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


class RuleError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_name(value: str) -> str:
    """A person's name in any script: letters and marks, plus ' ’ - . and spaces."""
    value = unicodedata.normalize("NFC", value).strip()
    if not 1 <= len(value) <= 80:
        raise RuleError("invalid_name", "must be a name of 1 to 80 characters")
    if _VARIATION_SELECTORS.search(value):
        raise RuleError("invalid_name", "must contain only letters, apostrophes, hyphens, dots and spaces (no emoji)")
    for ch in value:
        category = unicodedata.category(ch)
        if category[0] == "L" or category in ("Mn", "Mc") or ch in _NAME_PUNCTUATION or ch == _ZWNJ:
            continue
        if category[0] == "N":
            raise RuleError("invalid_name", "must not contain digits; expected letters, apostrophes, hyphens, dots and spaces")
        raise RuleError("invalid_name", "must contain only letters, apostrophes, hyphens, dots and spaces (no emoji, symbols or control characters)")
    if not any(unicodedata.category(ch)[0] == "L" for ch in value):
        raise RuleError("invalid_name", "must contain at least one letter")
    return value


def check_text(value: str, max_length: int) -> str:
    """Free text on one line: stripped, 1..max_length characters, no control characters."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise RuleError("blank_field", "must not be empty or blank")
    if len(value) > max_length:
        raise RuleError("too_long", f"must be at most {max_length} characters long")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in value):
        raise RuleError("invalid_text", "must not contain control characters such as line breaks or tabs")
    return value


def check_identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise RuleError("invalid_identifier", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


def check_journey(value: str) -> str:
    if not _JOURNEY.fullmatch(value):
        raise RuleError("invalid_identifier", "must be a short identifier: 1 to 32 lowercase letters, digits or '_', starting with a letter (e.g. 'booking')")
    return value


def check_rfc3339(value: str) -> str:
    if not _RFC3339.fullmatch(value):
        raise RuleError("invalid_datetime", "must be an RFC 3339 date-time with a UTC offset, like 2025-03-04T14:05:00+01:00 or 2025-03-04T13:05:00Z")
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        raise RuleError("invalid_datetime", "must be a real date and time in RFC 3339 form, like 2025-03-04T14:05:00+01:00") from None
    return value


def check_birth_date(value: str) -> str:
    expected = "must be a real date in the past, written YYYY-MM-DD (like 1956-04-23)"
    if not _DATE.fullmatch(value):
        raise RuleError("invalid_date", expected)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RuleError("invalid_date", expected) from None
    if not date(1900, 1, 1) <= parsed < paris_today():
        raise RuleError("invalid_date", "must be a past date after 1900-01-01, written YYYY-MM-DD")
    return value
