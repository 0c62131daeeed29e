"""Translation: French texts are the msgids; gettext catalogs give English, Spanish, Portuguese.

Core code (kiosk/) marks tenant-facing texts with N_() and keeps them untranslated, so a
message can be shown again in whatever language the tenant switches to. Screens translate at
display time: in KV, `app.tr("Bonjour !", app.language)` (passing app.language makes Kivy
re-evaluate the text when the language changes).

French text is shown with French typography: the space before ? ! : ; and inside « » becomes a
no-break space, so a sign never starts a line at any text size. A msgid may be written with
plain spaces or with "\u00a0"; the catalogues (`make locales`) are described in the README.
"""

from __future__ import annotations

import gettext
import logging
import re
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"
DOMAIN = "kiosk"
SOURCE_LANGUAGE = "fr"
# A plain space before a two-part sign, or just inside French quotation marks.
_FRENCH_SPACE = re.compile(r" (?=[?!:;»])|(?<=«) ")


def N_(text: str) -> str:
    """Mark a tenant-facing text for extraction; it is translated when shown, not here."""
    return text


@lru_cache(maxsize=None)
def _catalog(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
    if type(catalog) is gettext.NullTranslations:
        log.warning("no compiled catalogue for %r in %s (run `make locales-compiled`): "
                    "showing French", language, LOCALE_DIR)
    return catalog


def french_typography(text: str) -> str:
    """"Bonjour !" -> "Bonjour\u00a0!": no-break spaces where French typography wants them."""
    return _FRENCH_SPACE.sub("\u00a0", text)


def translate(text: str, language: str) -> str:
    """The text in that language; the French text itself where no translation exists yet."""
    if not text:
        return text
    if language == SOURCE_LANGUAGE:
        return french_typography(text)
    return _catalog(language).gettext(text)
