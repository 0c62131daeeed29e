"""Helpers for the tests of the console's requests, workshops and statistics pages.

    agent = log_in(hub, "mdupont", "Marie", agency="Béarn")   # hub.tests.consoleclient's client
    page = agent.submit("/console/requests/<id>/processed")    # posts, then follows the 303 like a browser
    assert "Demande marquée" in text_of(page.text)
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import requests

from hub.tests.consoleclient import ConsoleClient, add_agent
from tests.hubproc import HubProcess


class AgentBrowser(ConsoleClient):
    def submit(self, path: str, data: dict | None = None, *, csrf: bool = True) -> requests.Response:
        """POSTs the form and, after a 303, GETs the page it leads to (where the flash message is)."""
        answer = self.post(path, data, csrf=csrf)
        if answer.status_code == 303:
            return self.get(answer.headers["location"])
        return answer


def log_in(hub: HubProcess, agent_id: str, first_name: str, agency: str | None = None) -> AgentBrowser:
    add_agent(hub, agent_id, first_name, agency=agency)
    browser = AgentBrowser(hub)
    browser.login(agent_id)
    return browser


def text_of(page: str) -> str:
    """The page's visible text, tags dropped and spaces collapsed, for plain assertions."""
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|title)\b.*?</\1>", " ", page, flags=re.S))
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def start_session_now(hub: HubProcess, session_id: str, started_ago_minutes: int = 30) -> None:
    """Moves a session's start into the past (test set-up: bookings are only taken before the start)."""
    from hub.db import connect, write_transaction
    from hub.timeutil import PARIS, utc_key

    starts = datetime.now(timezone.utc) - timedelta(minutes=started_ago_minutes)
    db = connect(hub.db_path)
    try:
        with write_transaction(db):
            db.execute(
                "UPDATE sessions SET starts_at = ?, ends_at = ?, starts_utc = ? WHERE id = ?",
                [starts.astimezone(PARIS).isoformat(timespec="seconds"),
                 (starts + timedelta(hours=2)).astimezone(PARIS).isoformat(timespec="seconds"), utc_key(starts), session_id],
            )
    finally:
        db.close()
