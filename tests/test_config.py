"""The kiosk's config file: read into frozen dataclasses, every mistake explained, every key documented."""

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, documented_keys, load_config

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "config" / "kiosk.toml"


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return str(caught.value)


def test_reference_file_gives_the_defaults():
    loaded = load_config(REFERENCE)
    defaults = Config()
    for section in documented_keys():
        assert getattr(loaded, section) == getattr(defaults, section), section


def test_every_key_is_documented_with_a_comment_in_the_reference_file():
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    section = None
    seen: dict[str, list[str]] = {}
    for number, line in enumerate(lines):
        if header := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section = header.group(1)
            seen.setdefault(section, [])
        elif key := re.match(r"(\w+)\s*=", line):
            assert lines[number - 1].startswith("#"), f"[{section}] {key.group(1)} has no comment"
            seen[section].append(key.group(1))
    assert seen == documented_keys()


def test_demo_config_loads():
    config = load_config(ROOT / "config" / "demo.toml")
    assert config.kiosk.id == "demo-centre-ouest"
    assert config.kiosk.data_dir == (ROOT / "var" / "demo" / "kiosk").resolve()


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "")).outbox == Config().outbox


def test_relative_paths_are_read_from_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, '[kiosk]\ndata_dir = "data"\n'))
    assert config.kiosk.data_dir == tmp_path.resolve() / "data"
    assert config.outbox_path == tmp_path.resolve() / "data" / "outbox.db"


def test_config_is_frozen(tmp_path):
    config = load_config(write(tmp_path, ""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.kiosk.id = "other"


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml_is_explained(tmp_path):
    message = error_for(tmp_path, "[kiosk\nid = 1\n")
    assert "kiosk.toml" in message and "not valid TOML" in message


def test_unknown_key_names_file_section_key_and_choices(tmp_path):
    message = error_for(tmp_path, '[hub]\nadress = "http://x"\n')
    assert "kiosk.toml: [hub] has an unknown key 'adress'" in message
    assert "url" in message


def test_unknown_section_is_named(tmp_path):
    assert "unknown section [screens]" in error_for(tmp_path, "[screens]\nwidth = 3\n")


def test_wrong_type_says_what_was_found_and_what_is_expected(tmp_path):
    message = error_for(tmp_path, '[hub]\nread_timeout_seconds = "ten"\n')
    assert message.endswith(
        "[hub] read_timeout_seconds: found 'ten' (a text); expected a number.")


def test_bool_is_not_taken_for_a_number(tmp_path):
    assert "expected a whole number" in error_for(tmp_path, "[kiosk]\nidle_timeout_seconds = true\n")


@pytest.mark.parametrize("text, expected", [
    ("[outbox]\nretry_cap_seconds = 900\n", "a number from 1 to 300"),
    ("[kiosk]\nidle_warning_seconds = 5\n", "a number of at least 20"),
    ('[kiosk]\nlanguages = ["fr", "de"]\n', "taken from"),
    ('[kiosk]\nid = "kiosk 1"\n', "no spaces"),
    ('[hub]\nurl = "ftp://hub"\n', "http:// or https://"),
    ('[tenant_reference]\npattern = "[0-9"\n', "a valid regular expression"),
    ('[branding]\nprimary_color = "blue"\n', '"#005A9C"'),
    ('[branding]\nlogo = "missing.png"\n', "a file that exists"),
])
def test_bad_values_are_explained(tmp_path, text, expected):
    assert expected in error_for(tmp_path, text)


@pytest.mark.parametrize("url", [
    "https://hub.example.org", "https://10.0.0.5:8443/", "http://127.0.0.1:8765",
    "http://127.8.9.10", "http://localhost:8765", "http://LOCALHOST", "http://[::1]:8765",
])
def test_hub_address_is_https_or_on_this_machine(tmp_path, url):
    assert load_config(write(tmp_path, f'[hub]\nurl = "{url}"\n')).hub.url == url


@pytest.mark.parametrize("section,key,url", [
    ("hub", "url", "http://hub.example.org"),
    ("hub", "url", "http://10.0.0.5:8765"),
    ("hub", "url", "http://192.168.1.20"),
    ("hub", "url", "http://127.0.0.1.nip.io"),
    ("hub", "url", "http://localhost.example.org"),
    ("portal", "signup_url", "http://espace-locataire.example.fr/inscription"),
])
def test_plain_http_to_another_machine_is_refused_and_says_why(tmp_path, section, key, url):
    message = error_for(tmp_path, f'[{section}]\n{key} = "{url}"\n')
    assert f"[{section}] {key}: found '{url}'" in message
    assert "https://" in message
    assert "tenants' personal data must travel encrypted" in message


def test_shipped_configs_load(tmp_path):
    for name in ("kiosk.toml", "demo.toml"):
        load_config(ROOT / "config" / name)


def test_default_language_must_be_offered(tmp_path):
    message = error_for(tmp_path, '[kiosk]\nlanguages = ["en"]\n')
    assert "default_language: found 'fr'" in message


def test_example_reference_must_match_the_pattern(tmp_path):
    message = error_for(tmp_path, '[tenant_reference]\nexample = "AB12"\n')
    assert "[tenant_reference] example: found 'AB12'" in message


def test_reference_file_is_valid_toml_with_only_known_sections():
    assert set(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))) == set(documented_keys())
