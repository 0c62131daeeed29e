"""A real hub process for tests: its own SQLite file, a free loopback port, real HTTP.

    hub = HubProcess(tmp_path, demo=True)
    hub.start()                       # waits for the "ready" log line and /healthz
    token = hub.add_kiosk("kiosk-1")  # works while the hub runs
    requests.get(hub.url + "/api/v1/catalog", headers=bearer(token), timeout=5)
    hub.stop()                        # SIGTERM, then SIGKILL after a timeout

`serve_args` are extra `python -m hub serve` options, e.g. `("--busy-timeout", "0.2")`.

The hub's stdout and stderr go to `workdir/hub.log` (`log_text()`); the root conftest adds it
to the report of a failed test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0
STOP_SECONDS = 15.0
HTTP_TIMEOUT = (2.0, 10.0)


class HubStartError(RuntimeError):
    """The hub did not become ready; the message carries the end of its log."""


class HubCommandError(RuntimeError):
    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str):
        super().__init__(f"`python -m hub {' '.join(args)}` exited {returncode}: {stderr.strip() or stdout.strip()}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class KioskAuth(NamedTuple):
    """A registered kiosk: `kiosk_id, token = auth`, or `auth.headers` for requests."""

    kiosk_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class HubProcess:
    def __init__(self, workdir: Path, *, demo: bool = False, serve_args: Sequence[str] = ()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.demo = demo
        self.serve_args = tuple(serve_args)
        self.db_path = self.workdir / "hub.db"
        self.log_path = self.workdir / "hub.log"
        self.port = free_port()
        self.returncode: int | None = None
        self._proc: subprocess.Popen | None = None
        self._has_started = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Spawns the hub and waits until it answers; restarts keep the first start's port."""
        if self.is_running():
            raise RuntimeError("the hub is already running")
        # Only a first start may move to another port, if someone took the one we picked.
        attempts = 1 if self._has_started else 3
        for attempt in range(attempts):
            log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._spawn()
            try:
                self._wait_ready(log_offset)
            except HubStartError:
                port_taken = "address already in use" in self.log_text()[log_offset:].lower()
                if port_taken and attempt + 1 < attempts:
                    self.port = free_port()
                    continue
                raise
            self._has_started = True
            return

    def stop(self) -> None:
        """SIGTERM, wait, then SIGKILL; `returncode` tells how it ended (0 is a clean stop)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=STOP_SECONDS)
        self.returncode = self._proc.returncode
        self._proc = None

    def kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(timeout=STOP_SECONDS)
        self.returncode = self._proc.returncode
        self._proc = None

    def __enter__(self) -> HubProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "hub", "serve", "--db", str(self.db_path),
                   "--host", "127.0.0.1", "--port", str(self.port)]
        if self.demo:
            command.append("--demo")
        command.extend(self.serve_args)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                command, cwd=REPO_ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_ready(self, log_offset: int) -> None:
        # The ready line proves that *this* process bound the port, not a stranger on it.
        ready_line = f"ready on {self.url} "
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self._proc.poll() is not None:
                self.returncode = self._proc.returncode
                self._proc = None
                raise HubStartError(f"the hub exited with {self.returncode} before it was ready:\n{self._log_tail()}")
            if ready_line in self.log_text()[log_offset:]:
                try:
                    if requests.get(self.url + "/healthz", timeout=HTTP_TIMEOUT).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            if time.monotonic() > deadline:
                self.kill()
                raise HubStartError(f"the hub was not ready after {STARTUP_SECONDS:.0f} s:\n{self._log_tail()}")
            time.sleep(0.02)  # polling interval, not a wait for something to happen

    # --- what the hub wrote --------------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def actions(self, type: str | None = None) -> list[dict]:
        """Actions the hub recorded (envelope, payload, result, received_at), in arrival order."""
        from hub.actions import export_actions
        from hub.db import open_read_only

        db = open_read_only(self.db_path)
        try:
            return list(export_actions(db, type))
        finally:
            db.close()

    def query(self, sql: str, params: list | dict | None = None) -> list[dict]:
        """Read-only SQL against the hub's database, for assertions on its tables."""
        from hub.db import open_read_only

        db = open_read_only(self.db_path)
        try:
            return list(db.query(sql, params))
        finally:
            db.close()

    # --- back-office verbs ---------------------------------------------------------------------

    def add_kiosk(self, kiosk_id: str, agency: str = "Centre Ouest") -> str:
        """Registers a kiosk (or rotates its token) and returns the new token."""
        from hub.db import open_hub_db
        from hub.kiosks import issue_token

        db = open_hub_db(self.db_path)
        try:
            return issue_token(db, kiosk_id, datetime.now(timezone.utc), agency=agency)
        finally:
            db.close()

    def add_kiosk_auth(self, kiosk_id: str, agency: str = "Centre Ouest") -> KioskAuth:
        return KioskAuth(kiosk_id, self.add_kiosk(kiosk_id, agency))

    def revoke_kiosk(self, kiosk_id: str) -> None:
        from hub.db import open_hub_db
        from hub.kiosks import revoke

        db = open_hub_db(self.db_path)
        try:
            revoke(db, kiosk_id, datetime.now(timezone.utc))
        finally:
            db.close()

    def add_session(
        self,
        session_id: str,
        *,
        capacity: int,
        starts_in: timedelta = timedelta(days=2),
        topic: str = "email",
        agency: str = "Centre Ouest",
        place: str = "Agence Centre Ouest — salle 2",
        minutes: int = 120,
        language: str = "fr",
    ) -> dict:
        """Adds a workshop session starting `starts_in` from now (negative: already started)."""
        from hub.catalog import add_session
        from hub.db import open_hub_db

        db = open_hub_db(self.db_path)
        try:
            return add_session(
                db, session_id=session_id, topic=topic, starts_at=datetime.now(timezone.utc) + starts_in,
                minutes=minutes, place=place, agency=agency, capacity=capacity, language=language,
            )
        finally:
            db.close()

    def run_cli(self, *cli_args: str) -> subprocess.CompletedProcess:
        """Runs `python -m hub ... --db <this hub's db>` and returns the finished process."""
        return subprocess.run(
            [sys.executable, "-m", "hub", *cli_args, "--db", str(self.db_path)],
            cwd=REPO_ROOT, env=_env(), capture_output=True, text=True, timeout=60,
        )

    def call(self, *cli_args: str) -> str:
        """Runs a hub command and returns its stdout; raises HubCommandError when it fails."""
        done = self.run_cli(*cli_args)
        if done.returncode != 0:
            raise HubCommandError(list(cli_args), done.returncode, done.stdout, done.stderr)
        return done.stdout


# --- building and sending actions ----------------------------------------------------------------


def make_action(kiosk_id: str, type: str, payload: dict, *, action_id: str | None = None,
                created_at: str | None = None) -> dict:
    """An action envelope as a kiosk's outbox would send it."""
    return {
        "id": action_id or str(uuid.uuid4()),
        "type": type,
        "created_at": created_at or datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "kiosk_id": kiosk_id,
        "payload": payload,
    }


def post_action(hub: HubProcess, auth: KioskAuth, action: dict, *, session: requests.Session | None = None,
                idempotency_key: str | None = None) -> requests.Response:
    """POST /api/v1/actions with the Idempotency-Key the outbox would use."""
    headers = {**auth.headers, "Idempotency-Key": idempotency_key or action["id"]}
    return (session or requests).post(hub.url + "/api/v1/actions", json=action, headers=headers, timeout=HTTP_TIMEOUT)
