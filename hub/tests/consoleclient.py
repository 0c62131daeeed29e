"""An agent's browser, for console tests: a requests.Session that logs in and posts forms with their token.

    add_agent(hub, "marie", "Marie")          # password PASSWORD unless given
    console = ConsoleClient(hub)
    console.login("marie")                    # asserts it landed on the console
    page = console.get("/console")
    console.post("/console/calls/<id>/acknowledge")   # the page's csrf_token added
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import requests

from tests.hubproc import HTTP_TIMEOUT, HubProcess

PASSWORD = "correct horse battery"


def add_agent(hub: HubProcess, agent_id: str, first_name: str, password: str = PASSWORD, agency: str | None = None) -> None:
    """Adds an agent straight into the hub's database (the CLI has its own tests)."""
    from hub.agents import add_agent as add
    from hub.db import open_hub_db
    from hub.passwords import hash_password

    db = open_hub_db(hub.db_path)
    try:
        add(db, agent_id, first_name, hash_password(password), datetime.now(timezone.utc), agency=agency)
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
