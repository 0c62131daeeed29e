"""Time in the hub: UTC for records, Europe/Paris for what tenants and agents read."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def paris_today() -> date:
    return datetime.now(PARIS).date()


def rfc3339(moment: datetime) -> str:
    """RFC 3339 with the moment's own offset, to the millisecond: 2025-03-04T14:05:00.000+01:00."""
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone cannot be written as RFC 3339")
    return moment.isoformat(timespec="milliseconds")


def utc_key(moment: datetime) -> str:
    """A fixed-width UTC text that sorts like time, for comparisons inside SQLite."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

