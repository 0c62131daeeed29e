"""The hub's command line: tokens printed once, clean stops, one-line errors, documented commands."""

import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from hub.__main__ import build_parser
from hub.kiosks import hash_token
from tests.hubproc import REPO_ROOT, HubProcess, bearer

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def idle_hub(tmp_path):
    """A hub database that no server is running on, for commands alone."""
    return HubProcess(tmp_path / "hub")


def test_kiosk_add_prints_only_the_token_and_stores_its_hash(idle_hub):
    out = idle_hub.call("kiosk", "add", "kiosk-cli", "--agency", "Béarn")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", out)
    token = out.strip()
    row = idle_hub.query("SELECT agency, token_hash FROM kiosks WHERE id = 'kiosk-cli'")[0]
    assert row == {"agency": "Béarn", "token_hash": hash_token(token)}


def test_kiosk_add_again_rotates_the_token_and_keeps_the_agency(idle_hub):
    first = idle_hub.call("kiosk", "add", "kiosk-cli", "--agency", "PPO").strip()
    second = idle_hub.call("kiosk", "add", "kiosk-cli").strip()
    assert first != second
    row = idle_hub.query("SELECT agency, token_hash FROM kiosks WHERE id = 'kiosk-cli'")[0]
    assert row == {"agency": "PPO", "token_hash": hash_token(second)}


def test_token_file_is_written_with_mode_0600_instead_of_printing(idle_hub, tmp_path):
    token_file = tmp_path / "kiosk.token"
    token_file.write_text("old")
    os.chmod(token_file, 0o644)
    done = idle_hub.run_cli("kiosk", "add", "kiosk-file", "--token-file", str(token_file))
    assert (done.returncode, done.stdout) == (0, "")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert idle_hub.query("SELECT token_hash FROM kiosks")[0]["token_hash"] == hash_token(token)


def _token_folder(tmp_path, old="old-token\n"):
    folder = tmp_path / "secrets"
    folder.mkdir()
    token_file = folder / "kiosk.token"
    token_file.write_text(old)
    os.chmod(token_file, 0o600)
    return folder, token_file


@pytest.mark.parametrize(
    "args",
    [["kiosk", "add", "bad id!"], ["kiosk", "add", "kiosk-file", "--agency", "x" * 81]],
    ids=["bad-kiosk-id", "bad-agency"],
)
def test_a_failed_kiosk_add_leaves_the_token_file_untouched(idle_hub, tmp_path, args):
    idle_hub.add_kiosk("kiosk-file")
    folder, token_file = _token_folder(tmp_path)
    done = idle_hub.run_cli(*args, "--token-file", str(token_file))
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert token_file.read_text() == "old-token\n"
    assert sorted(p.name for p in folder.iterdir()) == ["kiosk.token"]  # no temporary file left behind


def test_kiosk_add_on_a_missing_database_folder_leaves_the_token_file_untouched(tmp_path):
    folder, token_file = _token_folder(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "hub", "kiosk", "add", "kiosk-file", "--token-file", str(token_file),
         "--db", str(tmp_path / "missing" / "hub.db")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert token_file.read_text() == "old-token\n"
    assert sorted(p.name for p in folder.iterdir()) == ["kiosk.token"]


def test_kiosk_add_into_a_missing_folder_fails_before_rotating_the_token(idle_hub, tmp_path):
    old = idle_hub.add_kiosk("kiosk-file")
    done = idle_hub.run_cli("kiosk", "add", "kiosk-file", "--token-file", str(tmp_path / "nowhere" / "kiosk.token"))
    assert done.returncode == 1 and done.stderr.startswith("error: Cannot write the token file")
    assert idle_hub.query("SELECT token_hash FROM kiosks WHERE id = 'kiosk-file'")[0]["token_hash"] == hash_token(old)


def test_token_file_is_replaced_whole_by_a_new_file(idle_hub, tmp_path):
    folder, token_file = _token_folder(tmp_path)
    os.chmod(token_file, 0o644)
    old_inode = token_file.stat().st_ino
    done = idle_hub.run_cli("kiosk", "add", "kiosk-file", "--token-file", str(token_file))
    assert done.returncode == 0, done.stderr
    assert token_file.stat().st_ino != old_inode  # renamed over the old one, never truncated in place
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", token_file.read_text())
    assert sorted(p.name for p in folder.iterdir()) == ["kiosk.token"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["kiosk", "revoke", "nobody"], "error: There is no kiosk with id 'nobody'"),
        (["kiosk", "add", "bad id!"], "error: The kiosk id 'bad id!' is not valid"),
        (["call", "ack", "5d1c0b2a-3e4f-4a5b-9c6d-7e8f9a0b1c2d", "--agent", "Paul"], "error: There is no assistance call"),
        (["call", "ack", "x", "--agent", "P4ul"], "error: The agent's first name"),
        (["call", "resolve", "x"], "error: There is no assistance call"),
        (["session", "cancel", "nothing"], "error: There is no session"),
        (["session", "add", "s1", "--topic", "email", "--starts-at", "tomorrow", "--place", "p", "--agency", "a", "--capacity", "3"], "error: --starts-at 'tomorrow'"),
        (["export", "--type", "rent"], "error: argument --type: invalid choice"),
        (["kiosk", "launch"], "error: argument COMMAND: invalid choice"),
    ],
)
def test_errors_are_one_line_without_traceback(idle_hub, args, message):
    idle_hub.add_kiosk("kiosk-cli")  # the database exists
    done = idle_hub.run_cli(*args)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(message), done.stderr


def test_commands_on_a_missing_database_say_so(tmp_path):
    done = HubProcess(tmp_path / "nowhere").run_cli("export", "--type", "booking")
    assert done.returncode == 1
    assert done.stderr.startswith("error: There is no hub database at ")
    assert not (tmp_path / "nowhere" / "hub.db").exists()


def test_session_add_and_list(idle_hub):
    idle_hub.add_kiosk("kiosk-cli")
    out = idle_hub.call("session", "add", "cli-s1", "--topic", "portal", "--starts-at", "2099-06-02T14:00",
                        "--place", "Agence Béarn — salle 1", "--agency", "Béarn", "--capacity", "8")
    assert out.strip() == "session cli-s1: portal at Agence Béarn — salle 1, 2099-06-02T14:00:00+02:00, 8 seat(s)"
    listed = idle_hub.call("session", "list")
    assert "cli-s1" in listed and "group" in listed


def test_sigterm_stops_the_hub_cleanly(hub):
    hub.stop()
    assert hub.returncode == 0
    assert hub.log_text().rstrip().endswith("hub stopped")
    assert "Traceback" not in hub.log_text()


def test_restarting_a_demo_hub_keeps_its_data(hub, hub_token):
    sessions = hub.query("SELECT id FROM sessions ORDER BY id")
    url = hub.url
    hub.stop()
    hub.start()
    assert hub.url == url
    assert hub.query("SELECT id FROM sessions ORDER BY id") == sessions
    assert requests.get(hub.url + "/api/v1/catalog", headers=bearer(hub_token.token), timeout=10).status_code == 200


def test_serve_on_a_port_in_use_fails_with_one_line(hub, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hub", "serve", "--db", str(tmp_path / "other.db"), "--port", str(hub.port)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "address already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_first_start_moves_to_a_free_port_when_the_chosen_one_is_taken(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        process = HubProcess(tmp_path / "hub")
        process.port = squatter.getsockname()[1]
        with process:
            assert process.port != squatter.getsockname()[1]
            assert requests.get(process.url + "/healthz", timeout=10).status_code == 200


def _commands(parser, prefix=()):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            if sub._subparsers:
                yield from _commands(sub, prefix + (name,))
            else:
                yield " ".join(prefix + (name,))


def test_readme_documents_every_command():
    text = README.read_text(encoding="utf-8")
    commands = list(_commands(build_parser()))
    assert len(commands) == 15
    for command in commands:
        assert f"`{command}" in text, f"hub/README.md does not document `{command}`"
