"""Translation: French texts are the msgids; gettext catalogs give English, Spanish, Portuguese.

Core code (kiosk/) marks tenant-facing texts with N_() and keeps them untranslated, so a
message can be shown again in whatever language the tenant switches to. Screens translate at
display time: in KV, `app.tr("Bonjour !", app.language)` (passing app.language makes Kivy
re-evaluate the text when the language changes).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"
DOMAIN = "kiosk"
SOURCE_LANGUAGE = "fr"


def N_(text: str) -> str:
    """Mark a tenant-facing text for extraction; it is translated when shown, not here."""
    return text


@lru_cache(maxsize=None)
def _catalog(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def translate(text: str, language: str) -> str:
    """The text in that language; the French text itself where no translation exists yet."""
    return _catalog(language).gettext(text) if text else text
