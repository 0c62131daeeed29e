"""What a receipt shows: a QR code, a calendar event to carry away, and plain dates.

`qr_matrix` gives the modules of a QR code (quiet zone included) for a widget to draw.
`workshop_event` writes the iCalendar event (RFC 5545) a booking receipt's QR code carries:
only the session and the booking reference, never a name or a phone number.
`plain_datetime` says when a session is the way people say it ("mardi 3 décembre, 14 h"),
always in Paris time whatever the machine's clock zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import qrcode
from babel.dates import format_date, format_time

from kiosk.i18n import N_, translate

TIMEZONE = ZoneInfo("Europe/Paris")
QR_BORDER = 4  # modules of white around the code: the minimum the QR standard asks for
UID_DOMAIN = "lobby-kiosk"
PRODID = "-//Lobby kiosk//Workshop booking//FR"
_FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545, 3.1)


# --- QR code ------------------------------------------------------------------------------------

def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of `text` (error correction M, smallest version that fits) as rows of
    modules, True for dark, including the 4-module quiet zone on every side."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER)
    code.add_data(text.encode("utf-8"))  # bytes: the same encoding whatever qrcode guesses
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


# --- calendar event -----------------------------------------------------------------------------

_REFERENCE_LINE = N_("Référence : {reference}")


def workshop_event(session, reference: str, summary: str, *, language: str = "fr",
                   now: dt.datetime | None = None) -> str:
    """An iCalendar object with one event for `session` (a `kiosk.catalog.Session`).

    UID is "<reference>@lobby-kiosk" so adding it twice updates rather than duplicates.
    Times are in UTC. LOCATION is the place and the agency; DESCRIPTION gives the reference in
    `language`. When the session has no end time the event has none either (RFC 5545 reads it
    as an event at one instant) rather than an invented duration. `now` is the DTSTAMP,
    for tests. Lines end with CRLF and are folded at 75 octets.
    """
    stamp = now or dt.datetime.now(dt.timezone.utc)
    location = ", ".join(part for part in (session.place, session.agency) if part)
    description = translate(_REFERENCE_LINE, language).format(reference=reference)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{reference}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(session.starts_at)}",
    ]
    if session.ends_at is not None:
        lines.append(f"DTEND:{_utc(session.ends_at)}")
    lines.append(f"SUMMARY:{_escape(summary)}")
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    lines += [
        f"DESCRIPTION:{_escape(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("a calendar time needs a time zone")
    return when.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and new lines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    # Other control characters are not allowed in a content line at all.
    return "".join(c for c in text if c == "\t" or ord(c) >= 0x20 and c != "\x7f")


def _fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character;
    each continuation starts with one space, which counts in its 75 octets."""
    parts, current, size, limit = [], [], 0, _FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, _FOLD_AT - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


# --- plain dates and times ----------------------------------------------------------------------

# How each language writes the day: CLDR patterns for babel, chosen to read like speech.
_DATE_PATTERNS = {
    "fr": "EEEE d MMMM",          # mardi 3 décembre
    "en": "EEEE d MMMM",          # Tuesday 3 December
    "es": "EEEE d 'de' MMMM",     # martes 3 de diciembre
    "pt": "EEEE, d 'de' MMMM",    # terça-feira, 3 de dezembro
}
# Times: (on the hour, with minutes).
_TIME_PATTERNS = {
    "fr": ("H 'h'", "H 'h' mm"),  # 14 h, 14 h 30
    "en": ("h a", "h:mm a"),      # 2 pm, 2:30 pm (lower-cased below)
    "es": ("H:mm", "H:mm"),       # 14:00
    "pt": ("H'h'mm", "H'h'mm"),   # 14h00
}


def _paris(when: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise ValueError("a time to show needs a time zone")
        return when.astimezone(TIMEZONE)
    return when


def plain_date(when: dt.datetime | dt.date, language: str) -> str:
    """The day, as said in `language`: "mardi 3 décembre" (a datetime is taken in Paris)."""
    day = _paris(when)
    if isinstance(day, dt.datetime):
        day = day.date()
    pattern = _DATE_PATTERNS.get(language)
    if pattern is None:  # a language without a hand-picked pattern: CLDR's own long form
        return format_date(day, format="full", locale=language)
    return format_date(day, pattern, locale=language)


def plain_time(when: dt.datetime, language: str) -> str:
    """The time of day in Paris, as said in `language`: "14 h", "14 h 30", "2:30 pm"."""
    local = _paris(when)
    patterns = _TIME_PATTERNS.get(language)
    if patterns is None:
        return format_time(local, format="short", locale=language)
    text = format_time(local, patterns[1 if local.minute else 0], locale=language)
    # CLDR writes "PM" in English; people (and style guides in the UK) write "pm".
    return text.lower() if language == "en" else text


def plain_datetime(when: dt.datetime, language: str) -> str:
    """When a session is, as people say it: "mardi 3 décembre, 14 h" (in Paris time)."""
    return f"{plain_date(when, language)}, {plain_time(when, language)}"
