"""An agent's browser, for console tests: a requests.Session that logs in and posts forms with their token.

    add_agent(hub, "marie", "Marie")          # password PASSWORD unless given
    console = ConsoleClient(hub)
    console.login("marie")                    # asserts it landed on the console
    page = console.get("/console")
    console.post("/console/calls/<id>/acknowledge")   # the page's csrf_token added, the 303 not followed
    page = console.submit("/console/requests/<id>/processed")  # posts, then follows the 303 like a browser

    agent = log_in(hub, "mdupont", "Marie", agency="Béarn")     # add_agent + login in one step
    assert "Demande marquée" in text_of(page.text)
"""

from __future__ import annotations

import functools
import html
import re
from datetime import datetime, timedelta, timezone

import requests

from tests.hubproc import HTTP_TIMEOUT, HubProcess

PASSWORD = "correct horse battery"


@functools.cache
def _password_hash(password: str) -> str:
    """One hash per test password: scrypt is slow on purpose, and the salt does not matter here."""
    from hub.passwords import hash_password

    return hash_password(password)


def add_agent(hub: HubProcess, agent_id: str, first_name: str, password: str = PASSWORD, agency: str | None = None) -> None:
    """Adds an agent straight into the hub's database (the CLI has its own tests)."""
    from hub.agents import add_agent as add
    from hub.db import open_hub_db

    db = open_hub_db(hub.db_path)
    try:
        add(db, agent_id, first_name, _password_hash(password), datetime.now(timezone.utc), agency=agency)
    finally:
        db.close()


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name!r} in the page"
    return match.group(1)


class ConsoleClient:
    def __init__(self, hub: HubProcess):
        self.hub = hub
        self.http = requests.Session()
        self.csrf_token: str | None = None

    def url(self, path: str) -> str:
        return self.hub.url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        answer = self.http.get(self.url(path), timeout=HTTP_TIMEOUT, **kwargs)
        if 'name="csrf_token"' in answer.text:
            self.csrf_token = hidden_value(answer.text, "csrf_token")
        return answer

    def login_attempt(self, agent_id: str, password: str = PASSWORD, next_path: str = "/console") -> requests.Response:
        form = self.http.get(self.url("/console/login"), params={"next": next_path}, timeout=HTTP_TIMEOUT)
        data = {"agent": agent_id, "password": password, "next": next_path,
                "login_token": hidden_value(form.text, "login_token")}
        return self.http.post(self.url("/console/login"), data=data, timeout=HTTP_TIMEOUT)

    def login(self, agent_id: str, password: str = PASSWORD) -> requests.Response:
        answer = self.login_attempt(agent_id, password)
        assert answer.status_code == 200 and answer.url == self.url("/console"), answer.text
        self.csrf_token = hidden_value(answer.text, "csrf_token")
        return answer

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs) -> requests.Response:
        """POSTs a form with the last page's csrf_token (unless csrf=False), not following redirects."""
        data = dict(data or {})
        if csrf:
            assert self.csrf_token, "no page with a csrf_token was fetched yet"
            data.setdefault("csrf_token", self.csrf_token)
        return self.http.post(self.url(path), data=data, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs)

    def submit(self, path: str, data: dict | None = None, *, csrf: bool = True) -> requests.Response:
        """POSTs the form and, after a 303, GETs the page it leads to (where the flash message is)."""
        answer = self.post(path, data, csrf=csrf)
        if answer.status_code == 303:
            return self.get(answer.headers["location"])
        return answer


def log_in(hub: HubProcess, agent_id: str, first_name: str, agency: str | None = None) -> ConsoleClient:
    """A new agent, logged in."""
    add_agent(hub, agent_id, first_name, agency=agency)
    browser = ConsoleClient(hub)
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
