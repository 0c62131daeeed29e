"""Site settings an agent changes in agent mode, without editing files: the language each visitor
starts in, and the speech volume. Everything else stays in the config file.

They live in `<data_dir>/site.json`, written atomically (temporary file, fsync, rename, fsync of
the folder), so a power cut leaves either the old settings or the new ones. A missing or broken
file, or a value the config no longer allows (a language taken out of `languages`), falls back to
the config's value, with a log line: a bad file never stops the kiosk.

Plain Python, no Kivy: the app applies the settings at start and on change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from kiosk.config import Config
from kiosk.durable import load_json, save_json

log = logging.getLogger(__name__)

SITE_FILE = "site.json"
VOLUME_STEP = 10          # percent, one touch of "-" or "+" in agent mode


@dataclass(frozen=True)
class SiteSettings:
    default_language: str
    speech_volume: int | None = None   # percent 0..100; None: the speech engine's own default

    @property
    def volume_fraction(self) -> float | None:
        """The volume as the speech engine takes it (0..1), or None to leave its default."""
        return None if self.speech_volume is None else self.speech_volume / 100


class SiteStore:
    """Reads and writes this kiosk's site settings, checked against its config."""

    def __init__(self, config: Config):
        self.config = config
        self.path = config.kiosk.data_dir / SITE_FILE

    def defaults(self) -> SiteSettings:
        return SiteSettings(default_language=self.config.kiosk.default_language)

    def load(self) -> SiteSettings:
        settings = self.defaults()
        try:
            data = load_json(self.path)
        except ValueError as problem:
            log.warning("site settings %s %s; using the config's values", self.path, problem)
            return settings
        if data is None:
            return settings
        language = data.get("default_language")
        if language is not None:
            if language in self.config.kiosk.languages:
                settings = replace(settings, default_language=language)
            else:
                log.warning("site settings %s: default_language %r is not one of the kiosk's "
                            "languages %s; using %r", self.path, language,
                            list(self.config.kiosk.languages), settings.default_language)
        volume = data.get("speech_volume")
        if volume is not None:
            if isinstance(volume, int) and not isinstance(volume, bool) and 0 <= volume <= 100:
                settings = replace(settings, speech_volume=volume)
            else:
                log.warning("site settings %s: speech_volume %r is not a percentage from 0 to "
                            "100; ignored", self.path, volume)
        return settings

    def save(self, settings: SiteSettings) -> None:
        """Check, then write durably. ValueError for a value the config does not allow."""
        if settings.default_language not in self.config.kiosk.languages:
            raise ValueError(f"{settings.default_language!r} is not one of the kiosk's languages "
                             f"{list(self.config.kiosk.languages)}")
        volume = settings.speech_volume
        if volume is not None and not (isinstance(volume, int) and 0 <= volume <= 100):
            raise ValueError(f"speech volume {volume!r} is not a percentage from 0 to 100")
        save_json(self.path, {"default_language": settings.default_language,
                              "speech_volume": volume})
