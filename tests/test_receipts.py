"""Receipts: QR codes a phone can read, calendar events that parse back, dates people say."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest

from kiosk.catalog import Session
from kiosk.receipts import (plain_date, plain_datetime, plain_time, qr_matrix, workshop_event)

UTC = dt.timezone.utc
PARIS = ZoneInfo("Europe/Paris")
REFERENCE = "K7M4-QX2P"
NOW = dt.datetime(2024, 11, 20, 9, 15, tzinfo=UTC)

ZBARIMG = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(ZBARIMG is None,
                                reason="zbarimg not installed (apt-get install zbar-tools)")


def _session(**changes) -> Session:
    fields = dict(
        id="s-42", topic="email", kind="general", format="group",
        starts_at=dt.datetime(2024, 12, 3, 14, 0, tzinfo=PARIS),
        ends_at=dt.datetime(2024, 12, 3, 16, 0, tzinfo=PARIS),
        place="Salle 2", agency="Agence Nord", capacity=8, seats_left=3, language="fr")
    fields.update(changes)
    return Session(**fields)


# --- QR codes -----------------------------------------------------------------------------------

def _decode(matrix: list[list[bool]], tmp_path, scale: int = 6) -> bytes:
    """Draw the matrix as a phone camera would see it and read it with zbar."""
    from PIL import Image

    size = len(matrix)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    path = tmp_path / "qr.png"
    image.resize((size * scale, size * scale), Image.NEAREST).save(path)
    done = subprocess.run([ZBARIMG, "--quiet", "--raw", "-Sbinary", str(path)],
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_qr_matrix_is_square_rows_of_booleans():
    matrix = qr_matrix("https://portail.example.org/")
    assert all(len(row) == len(matrix) for row in matrix)
    assert all(isinstance(module, bool) for row in matrix for module in row)


def test_qr_matrix_includes_a_four_module_quiet_zone():
    matrix = qr_matrix("K7M4-QX2P")
    size = len(matrix)
    for i in range(4):
        assert not any(matrix[i]) and not any(matrix[size - 1 - i])
        assert not any(row[i] for row in matrix) and not any(row[size - 1 - i] for row in matrix)
    # The code itself starts right after: the top-left finder's corner is dark.
    assert matrix[4][4] and matrix[4][size - 5] and matrix[size - 5][4]


def test_qr_matrix_size_is_a_qr_version_plus_quiet_zone():
    for text in ["a", "K7M4-QX2P", "x" * 300]:
        size = len(qr_matrix(text)) - 8
        assert size >= 21 and (size - 21) % 4 == 0


def test_qr_uses_error_correction_level_m():
    # Byte-mode capacity of version 1 is 17 (L), 14 (M), 11 (Q), 7 (H): 14 bytes fit in
    # version 1 only at L or M, 15 bytes only at L.
    assert len(qr_matrix("abcdefghijklmn")) == 21 + 8
    assert len(qr_matrix("abcdefghijklmno")) == 25 + 8


def test_different_texts_give_different_matrices():
    assert qr_matrix("K7M4-QX2P") != qr_matrix("K7M4-QX2Q")
    assert qr_matrix("K7M4-QX2P") == qr_matrix("K7M4-QX2P")


@needs_zbar
@pytest.mark.parametrize("text", [
    "K7M4-QX2P",
    "https://portail.example.org/mot-de-passe",
    "Référence : K7M4-QX2P — café, crème",
])
def test_qr_decodes_back_to_the_text(text, tmp_path):
    assert _decode(qr_matrix(text), tmp_path).decode("utf-8") == text


@needs_zbar
def test_qr_of_a_workshop_event_decodes_back_to_the_event(tmp_path):
    event = workshop_event(_session(), REFERENCE, "Atelier e-mail", now=NOW)
    assert _decode(qr_matrix(event), tmp_path).decode("utf-8") == event


# --- calendar event -----------------------------------------------------------------------------

def _unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def _parse(text: str) -> list[tuple[str, str]]:
    """A small RFC 5545 reader: unfold, then split each content line into name and value."""
    assert text.endswith("\r\n")
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    lines = unfolded[:-2].split("\r\n")
    parsed = []
    for line in lines:
        name, _, value = line.partition(":")
        assert name and ";" not in name, line  # no parameters are used
        parsed.append((name, value))
    return parsed


def _event(text: str) -> dict[str, str]:
    parsed = _parse(text)
    names = [name for name, _ in parsed]
    assert parsed[0] == ("BEGIN", "VCALENDAR") and parsed[-1] == ("END", "VCALENDAR")
    assert names.count("BEGIN") == 2 and ("BEGIN", "VEVENT") in parsed
    assert ("END", "VEVENT") in parsed
    start, end = parsed.index(("BEGIN", "VEVENT")), parsed.index(("END", "VEVENT"))
    inside = parsed[start + 1:end]
    assert len({name for name, _ in inside}) == len(inside), "no property twice"
    return {name: value for name, value in inside}


def test_event_parses_back_with_its_properties():
    text = workshop_event(_session(), REFERENCE, "Atelier e-mail", now=NOW)
    parsed = dict(_parse(text))
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"]
    event = _event(text)
    assert event == {
        "UID": "K7M4-QX2P@lobby-kiosk",
        "DTSTAMP": "20241120T091500Z",
        "DTSTART": "20241203T130000Z",
        "DTEND": "20241203T150000Z",
        "SUMMARY": "Atelier e-mail",
        "LOCATION": "Salle 2\\, Agence Nord",
        "DESCRIPTION": "Référence\u00a0: K7M4-QX2P",
    }
    assert _unescape(event["LOCATION"]) == "Salle 2, Agence Nord"


def test_event_times_are_utc_across_summer_time():
    session = _session(starts_at=dt.datetime(2025, 7, 1, 9, 30, tzinfo=PARIS),
                       ends_at=dt.datetime(2025, 7, 1, 11, 0, tzinfo=PARIS))
    event = _event(workshop_event(session, REFERENCE, "Atelier", now=NOW))
    assert (event["DTSTART"], event["DTEND"]) == ("20250701T073000Z", "20250701T090000Z")


def test_event_without_end_time_has_no_invented_end():
    event = _event(workshop_event(_session(ends_at=None), REFERENCE, "Atelier", now=NOW))
    assert "DTEND" not in event and event["DTSTART"] == "20241203T130000Z"


def test_event_location_with_only_one_part():
    event = _event(workshop_event(_session(place=""), REFERENCE, "Atelier", now=NOW))
    assert event["LOCATION"] == "Agence Nord"
    event = _event(workshop_event(_session(place="", agency=""), REFERENCE, "Atelier", now=NOW))
    assert "LOCATION" not in event


@pytest.mark.parametrize("summary", [
    "Atelier ; niveau 1, débutants",
    "C:\\Users\\atelier",
    "Ligne 1\nLigne 2\r\nLigne 3\rLigne 4",
    "Trailing backslash \\",
    "« Internet » : les bases, pas à pas ; venez avec votre téléphone 📱",
])
def test_event_text_is_escaped_and_reads_back_exactly(summary):
    text = workshop_event(_session(place="Salle 2; étage 1", agency="Agence \\ Nord, bât. B"),
                          REFERENCE, summary, now=NOW)
    event = _event(text)
    expected = summary.replace("\r\n", "\n").replace("\r", "\n")
    assert _unescape(event["SUMMARY"]) == expected
    assert _unescape(event["LOCATION"]) == "Salle 2; étage 1, Agence \\ Nord, bât. B"


def test_event_lines_end_with_crlf_only():
    text = workshop_event(_session(), REFERENCE, "Ligne 1\nLigne 2", now=NOW)
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    summary = "Atelier « é-mail » pour débutants ✉️ — " * 8
    text = workshop_event(_session(), REFERENCE, summary, now=NOW)
    physical = text.split("\r\n")[:-1]
    assert any(line.startswith(" ") for line in physical), "the summary should be folded"
    for line in physical:
        encoded = line.encode("utf-8")
        assert len(encoded) <= 75, line
        encoded.decode("utf-8")  # each line holds whole characters
    assert _unescape(_event(text)["SUMMARY"]) == summary


def test_a_line_of_exactly_75_octets_is_not_folded():
    prefix = "SUMMARY:"
    summary = "a" * (75 - len(prefix))
    text = workshop_event(_session(), REFERENCE, summary, now=NOW)
    assert f"\r\n{prefix}{summary}\r\n" in text
    text = workshop_event(_session(), REFERENCE, summary + "b", now=NOW)
    assert f"\r\n{prefix}{summary}\r\n b\r\n" in text


def test_event_holds_no_personal_data():
    # Only session facts and the reference: the signature takes no name or phone, and the
    # event has exactly these properties.
    event = _event(workshop_event(_session(), REFERENCE, "Atelier e-mail", now=NOW))
    assert set(event) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION",
                          "DESCRIPTION"}


def test_event_description_in_the_tenants_language(monkeypatch):
    from kiosk import receipts
    monkeypatch.setattr(receipts, "translate", lambda text, language: {
        ("Référence : {reference}", "en"): "Reference: {reference}"}.get((text, language), text))
    event = _event(workshop_event(_session(), REFERENCE, "Workshop", language="en", now=NOW))
    assert event["DESCRIPTION"] == "Reference: K7M4-QX2P"


def test_event_stamp_defaults_to_now_in_utc():
    before = dt.datetime.now(UTC).replace(microsecond=0)
    stamp = _event(workshop_event(_session(), REFERENCE, "Atelier"))["DTSTAMP"]
    after = dt.datetime.now(UTC)
    parsed = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= parsed <= after


def test_event_refuses_a_time_without_zone():
    with pytest.raises(ValueError):
        workshop_event(_session(starts_at=dt.datetime(2024, 12, 3, 14)), REFERENCE, "Atelier")


# --- plain dates --------------------------------------------------------------------------------

ON_THE_HOUR = dt.datetime(2024, 12, 3, 13, 0, tzinfo=UTC)  # 14:00 in Paris (winter)
HALF_PAST = dt.datetime(2024, 12, 3, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("language, on_the_hour, half_past", [
    ("fr", "mardi 3 décembre, 14 h", "mardi 3 décembre, 14 h 30"),
    ("en", "Tuesday 3 December, 2 pm", "Tuesday 3 December, 2:30 pm"),
    ("es", "martes 3 de diciembre, 14:00", "martes 3 de diciembre, 14:30"),
    ("pt", "terça-feira, 3 de dezembro, 14h00", "terça-feira, 3 de dezembro, 14h30"),
])
def test_plain_datetime_reads_like_speech(language, on_the_hour, half_past):
    assert plain_datetime(ON_THE_HOUR, language) == on_the_hour
    assert plain_datetime(HALF_PAST, language) == half_past


@pytest.mark.parametrize("language, morning, noon, midnight", [
    ("fr", "9 h 05", "12 h", "0 h"),
    ("en", "9:05 am", "12 pm", "12 am"),
    ("es", "9:05", "12:00", "0:00"),
    ("pt", "9h05", "12h00", "0h00"),
])
def test_plain_time_morning_noon_midnight(language, morning, noon, midnight):
    def paris(hour, minute=0):
        return dt.datetime(2024, 12, 3, hour, minute, tzinfo=PARIS)
    assert plain_time(paris(9, 5), language) == morning
    assert plain_time(paris(12), language) == noon
    assert plain_time(paris(0), language) == midnight


@pytest.mark.parametrize("language, text", [
    ("fr", "mardi 3 décembre"),
    ("en", "Tuesday 3 December"),
    ("es", "martes 3 de diciembre"),
    ("pt", "terça-feira, 3 de dezembro"),
])
def test_plain_date(language, text):
    assert plain_date(ON_THE_HOUR, language) == text
    assert plain_date(dt.date(2024, 12, 3), language) == text


def test_times_are_shown_in_paris_time_in_summer():
    assert plain_datetime(dt.datetime(2025, 7, 1, 12, 0, tzinfo=UTC), "fr") == \
        "mardi 1 juillet, 14 h"


def test_late_utc_evening_is_already_the_next_day_in_paris():
    assert plain_datetime(dt.datetime(2024, 12, 2, 23, 30, tzinfo=UTC), "fr") == \
        "mardi 3 décembre, 0 h 30"


def test_a_time_given_in_another_zone_is_converted_to_paris():
    new_york = dt.datetime(2024, 12, 3, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    assert plain_datetime(new_york, "fr") == "mardi 3 décembre, 14 h"


def test_summer_time_change_day():
    # 30 March 2025: Paris goes from 02:00 CET to 03:00 CEST; 01:30 UTC is 03:30 in Paris.
    assert plain_time(dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC), "fr") == "3 h 30"
    assert plain_time(dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC), "fr") == "1 h 30"


def test_a_session_start_from_the_catalogue():
    session = Session.from_json({"id": "1", "topic": "email",
                                 "starts_at": "2024-12-03T13:00:00Z"})
    assert plain_datetime(session.starts_at, "fr") == "mardi 3 décembre, 14 h"


def test_a_language_without_its_own_pattern_still_gets_a_date():
    assert "3" in plain_datetime(ON_THE_HOUR, "de")


def test_a_time_without_zone_is_refused():
    with pytest.raises(ValueError):
        plain_datetime(dt.datetime(2024, 12, 3, 14, 0), "fr")
