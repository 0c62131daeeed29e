"""Kiosk configuration: a TOML file read into frozen dataclasses.

Every key has a default, a type and a one-line check; `config/kiosk.toml` documents each one
(a test keeps the two in step). Any mistake in a file gives one `ConfigError` that names the
file, the key, what was found and what is expected, so IT can fix it without reading code.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

SHIPPED_LANGUAGES = ("fr", "en", "es", "pt")


class ConfigError(Exception):
    """A configuration file that cannot be used, explained for the person who wrote it."""


# --- checks: each returns None when the value is fine, else what is expected -------------------

def _positive(value) -> str | None:
    return None if value > 0 else "a number greater than 0"


def _at_least(minimum) -> Callable[[Any], str | None]:
    return lambda value: None if value >= minimum else f"a number of at least {minimum}"


def _between(low, high) -> Callable[[Any], str | None]:
    return lambda value: None if low <= value <= high else f"a number from {low} to {high}"


def _non_blank(value: str) -> str | None:
    return None if value.strip() else "a text that is not empty"


def _identifier(value: str) -> str | None:
    ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value)
    return None if ok else "letters, digits, '.', '_' or '-' (1 to 64, no spaces)"


def _is_loopback(host: str) -> bool:
    """This machine: localhost, 127.0.0.0/8 or ::1 (a name is trusted only as "localhost")."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_url(value: str) -> str | None:
    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "an address starting with http:// or https://"
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        return ("an address starting with https:// (tenants' personal data must travel "
                "encrypted; plain http:// is only for this machine: 127.0.0.1, localhost or ::1)")
    return None


def _languages(value: list) -> str | None:
    unknown = [lang for lang in value if lang not in SHIPPED_LANGUAGES]
    if not value or unknown:
        return f"a non-empty list taken from {list(SHIPPED_LANGUAGES)}"
    return None


def _language(value: str) -> str | None:
    return None if value in SHIPPED_LANGUAGES else f"one of {list(SHIPPED_LANGUAGES)}"


def _regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as err:
        return f"a valid regular expression ({err})"
    return None


def _colour(value: str) -> str | None:
    return None if re.fullmatch(r"#[0-9A-Fa-f]{6}", value) else 'a colour like "#005A9C"'


def _primary_colour(value: str) -> str | None:
    from kiosk.theme import TEXT_MINIMUM, WHITE, contrast_ratio, readable_shade

    problem = _colour(value)
    if problem is None and contrast_ratio(value, WHITE) < TEXT_MINIMUM:
        # White text goes on it, and it fills buttons on a white page: too light fails both.
        return (f"a colour dark enough for white text on it (contrast {TEXT_MINIMUM}:1 or more; "
                f"this one gives {contrast_ratio(value, WHITE):.1f}:1), such as "
                f"\"{readable_shade(value)}\", a darker shade of it")
    return problem


def _existing_file(value: Path) -> str | None:
    return None if value.is_file() else "a file that exists (or an empty text for none)"


def _key(default, check: Callable[[Any], str | None] | None = None, *, path: bool = False):
    """A config key: its default, an optional check, and whether it is a path (made absolute)."""
    return field(default=default, metadata={"check": check, "path": path})


# --- sections -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KioskSettings:
    id: str = _key("kiosk-1", _identifier)
    agency: str = _key("Centre Ouest", _non_blank)
    data_dir: Path = _key(Path("/var/lib/lobby-kiosk"), path=True)
    languages: tuple[str, ...] = _key(SHIPPED_LANGUAGES, _languages)
    default_language: str = _key("fr", _language)
    idle_timeout_seconds: int = _key(90, _at_least(30))
    idle_warning_seconds: int = _key(20, _at_least(20))


@dataclass(frozen=True)
class HubSettings:
    url: str = _key("http://127.0.0.1:8765", _http_url)
    token_file: Path = _key(Path("/etc/lobby-kiosk/kiosk.token"), path=True)
    connect_timeout_seconds: float = _key(3.05, _between(0.1, 60))
    read_timeout_seconds: float = _key(10.0, _between(0.1, 120))
    catalog_refresh_seconds: int = _key(300, _at_least(10))
    heartbeat_seconds: int = _key(60, _at_least(5))
    assistance_poll_seconds: float = _key(2.0, _between(0.5, 60))


@dataclass(frozen=True)
class OutboxSettings:
    retry_base_seconds: float = _key(2.0, _between(0.01, 60))
    retry_cap_seconds: float = _key(300.0, _between(1, 300))
    stuck_after_attempts: int = _key(12, _at_least(1))
    stuck_after_seconds: int = _key(6 * 3600, _at_least(60))
    stuck_retry_seconds: int = _key(3600, _at_least(60))
    assistance_expiry_seconds: int = _key(600, _at_least(30))
    retention_days: float = _key(7.0, _between(0, 365))


@dataclass(frozen=True)
class PortalSettings:
    signup_url: str = _key("https://espace-locataire.example.fr/inscription", _http_url)
    password_reset_url: str = _key("https://espace-locataire.example.fr/mot-de-passe-oublie",
                                   _http_url)


@dataclass(frozen=True)
class TenantReferenceSettings:
    pattern: str = _key(r"[0-9]{8}", _regex)
    example: str = _key("00123456", _non_blank)
    ask_birth_date: bool = _key(True)


@dataclass(frozen=True)
class BrandingSettings:
    name: str = _key("Votre bailleur", _non_blank)
    logo: Path | None = _key(None, _existing_file, path=True)
    primary_color: str = _key("#005A9C", _primary_colour)



def _player_command(value: str) -> str | None:
    import shlex

    try:
        words = shlex.split(value)
    except ValueError as err:
        return f"a command line ({err})"
    return None if words else "a command line such as \"aplay -q -D {device} -\""


@dataclass(frozen=True)
class SpeechSettings:
    """Read-aloud: espeak-ng synthesises, a player (aplay) plays; kiosk/speech.py."""
    enabled: bool = _key(True)
    rate_wpm: int = _key(150, _between(80, 300))
    volume: int = _key(80, _between(0, 100))
    voice_fr: str = _key("fr-fr", _non_blank)
    voice_en: str = _key("en-gb", _non_blank)
    voice_es: str = _key("es", _non_blank)
    voice_pt: str = _key("pt", _non_blank)
    espeak_command: str = _key("espeak-ng", _non_blank)
    player_command: str = _key("aplay -q -D {device} -", _player_command)
    device: str = _key("default", _non_blank)
    private_headset: bool = _key(False)

@dataclass(frozen=True)
class ScreenSettings:
    """The physical screen: kiosk/geometry.py turns sizes in px into millimetres with it."""
    width_mm: float = _key(476.0, _between(50, 3000))      # 21.5" 16:9 panel
    height_mm: float = _key(268.0, _between(50, 3000))
    width_px: int = _key(0, _at_least(0))                  # 0: the window's width
    height_px: int = _key(0, _at_least(0))
    viewing_distance_cm: float = _key(50.0, _between(20, 300))


def _passcode_hash(value: str) -> str | None:
    from kiosk.agentmode import hash_problem   # here: agentmode imports this module

    return hash_problem(value) if value else None


@dataclass(frozen=True)
class AgentSettings:
    passcode_hash: str = _key("", _passcode_hash)
    relock_seconds: int = _key(120, _at_least(15))
    lockout_base_seconds: int = _key(30, _at_least(1))
    lockout_cap_seconds: int = _key(900, _at_least(1))


@dataclass(frozen=True)
class Config:
    kiosk: KioskSettings = KioskSettings()
    hub: HubSettings = HubSettings()
    outbox: OutboxSettings = OutboxSettings()
    portal: PortalSettings = PortalSettings()
    tenant_reference: TenantReferenceSettings = TenantReferenceSettings()
    branding: BrandingSettings = BrandingSettings()
    screen: ScreenSettings = ScreenSettings()
    agent: AgentSettings = AgentSettings()
    speech: SpeechSettings = SpeechSettings()
    source: Path | None = None  # the file this was read from; not a key

    @property
    def outbox_path(self) -> Path:
        return self.kiosk.data_dir / "outbox.db"

    @property
    def catalog_path(self) -> Path:
        return self.kiosk.data_dir / "catalog.json"


SECTIONS: dict[str, type] = {
    f.name: f.type if isinstance(f.type, type) else globals()[f.type]
    for f in dataclasses.fields(Config) if f.name != "source"
}


def documented_keys() -> dict[str, list[str]]:
    """Every key the loader accepts, by section (what config/kiosk.toml must document)."""
    return {name: [f.name for f in dataclasses.fields(cls)] for name, cls in SECTIONS.items()}


# --- loading ------------------------------------------------------------------------------------

_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a text",
               Path: "a file or folder path", tuple: "a list"}


def _describe(value) -> str:
    kind = {bool: "true/false", int: "a whole number", float: "a number", str: "a text",
            list: "a list", dict: "a section"}.get(type(value), type(value).__name__)
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{shown} ({kind})"


def _convert(raw, annotation: str, base_dir: Path):
    """The value in the dataclass's type, or raise TypeError with what was expected."""
    optional = annotation.endswith("| None")
    kind = annotation.replace("| None", "").strip()
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        raise TypeError(_TYPE_WORDS[bool])
    if kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise TypeError(_TYPE_WORDS[int])
    if kind == "float":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        raise TypeError(_TYPE_WORDS[float])
    if kind == "str":
        if isinstance(raw, str):
            return raw
        raise TypeError(_TYPE_WORDS[str])
    if kind == "Path":
        if isinstance(raw, str) and (raw.strip() or optional):
            if optional and not raw.strip():
                return None
            path = Path(raw).expanduser()
            return path if path.is_absolute() else (base_dir / path).resolve()
        raise TypeError(_TYPE_WORDS[Path])
    if kind.startswith("tuple"):
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            return tuple(raw)
        raise TypeError("a list of texts, like [\"fr\", \"en\"]")
    raise AssertionError(f"unhandled config type {annotation}")


def _load_section(cls, raw: dict, section: str, source: Path):
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            raise ConfigError(
                f"{source}: [{section}] has an unknown key '{key}'. "
                f"Expected one of: {', '.join(known)}.")
    values = {}
    for key, value in raw.items():
        spec = known[key]
        where = f"{source}: [{section}] {key}"
        try:
            converted = _convert(value, str(spec.type), source.parent)
        except TypeError as expected:
            raise ConfigError(f"{where}: found {_describe(value)}; expected {expected}.") from None
        check = spec.metadata.get("check")
        problem = check(converted) if check and converted is not None else None
        if problem:
            raise ConfigError(f"{where}: found {_describe(value)}; expected {problem}.")
        values[key] = converted
    return cls(**values)


def _cross_checks(config: Config, source: Path) -> None:
    if config.agent.lockout_cap_seconds < config.agent.lockout_base_seconds:
        raise ConfigError(
            f"{source}: [agent] lockout_cap_seconds: found {config.agent.lockout_cap_seconds}; "
            f"expected at least lockout_base_seconds ({config.agent.lockout_base_seconds}).")
    if config.kiosk.default_language not in config.kiosk.languages:
        raise ConfigError(
            f"{source}: [kiosk] default_language: found '{config.kiosk.default_language}'; "
            f"expected one of the kiosk's languages {list(config.kiosk.languages)}.")
    example = config.tenant_reference.example
    if not re.fullmatch(config.tenant_reference.pattern, example):
        raise ConfigError(
            f"{source}: [tenant_reference] example: found '{example}'; expected a reference "
            f"that matches the pattern '{config.tenant_reference.pattern}'.")


def load_config(path: str | Path) -> Config:
    """Read and check a kiosk config file; raise ConfigError with a clear message if it is off."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file. Expected a kiosk config file "
                          f"(see config/kiosk.toml for every key).") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{source}: cannot be read ({err}).") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: is not valid TOML: {err}.") from None

    sections = {}
    for name, value in raw.items():
        if name not in SECTIONS:
            raise ConfigError(f"{source}: unknown section [{name}]. "
                              f"Expected one of: {', '.join('[' + s + ']' for s in SECTIONS)}.")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: '{name}' should be a section [{name}], "
                              f"found {_describe(value)}.")
        sections[name] = _load_section(SECTIONS[name], value, name, source.resolve())
    config = Config(**sections, source=source.resolve())
    _cross_checks(config, source)
    return config
