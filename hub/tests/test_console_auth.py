"""Console login: passwords, sessions, CSRF, expiry, and the `agent` commands, over real HTTP."""

import hashlib
import os
import pty
import secrets
import select
import signal
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from hub.passwords import hash_password, verify_password
from hub.tests.consoleclient import PASSWORD, ConsoleClient, add_agent, hidden_value
from tests.hubproc import HTTP_TIMEOUT, REPO_ROOT, HubProcess, _env


@pytest.fixture(scope="module")
def console_hub(module_hub):
    add_agent(module_hub, "marie", "Marie", agency="Centre Ouest")
    add_agent(module_hub, "paul", "Paul")
    return module_hub


def sql(hub: HubProcess, statement: str, params=()) -> None:
    """A direct write to the hub's database (what a clock moving forward would do)."""
    conn = sqlite3.connect(hub.db_path, timeout=10)
    try:
        with conn:
            conn.execute(statement, params)
    finally:
        conn.close()


def session_hash(console: ConsoleClient) -> str:
    return hashlib.sha256(console.http.cookies["console_session"].encode()).hexdigest()


# --- passwords -------------------------------------------------------------------------------------


def test_password_hash_carries_scrypt_parameters_and_a_salt():
    first, second = hash_password("a long password"), hash_password("a long password")
    assert first.startswith("scrypt$32768$8$3$") and first != second
    assert verify_password("a long password", first)
    assert not verify_password("a long passwore", first)
    assert not verify_password("a long password", "not a hash")


# --- login -----------------------------------------------------------------------------------------


def test_login_opens_the_calls_page_with_a_strict_http_only_cookie(console_hub):
    console = ConsoleClient(console_hub)
    answer = console.login_attempt("marie")
    assert answer.url == console_hub.url + "/console"
    assert "Appels en cours" in answer.text and "Marie" in answer.text
    cookie = answer.history[0].headers["set-cookie"]
    assert "console_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    token_hash = session_hash(console)
    assert console_hub.query("SELECT agent_id FROM console_sessions WHERE token_hash = ?", [token_hash]) == [{"agent_id": "marie"}]


def test_wrong_password_and_unknown_agent_get_the_same_refusal(console_hub):
    wrong = ConsoleClient(console_hub).login_attempt("marie", "not her password")
    unknown = ConsoleClient(console_hub).login_attempt("nobody", "not her password")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "Nom ou mot de passe incorrect." in answer.text
        assert "console_session" not in answer.headers.get("set-cookie", "")
    ConsoleClient(console_hub).login("marie")  # a success clears the failures of this address


def test_login_form_without_its_token_is_refused(console_hub):
    http = requests.Session()
    answer = http.post(console_hub.url + "/console/login", data={"agent": "marie", "password": PASSWORD}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 403 and "Formulaire expiré" in answer.text
    assert "console_session" not in http.cookies


def test_login_from_another_site_is_refused(console_hub):
    console = ConsoleClient(console_hub)
    form = console.http.get(console_hub.url + "/console/login", timeout=HTTP_TIMEOUT)
    data = {"agent": "marie", "password": PASSWORD, "login_token": hidden_value(form.text, "login_token")}
    answer = console.http.post(console_hub.url + "/console/login", data=data, headers={"Origin": "https://evil.example"},
                               timeout=HTTP_TIMEOUT)
    assert answer.status_code == 403
    assert "console_session" not in console.http.cookies


def test_login_never_redirects_to_another_site(console_hub):
    answer = ConsoleClient(console_hub).login_attempt("marie", next_path="https://evil.example/")
    assert answer.url == console_hub.url + "/console"


def test_disabled_agent_cannot_log_in_and_loses_open_sessions(console_hub):
    add_agent(console_hub, "leaving", "Jean")
    console = ConsoleClient(console_hub)
    console.login("leaving")
    console_hub.call("agent", "disable", "leaving")
    assert console.get("/console", allow_redirects=False).status_code == 303
    assert ConsoleClient(console_hub).login_attempt("leaving").status_code == 401
    ConsoleClient(console_hub).login("marie")  # clears this address's failures


def test_repeated_failures_slow_down_further_tries(tmp_path):
    with HubProcess(tmp_path / "hub") as hub:
        add_agent(hub, "marie", "Marie")
        for _ in range(5):
            assert ConsoleClient(hub).login_attempt("marie", "guess " * 3).status_code == 401
        # Right password, but too soon: the wait applies to everyone trying this name.
        answer = ConsoleClient(hub).login_attempt("marie")
        assert answer.status_code == 429 and "essais manqués" in answer.text


# --- pages behind the login ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console", "/console/kiosks", "/console/requests", "/console/requests.csv",
                                  "/console/workshops", "/console/workshops/new", "/console/stats", "/console/stats.csv"])
def test_pages_redirect_to_login_when_logged_out(console_hub, path):
    answer = requests.get(console_hub.url + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next={path}"


def test_json_api_answers_401_when_logged_out(console_hub):
    answer = requests.get(console_hub.url + "/console/api/calls", timeout=HTTP_TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "login_required"


def test_post_when_logged_out_is_refused(console_hub):
    answer = requests.post(console_hub.url + "/console/logout", data={"csrf_token": "x"}, allow_redirects=False,
                           timeout=HTTP_TIMEOUT)
    assert answer.status_code == 403


def test_console_pages_carry_security_headers(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    headers = console.get("/console").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_hand_edited_addresses_get_a_french_page(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    for path, status in [("/console/stats?weeks=²", 200),                # not a number: the default period
                         ("/console/stats?weeks=99999", 400),            # longer than any period
                         ("/console/requests?agency=" + "x" * 200, 400)]:
        answer = console.get(path)
        assert answer.status_code == status and answer.headers["content-type"].startswith("text/html"), path
        if status == 400:
            assert "L&#39;adresse de cette page n&#39;est pas valable." in answer.text


def test_demo_data_adds_no_agent(console_hub):
    assert console_hub.demo  # module_hub was started with --demo: only this module's agents exist
    assert {row["id"] for row in console_hub.query("SELECT id FROM agents")} <= {"marie", "paul", "leaving"}


# --- CSRF ------------------------------------------------------------------------------------------


def test_post_without_or_with_a_wrong_csrf_token_is_refused(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    missing = console.post("/console/logout", csrf=False)
    wrong = console.post("/console/logout", {"csrf_token": secrets.token_urlsafe(32)})
    other_agent = ConsoleClient(console_hub)
    other_agent.login("paul")
    borrowed = console.post("/console/logout", {"csrf_token": other_agent.csrf_token})
    for answer in (missing, wrong, borrowed):
        assert answer.status_code == 403 and "Formulaire expiré, rechargez la page" in answer.text
    assert console.get("/console", allow_redirects=False).status_code == 200  # still logged in


def test_post_from_another_origin_is_refused_even_with_the_token(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    answer = console.post("/console/logout", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403


def test_logout_ends_the_session(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    token_hash = session_hash(console)
    stolen_cookie = console.http.cookies["console_session"]
    answer = console.post("/console/logout", headers={"Origin": console_hub.url})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    assert console_hub.query("SELECT * FROM console_sessions WHERE token_hash = ?", [token_hash]) == []
    replay = requests.get(console_hub.url + "/console", cookies={"console_session": stolen_cookie}, allow_redirects=False,
                          timeout=HTTP_TIMEOUT)
    assert replay.status_code == 303


# --- expiry ----------------------------------------------------------------------------------------


def test_idle_session_expires_after_30_minutes(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    long_ago = (datetime.now(timezone.utc) - timedelta(minutes=31)).isoformat(timespec="milliseconds")
    sql(console_hub, "UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ?", [long_ago, session_hash(console)])
    answer = console.get("/console", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    assert console_hub.query("SELECT * FROM console_sessions WHERE token_hash = ?", [session_hash(console)]) == []


def test_session_expires_at_its_absolute_limit_even_when_active(console_hub):
    console = ConsoleClient(console_hub)
    console.login("marie")
    past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="milliseconds")
    sql(console_hub, "UPDATE console_sessions SET expires_at = ? WHERE token_hash = ?", [past, session_hash(console)])
    assert console.get("/console", allow_redirects=False).status_code == 303


def test_short_idle_timeout_from_serve_option(tmp_path):
    with HubProcess(tmp_path / "hub", serve_args=("--console-idle-minutes", "1")) as hub:
        add_agent(hub, "marie", "Marie")
        console = ConsoleClient(hub)
        console.login("marie")
        ago = (datetime.now(timezone.utc) - timedelta(seconds=61)).isoformat(timespec="milliseconds")
        sql(hub, "UPDATE console_sessions SET last_seen_at = ?", [ago])
        assert console.get("/console", allow_redirects=False).status_code == 303


# --- the agent commands ----------------------------------------------------------------------------


@pytest.fixture
def idle_hub(tmp_path):
    return HubProcess(tmp_path / "hub")


def test_agent_add_reads_the_password_file_and_stores_only_a_hash(idle_hub, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("une phrase assez longue\nignored second line\n", encoding="utf-8")
    out = idle_hub.call("agent", "add", "marie", "--first-name", "Marie", "--agency", "Centre Ouest",
                        "--password-file", str(password_file))
    assert "agent marie (Marie) added" in out
    row = idle_hub.query("SELECT first_name, agency, password_hash FROM agents WHERE id = 'marie'")[0]
    assert row["first_name"] == "Marie" and row["agency"] == "Centre Ouest"
    assert "une phrase" not in row["password_hash"]
    assert verify_password("une phrase assez longue", row["password_hash"])
    assert "marie" in idle_hub.call("agent", "list")


def test_agent_add_refuses_a_short_password(idle_hub, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("court\n", encoding="utf-8")
    done = idle_hub.run_cli("agent", "add", "marie", "--first-name", "Marie", "--password-file", str(password_file))
    assert done.returncode == 1
    assert done.stderr.strip() == "error: The password must be at least 10 characters long (it has 5)."
    assert not idle_hub.db_path.exists()  # refused before the database was even opened


def run_with_terminal(hub: HubProcess, args: list[str], typed: list[str]) -> tuple[int, str]:
    """Runs a hub command on a pseudo-terminal, typing each line when asked; returns (status, screen)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty, which getpass reads
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "hub", *args, "--db", str(hub.db_path)], _env())
    screen = b""
    answered_at = 0          # what was on screen when we last typed: answer each prompt once
    answers = list(typed)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 1.0)[0]:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
        if answers and screen[answered_at:].rstrip().endswith(b":"):
            os.write(fd, answers.pop(0).encode() + b"\n")
            answered_at = len(screen)
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), screen.decode(errors="replace")


def test_agent_add_asks_the_password_twice_without_echo(idle_hub):
    status, screen = run_with_terminal(idle_hub, ["agent", "add", "marie", "--first-name", "Marie"],
                                       ["tapé au clavier 42", "tapé au clavier 42"])
    assert status == 0, screen
    assert "New password for agent marie:" in screen and "The same password again:" in screen
    assert "tapé au clavier" not in screen  # no echo
    row = idle_hub.query("SELECT password_hash FROM agents WHERE id = 'marie'")[0]
    assert verify_password("tapé au clavier 42", row["password_hash"])


def test_agent_password_prompt_refuses_two_different_passwords(idle_hub, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("premier mot de passe\n", encoding="utf-8")
    idle_hub.call("agent", "add", "marie", "--first-name", "Marie", "--password-file", str(password_file))
    status, screen = run_with_terminal(idle_hub, ["agent", "password", "marie"], ["nouveau mot de passe", "autre mot de passe"])
    assert status == 1 and "The two passwords differ" in screen
    row = idle_hub.query("SELECT password_hash FROM agents WHERE id = 'marie'")[0]
    assert verify_password("premier mot de passe", row["password_hash"])


def test_agent_password_resets_and_disable_blocks(idle_hub, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("premier mot de passe\n", encoding="utf-8")
    idle_hub.call("agent", "add", "marie", "--first-name", "Marie", "--password-file", str(password_file))
    password_file.write_text("second mot de passe\n", encoding="utf-8")
    idle_hub.call("agent", "password", "marie", "--password-file", str(password_file))
    row = idle_hub.query("SELECT password_hash FROM agents WHERE id = 'marie'")[0]
    assert verify_password("second mot de passe", row["password_hash"])
    idle_hub.call("agent", "disable", "marie")
    assert "disabled" in idle_hub.call("agent", "list")
    done = idle_hub.run_cli("agent", "disable", "nobody")
    assert done.returncode == 1 and "no agent 'nobody'" in done.stderr
