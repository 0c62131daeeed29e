"""The sync worker: the one thread that talks to the hub.

It sends the outbox's actions, follows open assistance calls, keeps the workshop catalogue
fresh, sends heartbeats and runs retention. Like huey's consumer it works one `step()` at a
time: a step does one pass and returns how long to wait, so tests drive it with an injected
clock and no thread; `start()` runs the same steps on a thread that sleeps on an Event, which
`wake()` (a tenant's action was just queued) and `stop()` interrupt.

What an answer does (DESIGN.md, "Outbox rules"):
- success (the hub's receipt): `mark_delivered`, then `on_action_result(id, "delivered", result)`;
- PermanentError: `mark_rejected` with the hub's reason;
- TransientError: `mark_failed` (the outbox backs off and decides 'stuck'); when the error
  speaks for the whole hub (refused, timeout, 429, 502-504, an answer that is not the hub's)
  the rest of the pass is given back unsent and the hub is left alone for a jittered, growing
  delay (or its Retry-After);
- AuthError (401/403): first a heartbeat asks whether the hub still takes the token. Accepted: a
  proxy or WAF refused that one request, so the action fails alone (`mark_failed`, it may become
  stuck) and the pass goes on. Refused too (or no usable token file): everything claimed is
  given back unsent and the queue PAUSES: no call until the token file changes or
  `auth_retry_seconds` pass, then one heartbeat probes. A revoked token never turns a tenant's
  action into a rejection.
When the hub answers again after failures, `outbox.retry_soon()` brings the pending backlog
forward (stuck rows keep their slow retry).

`wake()` (a tenant's action was queued) starts a pass at once; it never overrides a hub-wide wait
(Retry-After, hub down) nor the auth pause. During such a wait a call for help is still reported
"queued" at once, with the status, so the screen can point the tenant to the reception desk.

The worker is the only claimer and holds no claimed row between passes, so each pass starts with
`outbox.recover_in_flight()`: a row left 'sending' because its answer could not be recorded (the
file stayed locked longer than the busy timeout) is sent again, without a restart. Such outbox
failures show in `SyncStatus.last_error` until a pass runs without one.

The worker opens its own Outbox and HubClient in the thread that runs the steps (a SQLite
connection and a requests.Session belong to one thread). Callbacks are called on that thread;
the UI wraps them with Kivy's @mainthread. No exception ends the thread: it is logged, shown in
`SyncStatus.last_error`, and the next step comes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Callable

from kiosk import __version__
from kiosk.api import AuthError, HubClient, PermanentError, TransientError
from kiosk.catalog import Catalog, CatalogError, load_cached, save_cached
from kiosk.config import Config
from kiosk.outbox import (MAX_RETRY_AFTER_SECONDS, REJECTED, STUCK, WAITING_STATES, Action,
                          Outbox, OutboxError)

log = logging.getLogger(__name__)

ASSISTANCE_TYPE = "assistance_call"
# Hub status -> what the kiosk shows; "waiting" is what the kiosk calls "sent".
_ASSISTANCE_STATUS = {"waiting": "sent", "acknowledged": "acknowledged", "resolved": "resolved"}


@dataclass(frozen=True)
class SyncStatus:
    """What the always-visible bar and agent mode show about syncing."""

    online: bool | None = None       # None until the first answer (or failure) from the hub
    paused: str | None = None        # why the queue is paused (token refused or missing)
    waiting: int = 0                 # pending + sending + stuck
    stuck: int = 0
    rejected: int = 0
    last_sync_at: float | None = None  # last successful exchange with the hub (epoch seconds)
    last_error: str | None = None    # an outbox failure, until a pass has none; else the hub's
                                     # last error, cleared by the next successful exchange


def _noop(*args) -> None:
    return None


class SyncWorker:
    def __init__(self, config: Config, *,
                 on_status: Callable[[SyncStatus], None] | None = None,
                 on_assistance: Callable[[str, str, str | None], None] | None = None,
                 on_catalog: Callable[[Catalog], None] | None = None,
                 on_action_result: Callable[[str, str, dict | None], None] | None = None,
                 clock: Callable[[], float] = time.time,
                 rng: Callable[[], float] = random.random,
                 speech_available: Callable[[], bool] | None = None,
                 auth_retry_seconds: float = 60.0,
                 token_check_seconds: float = 2.0,
                 reconnect_spread_seconds: float = 5.0,
                 retention_interval_seconds: float = 3600.0,
                 assistance_watch_seconds: float = 3600.0,
                 max_idle_seconds: float = 10.0,
                 status_refresh_seconds: float = 5.0,
                 batch_size: int = 20,
                 max_actions_per_pass: int = 200):
        self.config = config
        self._on_status = on_status or _noop
        self._on_assistance = on_assistance or _noop
        self._on_catalog = on_catalog or _noop
        self._on_action_result = on_action_result or _noop
        self._clock = clock
        self._rng = rng
        self._speech_available = speech_available
        self._auth_retry_seconds = auth_retry_seconds
        self._token_check_seconds = token_check_seconds
        self._reconnect_spread = reconnect_spread_seconds
        self._retention_interval = retention_interval_seconds
        self._assistance_watch = assistance_watch_seconds
        self._max_idle = max_idle_seconds
        self._status_refresh = status_refresh_seconds
        self._batch_size = batch_size
        self._max_per_pass = max_actions_per_pass

        # Set from any thread.
        self._flags = threading.Lock()
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._forced = False        # wake(): the UI queued an action since the last pass
        self._sync_now = False      # sync_now(): also bring the backlog and refreshes forward
        self._thread: threading.Thread | None = None
        self._status = SyncStatus()

        # Owned by the thread that runs the steps.
        self._owner: int | None = None
        self._outbox: Outbox | None = None
        self._client: HubClient | None = None
        self._online: bool | None = None
        self._paused: str | None = None
        self._paused_stamp: tuple | None = None
        self._auth_retry_at = 0.0
        self._hub_failures = 0
        self._hub_retry_at: float | None = None
        self._blocked = False       # this pass met a hub-wide failure or a refused token
        self._last_sync_at: float | None = None
        self._last_error: str | None = None
        self._storage_error: str | None = None  # the outbox failed during the last pass
        self._storage_failed_in_pass = False
        # What the status shows from the outbox: (waiting, stuck, rejected), re-read when the
        # worker changed something, the UI woke it, or status_refresh_seconds passed.
        self._counts = (0, 0, 0)
        self._counts_at = -math.inf
        self._counts_stale = True
        self._catalog_etag: str | None = None
        self._next_catalog = 0.0
        self._next_heartbeat = 0.0
        self._next_retention = 0.0
        self._next_assistance_poll = 0.0
        # Open assistance calls: id -> (hub status, agent first name, delivered at).
        self._watched: dict[str, tuple[str, str | None, float]] = {}
        self._said_queued: set[str] = set()

    # --- control, from any thread ---------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        """The last published status (a frozen value: safe to read from any thread)."""
        return self._status

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sync worker was already started")
        self._thread = threading.Thread(target=self._run, name=f"sync-{self.config.kiosk.id}",
                                        daemon=False)
        self._thread.start()

    def wake(self) -> None:
        """An action was just queued: a pass now. It goes unless the hub is being left alone
        (Retry-After, hub down, token refused); then a call for help is reported "queued"."""
        with self._flags:
            self._forced = True
        self._wakeup.set()

    def sync_now(self) -> None:
        """An agent asked: bring every waiting action forward, refresh the catalogue, report."""
        with self._flags:
            self._sync_now = True
        self.wake()

    def stop(self, timeout: float = 5.0) -> bool:
        """Finish the request in flight (bounded by the hub timeouts), give back what was
        claimed, close, join. True when the thread has ended."""
        self._stopping.set()
        self._wakeup.set()
        if self._thread is None:
            if self._owner == threading.get_ident():
                self.close()
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        log.info("sync worker started for hub %s", self.config.hub.url)
        try:
            while not self._stopping.is_set():
                self._wakeup.clear()
                try:
                    delay = self.step()
                except Exception as err:  # noqa: BLE001 - nothing may end this thread
                    log.exception("sync pass failed")
                    self._last_error = f"sync pass failed: {err}"
                    self._publish_status(force=True)
                    delay = min(self._max_idle, 5.0)
                if not self._stopping.is_set():
                    self._wakeup.wait(delay)
        finally:
            self.close()
            log.info("sync worker stopped")

    def close(self) -> None:
        """Close the worker's own outbox and client (done by stop(); for step()-driven tests)."""
        if self._outbox is not None:
            try:
                self._outbox.close()
            except Exception:  # noqa: BLE001
                log.exception("closing the worker's outbox failed")
            self._outbox = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def _open(self) -> None:
        if self._owner is None:
            self._owner = threading.get_ident()
        elif self._owner != threading.get_ident():
            raise RuntimeError("step() must always be called from the same thread")
        if self._outbox is None:
            self.config.kiosk.data_dir.mkdir(parents=True, exist_ok=True)
            self._outbox = Outbox(self.config.outbox_path, self.config.outbox,
                                  self.config.kiosk.id, clock=self._clock, rng=self._rng)
            cached = load_cached(self.config.catalog_path)
            if cached is not None:
                self._catalog_etag = cached.etag
                self._emit(self._on_catalog, cached)
        if self._client is None:
            self._client = HubClient(self.config.hub, kiosk_id=self.config.kiosk.id,
                                     clock=self._clock)

    # --- one pass -------------------------------------------------------------------------------

    def step(self) -> float:
        """Do one pass; return the seconds to wait before the next one."""
        self._open()
        now = self._clock()
        with self._flags:
            forced, sync_now = self._forced, self._sync_now
            self._forced = self._sync_now = False
        self._storage_failed_in_pass = False
        if forced:
            self._counts_stale = True  # the UI queued something
        # Nothing is claimed between passes: whatever is still 'sending' was stranded.
        self._guard("recover in-flight actions", self._recover_in_flight)
        if sync_now:
            self._guard("retry_soon", lambda: self._outbox.retry_soon(spread_seconds=0.0))
            self._next_catalog = self._next_heartbeat = now
        self._blocked = not self._hub_allowed(now)
        if not self._blocked and self._paused is not None:
            self._guard("token probe", self._probe_token)

        self._guard("expire assistance", self._expire_assistance)
        claimed = False
        if self._may_call():
            claimed = bool(self._guard("send actions", self._send_actions))
        if forced and not self._may_call():
            # The hub is left alone: a call for help just queued must still hear it at once.
            self._guard("calls for help", self._say_waiting_calls_queued)
        if self._may_call() and self._clock() >= self._next_catalog:
            self._guard("catalogue", self._refresh_catalog)
        if self._may_call() and self._watched and self._clock() >= self._next_assistance_poll:
            self._guard("assistance", self._poll_assistance)
        if self._may_call() and self._clock() >= self._next_heartbeat:
            self._guard("heartbeat", self._send_heartbeat)
        if self._clock() >= self._next_retention:
            self._guard("retention", self._run_retention)
        if not self._storage_failed_in_pass:
            self._storage_error = None
        self._publish_status()
        return self._next_delay(claimed)

    def _hub_wait(self, now: float) -> bool:
        """The hub said wait (Retry-After) or looks down: nothing calls it before the time."""
        return self._hub_retry_at is not None and now < self._hub_retry_at

    def _hub_allowed(self, now: float) -> bool:
        if self._hub_wait(now):
            return False
        if self._paused is not None:
            # Probe time, or a new token file (rotation): one heartbeat asks the hub.
            return (now >= self._auth_retry_at
                    or self._client.token_stamp() != self._paused_stamp)
        return True

    def _may_call(self) -> bool:
        return not self._blocked and not self._stopping.is_set()

    def _next_delay(self, claimed: bool) -> float:
        now = self._clock()
        waits = [self._max_idle, self._next_retention - now]
        if not self._hub_allowed(now):
            if self._hub_wait(now):
                waits.append(self._hub_retry_at - now)
            if self._paused is not None:
                waits += [self._auth_retry_at - now, self._token_check_seconds]
        else:
            due = self._guard("due", self._outbox.seconds_until_due)
            if due is not None:
                # Due now yet nothing was claimable: do not spin on it.
                waits.append(max(due, 1.0) if not claimed and due <= 0 else due)
            waits += [self._next_catalog - now, self._next_heartbeat - now]
            if self._watched:
                waits.append(self._next_assistance_poll - now)
        return max(0.0, min(waits))

    def _guard(self, what: str, work: Callable):
        """Run one part of a pass; an unexpected error is logged and shown, the pass goes on."""
        try:
            return work()
        except OutboxError as err:
            self._outbox_failed(f"{what} failed: {err}")
            return None
        except Exception as err:  # noqa: BLE001
            log.exception("sync: %s failed", what)
            self._last_error = f"{what} failed: {err}"
            return None

    def _outbox_failed(self, message: str) -> None:
        """The outbox file could not be read or written (locked too long, disk full, I/O)."""
        log.error("sync: %s", message)
        self._storage_error = message
        self._storage_failed_in_pass = True

    def _recover_in_flight(self) -> None:
        recovered = self._outbox.recover_in_flight()
        if recovered:
            self._counts_stale = True
            log.warning("%d action(s) were left in flight (the kiosk stopped, or their answer "
                        "could not be recorded); they will be sent again", recovered)

    # --- what the hub's answers mean --------------------------------------------------------------

    def _answered(self) -> None:
        """The hub answered (whatever it said): it is reachable."""
        self._hub_failures, self._hub_retry_at = 0, None
        if self._online is not True:
            was = self._online
            self._online = True
            if was is False:
                log.info("hub reachable again")
                # What failed while it was away is worth doing now, not at its next interval.
                self._next_catalog = self._next_heartbeat = self._clock()
            # Actions that backed off while it was away (or before a restart) go soon, jittered.
            moved = self._guard("retry_soon", lambda: self._outbox.retry_soon(
                spread_seconds=self._reconnect_spread))
            if moved:
                log.info("%d waiting action(s) brought forward", moved)
            self._publish_status()

    def _succeeded(self) -> None:
        self._answered()
        self._last_sync_at = self._clock()
        self._last_error = None
        self._token_accepted()

    def _token_accepted(self) -> None:
        if self._paused is not None:
            log.info("the hub accepts the kiosk token again; queue resumed")
            self._paused = None
            self._publish_status()

    def _transient(self, err: TransientError) -> None:
        self._last_error = err.reason
        if not err.hub_wide:
            self._answered()
            return
        # Unreachable, or there but not taking anything (429, 502-504): actions cannot get through.
        self._blocked = True
        self._hub_failures += 1
        if self._online is not False:
            log.warning("hub unreachable: %s", err.reason)
            self._online = False
        if err.retry_after is not None:
            # Honoured for the whole kiosk, up to the ceiling the outbox applies per action.
            delay = min(err.retry_after, MAX_RETRY_AFTER_SECONDS)
        else:
            ceiling = min(self.config.outbox.retry_cap_seconds, 60.0,
                          self.config.outbox.retry_base_seconds
                          * 2 ** min(self._hub_failures - 1, 30))
            delay = ceiling * (0.5 + 0.5 * self._rng())  # never ~0: a down hub is not hammered
        self._hub_retry_at = self._clock() + delay

    def _refused(self, err: AuthError) -> None:
        """The token is refused (or unusable): pause the queue."""
        self._blocked = True
        if err.status is not None:
            self._answered()
        if self._paused is None:
            log.error("sync paused, the hub refuses the kiosk: %s", err.reason)
        self._paused = err.reason
        self._last_error = err.reason
        self._paused_stamp = self._client.token_stamp()
        self._auth_retry_at = self._clock() + self._auth_retry_seconds

    def _refusal_is_for_this_request(self, err: AuthError) -> bool:
        """401/403 to one request: the token, or that request (a proxy, a WAF)? A heartbeat
        tells. True when the kiosk goes on (the hub took the heartbeat, or could not say);
        False when the queue is now paused."""
        if err.status is None:  # no usable token file: nothing to ask the hub
            self._refused(err)
            return False
        outcome = self._send_heartbeat()
        if outcome == "accepted":
            log.warning("the hub takes the kiosk token, yet one request got %s (a proxy or a "
                        "WAF on the way?)", err.answer)
        return outcome != "refused"

    def _probe_token(self) -> None:
        """Paused: one heartbeat (never a tenant's action) asks whether the token works now."""
        self._auth_retry_at = self._clock() + self._auth_retry_seconds  # whatever the outcome
        self._paused_stamp = self._client.token_stamp()
        self._send_heartbeat()
        if self._paused is not None:
            self._blocked = True  # refused again, or the hub could not say: still paused

    # --- actions --------------------------------------------------------------------------------

    def _send_actions(self) -> bool:
        """Post what is due, batch by batch; True if anything was claimed."""
        sent = 0
        claimed = False
        not_through: list[Action] = []  # still waiting after this pass: the UI hears "queued"
        stranded = False
        while self._may_call() and sent < self._max_per_pass and not stranded:
            batch = self._outbox.claim_ready(min(self._batch_size, self._max_per_pass - sent))
            if not batch:
                break
            claimed = True
            self._counts_stale = True
            unsettled = {action.id: action for action in batch}
            try:
                for action in batch:
                    if not self._may_call():
                        break
                    if not self._deliver(action):
                        not_through.append(action)
                    self._counts_stale = True
                    del unsettled[action.id]
                    sent += 1
            except OutboxError as err:
                # The answer could not be recorded. Giving the rest back would fail the same way
                # (each after the busy timeout): they stay 'sending' until the next pass.
                self._outbox_failed(f"the outbox could not record a sending ({err}); "
                                    f"{len(unsettled)} action(s) will be sent again")
                stranded = True
            finally:
                # Claimed but not sent (stop, hub down, token refused, an error): give back.
                for action in unsettled.values():
                    if not stranded:
                        stranded = not self._give_back(action)
                    not_through.append(action)
        if not_through:
            # Status first: the UI reads "queued" with "offline" as "go to the reception desk".
            self._publish_status()
            for action in not_through:
                self._say_queued(action)
        return claimed

    def _give_back(self, action: Action) -> bool:
        try:
            self._outbox.release(action.id)
        except OutboxError as err:
            self._outbox_failed(f"release failed ({err}); the action(s) still claimed will be "
                                f"sent again at the next pass")
            return False
        return True

    def _deliver(self, action: Action) -> bool:
        """Post one claimed action and record the answer; False if it is still waiting."""
        try:
            result = self._client.post_action(action)
        except AuthError as err:
            if not self._refusal_is_for_this_request(err):
                self._outbox.release(action.id)  # paused: not held against the action
                return False
            # Not the token: this request alone was refused (a proxy, a WAF), it fails alone.
            self._last_error = f"refused for this action only: {err.answer}"
            self._failed(action, self._last_error, None)
            return False
        except PermanentError as err:
            self._answered()
            log.warning("action %s (%s) rejected by the hub: %s", action.id, action.type,
                        err.reason)
            self._outbox.mark_rejected(action.id, err.reason)
            self._emit(self._on_action_result, action.id, "rejected", err.as_result())
            if action.type == ASSISTANCE_TYPE:
                self._said_queued.discard(action.id)
                self._emit(self._on_assistance, action.id, "failed", None)
            return True
        except TransientError as err:
            self._transient(err)
            self._failed(action, err.reason, err.retry_after)
            return False
        else:
            self._succeeded()
            self._outbox.mark_delivered(action.id, result)
            self._emit(self._on_action_result, action.id, "delivered", result)
            if action.type == ASSISTANCE_TYPE:
                self._said_queued.discard(action.id)
                if not self._watched:
                    self._next_assistance_poll = (self._clock()
                                                  + self.config.hub.assistance_poll_seconds)
                self._watched[action.id] = ("waiting", None, self._clock())
                self._emit(self._on_assistance, action.id, "sent", None)
        return True

    def _failed(self, action: Action, reason: str, retry_after: float | None) -> None:
        state = self._outbox.mark_failed(action.id, reason, retry_after=retry_after)
        if state == STUCK:
            log.warning("action %s (%s) is stuck: %s", action.id, action.type, reason)

    def _say_waiting_calls_queued(self) -> None:
        """The hub is being left alone: a call for help just queued must still be reported at
        once (status first), so the screen can point the tenant to the reception desk."""
        calls = [action for action in self._outbox.list(*WAITING_STATES,
                                                        action_type=ASSISTANCE_TYPE)
                 if action.id not in self._said_queued]
        if calls:
            self._publish_status()
            for action in calls:
                self._say_queued(action)

    def _say_queued(self, action: Action) -> None:
        """Tell the UI once that a call for help has not reached the hub yet."""
        if action.type == ASSISTANCE_TYPE and action.id not in self._said_queued:
            self._said_queued.add(action.id)
            self._emit(self._on_assistance, action.id, "queued", None)

    # --- assistance calls -----------------------------------------------------------------------

    def _expire_assistance(self) -> None:
        for call_id in self._outbox.expire_assistance():
            self._counts_stale = True
            log.info("assistance call %s expired before it reached the hub", call_id)
            self._said_queued.discard(call_id)
            self._emit(self._on_assistance, call_id, "expired", None)

    def _poll_assistance(self) -> None:
        now = self._clock()
        self._next_assistance_poll = now + self.config.hub.assistance_poll_seconds
        for call_id, (known, known_name, delivered_at) in list(self._watched.items()):
            if not self._may_call():
                return
            if now - delivered_at > self._assistance_watch:
                del self._watched[call_id]  # nobody is standing at the kiosk for it any more
                continue
            try:
                answer = self._client.get_assistance(call_id)
            except AuthError as err:
                if not self._refusal_is_for_this_request(err):
                    return
                continue
            except TransientError as err:
                self._transient(err)
                continue
            except PermanentError as err:
                log.warning("assistance call %s: the hub says %s; no longer followed",
                            call_id, err.reason)
                self._answered()
                del self._watched[call_id]
                continue
            self._succeeded()
            status = answer.get("status")
            if status not in _ASSISTANCE_STATUS:
                log.warning("assistance call %s: unknown status %r", call_id, status)
                continue
            name = answer.get("agent_first_name")
            name = name if isinstance(name, str) and name else None
            if status == "resolved":
                del self._watched[call_id]
            else:
                self._watched[call_id] = (status, name, delivered_at)
            # Another agent may take over a call: a new name is news too.
            if (status, name) != (known, known_name):
                self._emit(self._on_assistance, call_id, _ASSISTANCE_STATUS[status], name)

    # --- catalogue, heartbeat, retention --------------------------------------------------------

    def _refresh_catalog(self) -> None:
        now = self._clock()
        refresh = self.config.hub.catalog_refresh_seconds
        self._next_catalog = now + min(refresh, 60)  # sooner retry if this one fails
        try:
            body, etag = self._client.get_catalog(self._catalog_etag)
        except AuthError as err:
            if self._refusal_is_for_this_request(err):
                self._last_error = f"catalogue refused: {err.answer}"
            return
        except TransientError as err:
            self._transient(err)
            return
        except PermanentError as err:
            self._answered()
            self._last_error = f"catalogue: {err.reason}"
            return
        self._succeeded()
        self._next_catalog = now + refresh
        if body is None:
            return  # 304: what we have is current
        try:
            catalog = Catalog.from_body(body, etag=etag, fetched_at=now)
        except CatalogError as err:
            log.warning("the hub's catalogue cannot be used: %s", err)
            self._last_error = f"catalogue: {err}"
            self._next_catalog = now + min(refresh, 60)
            return
        try:
            save_cached(self.config.catalog_path, body, etag, now)
            self._catalog_etag = etag
        except OSError as err:
            # Shown from memory now; without a cache the next fetch must not be a 304.
            log.warning("the catalogue could not be cached at %s: %s",
                        self.config.catalog_path, err)
            self._catalog_etag = None
        self._emit(self._on_catalog, catalog)

    def _heartbeat_body(self) -> dict:
        outbox = self._outbox
        counts = outbox.counts(*WAITING_STATES, REJECTED)
        oldest = outbox.oldest_pending_age()
        try:
            free = shutil.disk_usage(self.config.kiosk.data_dir).free
        except OSError:
            free = 0
        try:
            speech = bool(self._speech_available()) if self._speech_available else False
        except Exception:  # noqa: BLE001 - a speech probe must not stop the heartbeat
            speech = False
        last = self._last_sync_at
        return {
            "kiosk_id": self.config.kiosk.id,
            "version": __version__,
            "queue_depth": sum(counts[state] for state in WAITING_STATES),
            "stuck_count": counts[STUCK],        # agents are alerted by the hub
            "rejected_count": counts[REJECTED],
            "oldest_pending_age_seconds": None if oldest is None else float(oldest),
            "last_sync_at": None if last is None else dt.datetime.fromtimestamp(
                last, dt.timezone.utc).isoformat(timespec="seconds"),
            "free_disk_bytes": int(free),
            "speech_available": speech,
        }

    def _send_heartbeat(self) -> str:
        """Report health; also the probe of the token. Returns "accepted" (the hub took the
        token), "refused" (it did not: the queue is paused) or "unknown"."""
        self._next_heartbeat = self._clock() + self.config.hub.heartbeat_seconds
        try:
            self._client.post_heartbeat(self._heartbeat_body())
        except AuthError as err:
            self._refused(err)
            return "refused"
        except TransientError as err:
            self._transient(err)
            return "unknown"
        except PermanentError as err:
            # The hub judged the body, so it authenticated the kiosk first.
            self._answered()
            log.warning("the hub refused the heartbeat: %s", err.reason)
            self._last_error = f"heartbeat: {err.reason}"
            self._token_accepted()
            return "accepted"
        self._succeeded()
        return "accepted"

    def _run_retention(self) -> None:
        self._next_retention = self._clock() + self._retention_interval
        erased = self._outbox.erase_personal_data()
        if erased:
            log.info("retention: personal data of %d delivered or expired action(s) erased",
                     erased)

    # --- telling the UI -------------------------------------------------------------------------

    def _publish_status(self, force: bool = False) -> None:
        now = self._clock()
        due = self._counts_stale or not 0 <= now - self._counts_at < self._status_refresh
        if self._outbox is not None and due:
            # Only the states shown (through the state index), and only when they may differ.
            try:
                counts = self._outbox.counts(*WAITING_STATES, REJECTED)
            except OutboxError as err:
                self._outbox_failed(f"reading the outbox counts failed: {err}")
            else:
                waiting = sum(counts[state] for state in WAITING_STATES)
                self._counts = (waiting, counts[STUCK], counts[REJECTED])
                self._counts_at, self._counts_stale = now, False
        waiting, stuck, rejected = self._counts
        status = SyncStatus(online=self._online, paused=self._paused, waiting=waiting,
                            stuck=stuck, rejected=rejected, last_sync_at=self._last_sync_at,
                            last_error=self._storage_error or self._last_error)
        if force or status != self._status:
            self._status = status
            self._emit(self._on_status, status)

    @staticmethod
    def _emit(callback: Callable, *args) -> None:
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - a UI bug must not stop the sync
            log.exception("sync callback %r failed", callback)
