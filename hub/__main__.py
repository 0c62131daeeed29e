"""The hub's command line: `python -m hub <command> ... --db PATH` (see hub/README.md).

Every command prints what it did, or one line starting with "error:" and exits non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hub.errors import HubError
from hub.rules import ACTION_TYPES, LANGUAGES, TOPIC_KINDS

log = logging.getLogger("hub")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of argparse's usage block
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 60")
    return value


def _positive_minutes(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of minutes (1 or more)")
    return int(text)


def _now() -> datetime:
    from hub.timeutil import utc_now

    return utc_now()


@contextlib.contextmanager
def _db(args: argparse.Namespace, *, create: bool = False):
    """The hub database for one command, closed whatever happens."""
    from hub.db import open_hub_db

    db = open_hub_db(args.db, create=create)
    try:
        yield db
    finally:
        db.close()


def _table(rows: list[dict], columns: list[str]) -> str:
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines)


def _json_line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _print_rows(args: argparse.Namespace, rows: list[dict], columns: list[str]) -> None:
    """What the list commands print: JSON lines with --json, else a table of `columns`."""
    if args.json:
        for row in rows:
            print(_json_line(row))
    else:
        print(_table(rows, columns))


# --- serve -------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hub.app import create_app
    from hub.demo import seed_demo

    with _db(args, create=True) as db:
        if args.demo and seed_demo(db, _now()):
            log.info("demo data seeded into %s", args.db)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                host, port = self.servers[0].sockets[0].getsockname()[:2]
                log.info("hub %s ready on http://%s:%d (db %s, pid %d)", _version(), host, port, args.db, os.getpid())

    config = uvicorn.Config(
        create_app(args.db, busy_timeout=args.busy_timeout, console={
            "session_lifetime": timedelta(hours=args.console_session_hours),
            "idle_timeout": timedelta(minutes=args.console_idle_minutes),
            "call_alert_after": timedelta(minutes=args.call_alert_minutes),
        }),
        host=args.host,
        port=args.port,
        http="h11",  # pure Python and always installed: the same behaviour on every machine
        lifespan="off",
        log_config=None,  # our logging.basicConfig formats uvicorn's warnings too
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    server = Server(config)
    # uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown; ignoring it then lets us exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run()
    if not server.started:
        return 1
    log.info("hub stopped")
    return 0


def _version() -> str:
    from hub import __version__

    return __version__


# --- kiosks ------------------------------------------------------------------------------------


def cmd_kiosk_add(args: argparse.Namespace) -> int:
    from hub.kiosks import issue_token

    if not args.token_file:
        with _db(args, create=True) as db:
            print(issue_token(db, args.kiosk_id, _now(), agency=args.agency))
        return 0
    # The new token goes to a temporary file beside the old one, renamed over it only once the token
    # is issued and stored: a failed command leaves the old file (and the old token) as they were.
    # Created before the token is issued, so a folder we cannot write does not cost the old token.
    target = Path(args.token_file)
    if target.is_dir():
        raise HubError("token_file", f"Cannot write the token file {target}: it is a folder.")
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")  # mode 0600
    except OSError as error:
        raise HubError("token_file", f"Cannot write the token file {target}: {error.strerror}.") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            with _db(args, create=True) as db:
                token = issue_token(db, args.kiosk_id, _now(), agency=args.agency)
            try:
                handle.write(token + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as error:
                raise _token_lost(target, args.kiosk_id, error) from None
        try:
            os.replace(temp, target)
        except OSError as error:
            raise _token_lost(target, args.kiosk_id, error) from None
        _fsync_folder(target.parent)
    finally:
        temp.unlink(missing_ok=True)
    print(f"token for kiosk {args.kiosk_id} written to {target}", file=sys.stderr)
    return 0


def _token_lost(target: Path, kiosk_id: str, error: OSError) -> HubError:
    return HubError(
        "token_file",
        f"The new token of kiosk {kiosk_id} could not be written to {target} ({error.strerror}); "
        f"{target} was left as it was, but any earlier token of this kiosk no longer works: run the command again.",
    )


def _fsync_folder(folder: Path) -> None:
    """Makes the rename itself durable; some file systems cannot, which is no reason to fail."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def cmd_kiosk_revoke(args: argparse.Namespace) -> int:
    from hub.kiosks import revoke

    with _db(args) as db:
        revoke(db, args.kiosk_id, _now())
    print(f"kiosk {args.kiosk_id}: token revoked")
    return 0


def cmd_kiosk_list(args: argparse.Namespace) -> int:
    from hub.kiosks import list_kiosks

    with _db(args) as db:
        rows = list_kiosks(db)
    _print_rows(args, rows, ["id", "agency", "status", "last_heartbeat_at", "version", "queue_depth",
                             "oldest_pending_age_seconds", "stuck_count", "rejected_count", "last_sync_at",
                             "free_disk_bytes", "speech_available"])
    return 0


# --- actions and calls -------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from hub.actions import export_actions

    with _db(args) as db:
        for row in export_actions(db, args.type):
            print(_json_line(row))
    return 0


def cmd_call_ack(args: argparse.Namespace) -> int:
    from hub.calls import acknowledge

    with _db(args) as db:
        call = acknowledge(db, args.call_id, args.agent, _now())
    print(f"call {call['id']}: acknowledged by {call['agent_first_name']}")
    return 0


def cmd_call_resolve(args: argparse.Namespace) -> int:
    from hub.calls import resolve

    with _db(args) as db:
        call = resolve(db, args.call_id, _now())
    print(f"call {call['id']}: resolved")
    return 0


def cmd_call_list(args: argparse.Namespace) -> int:
    from hub.calls import open_calls

    with _db(args) as db:
        rows = open_calls(db, _now(), timedelta(minutes=args.call_stale_minutes))
    if not args.json:
        rows = [{**row, "stale": "yes" if row["stale"] else "no"} for row in rows]
    _print_rows(args, rows, ["id", "kiosk_id", "status", "stale", "agent_first_name", "called_at", "language", "reason", "screen"])
    return 0


# --- agents of the console --------------------------------------------------------------------


def _new_password(args: argparse.Namespace) -> str:
    """The new password, hashed: first line of --password-file, or typed twice without echo."""
    from hub.passwords import WeakPassword, check_strength, hash_password

    if args.password_file:
        try:
            with open(args.password_file, encoding="utf-8") as handle:
                password = handle.readline().rstrip("\r\n")
        except OSError as error:
            raise HubError("password_file", f"Cannot read the password file {args.password_file}: {error.strerror}.") from None
    else:
        import getpass

        password = getpass.getpass(f"New password for agent {args.agent_id}: ")
        try:
            check_strength(password)
        except WeakPassword as error:
            raise HubError("weak_password", str(error)) from None
        if getpass.getpass("The same password again: ") != password:
            raise HubError("password_mismatch", "The two passwords differ; nothing was changed.")
    try:
        return hash_password(password)
    except WeakPassword as error:
        raise HubError("weak_password", str(error)) from None


def cmd_agent_add(args: argparse.Namespace) -> int:
    from hub.agents import add_agent

    password_hash = _new_password(args)
    with _db(args, create=True) as db:
        add_agent(db, args.agent_id, args.first_name, password_hash, _now(), agency=args.agency)
    print(f"agent {args.agent_id} ({args.first_name}) added; they log in at /console")
    return 0


def cmd_agent_list(args: argparse.Namespace) -> int:
    from hub.agents import list_agents

    with _db(args) as db:
        rows = list_agents(db)
    _print_rows(args, rows, ["id", "first_name", "agency", "status", "created_at", "disabled_at"])
    return 0


def cmd_agent_disable(args: argparse.Namespace) -> int:
    from hub.agents import disable_agent

    with _db(args) as db:
        disable_agent(db, args.agent_id, _now())
    print(f"agent {args.agent_id}: disabled, console sessions closed")
    return 0


def cmd_agent_password(args: argparse.Namespace) -> int:
    from hub.agents import set_password

    password_hash = _new_password(args)
    with _db(args) as db:
        set_password(db, args.agent_id, password_hash)
    print(f"agent {args.agent_id}: new password set, console sessions closed")
    return 0


# --- sessions ----------------------------------------------------------------------------------


def cmd_session_add(args: argparse.Namespace) -> int:
    from hub.catalog import add_session

    try:
        starts_at = datetime.fromisoformat(args.starts_at)
    except ValueError:
        raise HubError(
            "invalid_time",
            f"--starts-at {args.starts_at!r} is not a date and time like 2025-12-02T14:00 (Paris time) or 2025-12-02T14:00:00+01:00.",
        ) from None
    with _db(args) as db:
        row = add_session(
            db, session_id=args.session_id, topic=args.topic, starts_at=starts_at, minutes=args.minutes,
            place=args.place, agency=args.agency, capacity=args.capacity, language=args.language,
            session_format=args.format,
        )
    print(f"session {row['id']}: {row['topic']} at {row['place']}, {row['starts_at']}, {row['capacity']} seat(s)")
    return 0


def cmd_session_cancel(args: argparse.Namespace) -> int:
    from hub.catalog import cancel_session

    with _db(args) as db:
        cancel_session(db, args.session_id, _now())
    print(f"session {args.session_id}: cancelled")
    return 0


def cmd_session_list(args: argparse.Namespace) -> int:
    from hub.catalog import list_sessions

    with _db(args) as db:
        rows = list_sessions(db, _now(), include_past=args.all)
    _print_rows(args, rows, ["id", "topic", "format", "starts_at", "agency", "place", "capacity", "confirmed", "waitlisted", "cancelled_at"])
    return 0


# --- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m hub", description="The lobby kiosks' agency hub.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(group, name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", required=True, type=Path, help="the hub's SQLite database file")
        sub.set_defaults(handler=handler)
        return sub

    serve = command(commands, "serve", cmd_serve, "run the hub's HTTP API")
    serve.add_argument("--port", required=True, type=_port)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--demo", action="store_true", help="seed demo workshops if the database has none")
    serve.add_argument("--busy-timeout", type=_positive_seconds, default=5.0, metavar="SECONDS",  # hub.db's REQUEST_BUSY_TIMEOUT_SECONDS
                       help="how long a request waits for the database before answering 503 (default 5; "
                            "keep it below the kiosks' read timeout, 10 s by default)")
    serve.add_argument("--console-session-hours", type=_positive_minutes, default=8, metavar="HOURS",
                       help="an agent's console session ends this long after login (default 8)")
    serve.add_argument("--console-idle-minutes", type=_positive_minutes, default=30, metavar="MINUTES",
                       help="an agent's console session ends after this long without a request (default 30)")
    serve.add_argument("--call-alert-minutes", type=_positive_minutes, default=3, metavar="MINUTES",
                       help="the console highlights a call still waiting after this long (default 3)")

    kiosk = commands.add_parser("kiosk", help="register kiosks, rotate or revoke their tokens")
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True, metavar="COMMAND")
    add = command(kiosk_commands, "add", cmd_kiosk_add,
                  "register a kiosk, or give it a new token (the old one stops working); prints the token once")
    add.add_argument("kiosk_id", metavar="ID")
    add.add_argument("--agency", help="the agency the kiosk stands in")
    add.add_argument("--token-file", help="write the token to this file (mode 0600) instead of printing it")
    revoke = command(kiosk_commands, "revoke", cmd_kiosk_revoke, "revoke a kiosk's token (e.g. a stolen terminal)")
    revoke.add_argument("kiosk_id", metavar="ID")
    listing = command(kiosk_commands, "list", cmd_kiosk_list, "the fleet: tokens and last heartbeats")
    listing.add_argument("--json", action="store_true", help="JSON lines instead of a table")

    export = command(commands, "export", cmd_export, "JSON lines of the actions received of one type, for the back office")
    export.add_argument("--type", required=True, choices=ACTION_TYPES)

    call = commands.add_parser("call", help="assistance calls: acknowledge, resolve, list")
    call_commands = call.add_subparsers(dest="call_command", required=True, metavar="COMMAND")
    ack = command(call_commands, "ack", cmd_call_ack, "an agent takes a call; the kiosk shows their first name")
    ack.add_argument("call_id", metavar="CALL_ID")
    ack.add_argument("--agent", required=True, metavar="FIRSTNAME")
    resolve = command(call_commands, "resolve", cmd_call_resolve, "the tenant has been helped")
    resolve.add_argument("call_id", metavar="CALL_ID")
    call_list = command(call_commands, "list", cmd_call_list, "calls not yet resolved, oldest first, stale ones marked")
    call_list.add_argument("--call-stale-minutes", type=_positive_minutes, default=10, metavar="MINUTES",  # hub.calls.STALE_AFTER
                           help="calls older than this are stale, not live (default 10: the kiosks' default call expiry)")
    call_list.add_argument("--json", action="store_true", help="JSON lines instead of a table")

    agent = commands.add_parser("agent", help="agents of the web console: add, list, disable, reset a password")
    agent_commands = agent.add_subparsers(dest="agent_command", required=True, metavar="COMMAND")
    password_help = "read the password from the first line of this file instead of asking for it"
    agent_add = command(agent_commands, "add", cmd_agent_add,
                        "add an agent; the password (10 characters or more) is asked twice, without echo")
    agent_add.add_argument("agent_id", metavar="NAME", help="login name, also recorded as assisted_by on kiosks")
    agent_add.add_argument("--first-name", required=True, help="what the kiosk shows: \"<first name> arrive\"")
    agent_add.add_argument("--agency", help="the agent's agency (default: every agency)")
    agent_add.add_argument("--password-file", help=password_help)
    agent_list = command(agent_commands, "list", cmd_agent_list, "the agents and whether they can log in")
    agent_list.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    agent_disable = command(agent_commands, "disable", cmd_agent_disable,
                            "the agent can no longer log in; their open sessions end at once")
    agent_disable.add_argument("agent_id", metavar="NAME")
    agent_password = command(agent_commands, "password", cmd_agent_password,
                             "give an agent a new password (also enables a disabled agent); their sessions end")
    agent_password.add_argument("agent_id", metavar="NAME")
    agent_password.add_argument("--password-file", help=password_help)

    session = commands.add_parser("session", help="workshop sessions: add, cancel, list")
    session_commands = session.add_subparsers(dest="session_command", required=True, metavar="COMMAND")
    session_add = command(session_commands, "add", cmd_session_add, "add a workshop session to the catalogue")
    session_add.add_argument("session_id", metavar="ID")
    session_add.add_argument("--topic", required=True, choices=tuple(TOPIC_KINDS))
    session_add.add_argument("--starts-at", required=True, help="e.g. 2025-12-02T14:00 (Paris time) or with an offset")
    session_add.add_argument("--minutes", type=int, default=120)
    session_add.add_argument("--place", required=True)
    session_add.add_argument("--agency", required=True)
    session_add.add_argument("--capacity", type=int, required=True)
    session_add.add_argument("--language", default="fr", choices=LANGUAGES)
    session_add.add_argument("--format", choices=("individual", "group"), help="default: individual for 1 seat, else group")
    session_cancel = command(session_commands, "cancel", cmd_session_cancel, "cancel a session (it leaves the catalogue)")
    session_cancel.add_argument("session_id", metavar="ID")
    session_list = command(session_commands, "list", cmd_session_list, "upcoming sessions with their bookings")
    session_list.add_argument("--all", action="store_true", help="include past sessions")
    session_list.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except HubError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        print(f"error: database {args.db}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the CLI's promise: one line, never a traceback
        if os.environ.get("HUB_DEBUG"):
            raise
        print(f"error: unexpected {type(error).__name__}: {error} (set HUB_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
