"""The sync worker when the network misbehaves: a real hub behind a real fault proxy.

Each test switches the proxy's behaviour while the worker runs on its own thread, waits on the
worker's callbacks (or the proxy's log) with a deadline, and checks what the HUB recorded.
"""

from __future__ import annotations

import socket

import pytest

from kiosk.outbox import Outbox
from kiosk.sync import SyncWorker
from tests.faultproxy import FaultProxy
from tests.fakes import FakeClock
from tests.synchelpers import (DEADLINE, Recorder, feedback, hub_ids, kiosk_config,
                             register, running_worker, ui_outbox, write_token)

# The worker's own probe and resume intervals, shortened to test time.
FAST = {"auth_retry_seconds": 0.3, "token_check_seconds": 0.05,
        "reconnect_spread_seconds": 0.1, "max_idle_seconds": 1.0}


@pytest.fixture
def hub(module_hub):
    return module_hub


@pytest.fixture
def proxy(hub):
    with FaultProxy(hub.url) as proxy:
        yield proxy


@pytest.fixture
def kiosk(hub, proxy, tmp_path):
    """A kiosk that reaches the hub through the fault proxy, with short timeouts."""
    return register(hub, kiosk_config(tmp_path, proxy.url, read_timeout=0.5,
                                      stuck_after_attempts=3))


def posts(proxy, key=None):
    return [s for s in proxy.seen if s.path == "/api/v1/actions" and key in (None, s.key)]


def heartbeats(proxy):
    return [s for s in proxy.seen if s.path == "/api/v1/heartbeat"]


def test_hub_down_keeps_everything_then_delivers_each_exactly_once(hub, proxy, kiosk):
    proxy.set_mode("refuse")
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder, **FAST) as worker:
        ids = [feedback(outbox).id for _ in range(5)]
        worker.wake()
        assert recorder.wait_for(lambda: recorder.status.online is False)
        assert recorder.wait_for(lambda: recorder.status.waiting == 5)
        assert {outbox.get(i).state for i in ids} <= {"pending", "sending"}
        assert hub_ids(hub, kiosk) == []

        proxy.set_mode("pass")
        assert recorder.wait_for(lambda: recorder.delivered(*ids))
        assert recorder.wait_for(lambda: recorder.status.online is True
                                 and recorder.status.waiting == 0)
    assert sorted(hub_ids(hub, kiosk)) == sorted(ids)  # each one, once


def test_one_action_failing_never_blocks_the_others_and_becomes_stuck(hub, proxy, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox:
        first, failing, last = (feedback(outbox, score) for score in (1, 2, 3))
        proxy.fail_keys.add(failing.id)
        with running_worker(kiosk, recorder, **FAST):
            assert recorder.wait_for(lambda: recorder.delivered(first.id, last.id))
            assert recorder.wait_for(lambda: recorder.status.stuck == 1)
        stuck = outbox.get(failing.id)
        assert stuck.state == "stuck"
        assert stuck.attempts == kiosk.outbox.stuck_after_attempts
        assert "injected" in stuck.last_error
    assert sorted(hub_ids(hub, kiosk)) == sorted([first.id, last.id])
    assert failing.id not in recorder.results  # neither delivered nor rejected


def test_revoked_token_pauses_and_rotation_resumes_without_rejecting(hub, proxy, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder, **FAST) as worker:
        before = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: recorder.delivered(before.id))

        hub.revoke_kiosk(kiosk.kiosk.id)
        held = [feedback(outbox).id for _ in range(3)]
        worker.wake()
        assert recorder.wait_for(lambda: recorder.status.paused is not None)
        assert "token" in recorder.status.paused
        assert {outbox.get(i).state for i in held} == {"pending"}
        assert all(outbox.get(i).attempts == 0 for i in held)  # a refusal is not a failure

        write_token(kiosk.hub.token_file, hub.add_kiosk(kiosk.kiosk.id))  # rotation, no restart
        assert recorder.wait_for(lambda: recorder.delivered(*held))
        assert recorder.wait_for(lambda: recorder.status.paused is None)
        assert outbox.counts()["rejected"] == 0
    assert sorted(hub_ids(hub, kiosk)) == sorted([before.id, *held])


def test_401_from_the_network_pauses_then_a_later_probe_resumes(hub, proxy, kiosk):
    recorder = Recorder()
    proxy.set_mode("unauthorized")
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder, **FAST) as worker:
        action = feedback(outbox)
        call = outbox.enqueue("assistance_call", {"language": "fr"})
        worker.wake()
        assert recorder.wait_for(lambda: recorder.status.paused is not None)
        # The tenant who called for help is told at once that it has not reached anyone.
        assert recorder.wait_for(lambda: (call.id, "queued", None) in recorder.assistance)
        paused_posts = len(posts(proxy))
        proxy.set_mode("pass")  # same token file: only the timed probe can resume
        assert recorder.wait_for(lambda: recorder.delivered(action.id, call.id))
        assert recorder.status.paused is None
        assert recorder.results[action.id][0] == "delivered"
        outbox_rejected = outbox.counts("rejected")["rejected"]
    # At most the one action that met the refusal (none if the catalogue met it first):
    # wake() does not override the pause, and the probes are heartbeats.
    assert paused_posts <= 1
    assert outbox_rejected == 0
    assert sorted(hub_ids(hub, kiosk)) == sorted([action.id, call.id])


def test_missing_token_file_pauses_instead_of_crashing(hub, proxy, kiosk):
    token = kiosk.hub.token_file.read_text().strip()
    kiosk.hub.token_file.unlink()
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder, **FAST) as worker:
        action = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: recorder.status.paused is not None)
        assert "missing" in recorder.status.paused
        assert posts(proxy) == []
        write_token(kiosk.hub.token_file, token)
        assert recorder.wait_for(lambda: recorder.delivered(action.id))
        assert recorder.wait_for(lambda: recorder.status.paused is None)


def test_hub_that_never_answers_times_out_and_stop_still_joins(hub, proxy, kiosk):
    proxy.set_mode("hang")
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox:  # the kiosk's read timeout is 0.5 s
        ids = [feedback(outbox).id for _ in range(3)]
        with running_worker(kiosk, recorder, **FAST) as worker:
            worker.wake()
            assert proxy.wait_for(lambda seen: any(s.outcome == "hung" for s in seen), DEADLINE)
            # The post gives up after the read timeout and the worker notes the hub is away.
            assert recorder.wait_for(lambda: recorder.status.online is False)
            assert "did not answer" in recorder.status.last_error
            assert worker.stop(timeout=5)  # responsive although the hub still hangs
        counts = outbox.counts()
        assert counts["sending"] == 0 and counts["pending"] == len(ids)
    assert hub_ids(hub, kiosk) == []


def test_connection_cut_after_the_hub_committed_gives_one_record(hub, proxy, kiosk):
    proxy.set_mode("cut_after_forward", times=1, path="/api/v1/actions")
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder, **FAST) as worker:
        action = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: recorder.delivered(action.id))
        assert outbox.get(action.id).state == "delivered"
        assert outbox.get(action.id).attempts == 1  # the cut counted as one failure
    attempts = posts(proxy, action.id)
    assert [(s.outcome, s.status) for s in attempts] == [("cut", 201), ("forwarded", 200)]
    assert hub_ids(hub, kiosk) == [action.id]
    assert recorder.results[action.id] == ("delivered", {"feedback": "received"})


def test_assistance_call_while_the_hub_is_down_is_queued_then_expires(hub, proxy, kiosk):
    # Step-driven with an injected clock: the expiry is ten minutes of kiosk time.
    clock = FakeClock()
    recorder = Recorder()
    proxy.set_mode("refuse")
    kiosk.kiosk.data_dir.mkdir(parents=True)
    worker = SyncWorker(kiosk, clock=clock, **recorder.callbacks())
    with Outbox(kiosk.outbox_path, kiosk.outbox, kiosk.kiosk.id, clock=clock) as outbox:
        try:
            call = outbox.enqueue("assistance_call", {"language": "fr"})
            worker.wake()
            worker.step()
            assert recorder.status.online is False
            assert recorder.assistance == [(call.id, "queued", None)]

            clock.advance(kiosk.outbox.assistance_expiry_seconds + 1)
            worker.step()
            assert recorder.assistance[-1] == (call.id, "expired", None)
            assert outbox.get(call.id).state == "expired"

            proxy.set_mode("pass")
            clock.advance(120)  # past the worker's probe delay
            worker.step()
            assert recorder.status.online is True
        finally:
            assert worker.stop()
    assert hub_ids(hub, kiosk, "assistance_call") == []  # an agent never walks to an empty kiosk


@pytest.fixture
def stepped(kiosk):
    """A worker driven by hand with an injected clock, and the UI's outbox on the same clock."""
    clock = FakeClock()
    kiosk.kiosk.data_dir.mkdir(parents=True)
    recorder = Recorder()
    options = {**FAST, "max_idle_seconds": 1000}  # step() then returns the real next duty
    worker = SyncWorker(kiosk, clock=clock, **recorder.callbacks(), **options)
    with Outbox(kiosk.outbox_path, kiosk.outbox, kiosk.kiosk.id, clock=clock) as outbox:
        yield worker, outbox, clock, recorder
        assert worker.stop()


def test_retry_after_quiets_the_whole_kiosk_until_it_passes(proxy, stepped):
    worker, outbox, clock, recorder = stepped
    proxy.set_mode("unavailable", retry_after="20")
    worker.step()  # the first pass meets the 503 (catalogue, heartbeat or an action)
    ids = [feedback(outbox).id for _ in range(3)]
    asked = len(proxy.seen)
    assert worker.step() == pytest.approx(20, abs=0.01)
    clock.advance(19)
    worker.step()
    assert len(proxy.seen) == asked  # nobody knocks before the hub said to
    assert recorder.status.online is False

    proxy.set_mode("pass")
    clock.advance(1)
    worker.step()
    assert recorder.status.online is True
    clock.advance(FAST["reconnect_spread_seconds"])  # retry_soon's jitter
    worker.step()
    assert recorder.delivered(*ids)


def test_paused_queue_probes_with_a_heartbeat_not_an_action(proxy, stepped):
    worker, outbox, clock, recorder = stepped
    proxy.set_mode("unauthorized")
    ids = [feedback(outbox).id for _ in range(3)]
    worker.step()
    assert recorder.status.paused
    # The first refusal stops the pass, once a heartbeat confirmed it is the token.
    assert (len(posts(proxy)), len(heartbeats(proxy))) == (1, 1)

    clock.advance(FAST["auth_retry_seconds"] / 2)
    worker.wake()  # a tenant's new action: still no call, the token is what is wrong
    worker.step()
    assert len(proxy.seen) == 2

    clock.advance(FAST["auth_retry_seconds"])
    worker.step()
    assert (len(posts(proxy)), len(heartbeats(proxy))) == (1, 2)  # the timed probe
    assert recorder.status.paused
    assert {outbox.get(i).state for i in ids} == {"pending"}
    assert all(outbox.get(i).attempts == 0 for i in ids)

    proxy.set_mode("pass")
    clock.advance(FAST["auth_retry_seconds"])
    worker.step()
    assert recorder.status.paused is None
    assert recorder.delivered(*ids)


@pytest.mark.parametrize("status", [403, 400])
def test_one_action_refused_by_a_proxy_fails_alone_and_nothing_pauses(hub, proxy, kiosk,
                                                                      stepped, status):
    worker, outbox, clock, recorder = stepped
    first, refused, last = (feedback(outbox, score) for score in (1, 2, 3))
    proxy.blocked_keys[refused.id] = status  # a WAF's HTML page for this one request
    worker.step()
    assert recorder.delivered(first.id, last.id)
    assert (outbox.get(refused.id).state, outbox.get(refused.id).attempts) == ("pending", 1)

    for _ in range(kiosk.outbox.stuck_after_attempts - 1):
        clock.advance(kiosk.outbox.retry_cap_seconds)  # past its own backoff
        worker.step()
    assert outbox.get(refused.id).state == "stuck"
    assert str(status) in outbox.get(refused.id).last_error
    assert len(posts(proxy, refused.id)) == kiosk.outbox.stuck_after_attempts
    if status == 403:  # each refusal was checked against the token with a heartbeat
        assert len(heartbeats(proxy)) >= kiosk.outbox.stuck_after_attempts
    later = feedback(outbox)
    worker.wake()
    worker.step()
    assert recorder.delivered(later.id)
    assert recorder.status.stuck == 1
    assert all(s.paused is None and s.online is not False for s in recorder.statuses)

    # Stuck means slow: the hub coming back brings the backlog forward, not stuck rows.
    proxy.set_mode("refuse")
    clock.advance(kiosk.hub.heartbeat_seconds)
    worker.step()
    assert recorder.status.online is False
    proxy.set_mode("pass")
    clock.advance(kiosk.hub.heartbeat_seconds)
    worker.step()
    clock.advance(FAST["reconnect_spread_seconds"])
    worker.step()
    assert recorder.status.online is True
    assert len(posts(proxy, refused.id)) == kiosk.outbox.stuck_after_attempts
    assert sorted(hub_ids(hub, kiosk)) == sorted([first.id, last.id, later.id])


def test_catalogue_refused_by_a_proxy_does_not_pause_the_kiosk(proxy, stepped):
    worker, outbox, clock, recorder = stepped
    proxy.set_mode("blocked", status=403, path="/api/v1/catalog")
    action = feedback(outbox)
    worker.step()
    assert recorder.delivered(action.id)
    assert recorder.status.paused is None and recorder.status.online is True
    assert [s.outcome for s in proxy.seen if s.path == "/api/v1/catalog"] == ["blocked"]


def test_sync_now_overrides_an_actions_own_backoff(proxy, stepped):
    worker, outbox, clock, recorder = stepped
    worker.step()
    action = feedback(outbox)
    proxy.fail_keys.add(action.id)
    worker.step()
    assert outbox.get(action.id).attempts == 1
    proxy.fail_keys.clear()
    worker.step()  # still backing off (the injected clock did not move)
    assert not recorder.delivered(action.id)
    worker.sync_now()  # an agent's "sync now"
    worker.step()
    assert recorder.delivered(action.id)


def test_wake_leaves_a_hub_that_said_wait_alone_but_a_call_hears_offline_at_once(proxy,
                                                                                stepped):
    worker, outbox, clock, recorder = stepped
    worker.step()
    proxy.set_mode("unavailable", retry_after="60")
    first = feedback(outbox)
    worker.wake()
    worker.step()
    assert recorder.status.online is False
    asked = len(proxy.seen)

    call = outbox.enqueue("assistance_call", {"language": "fr"})
    worker.wake()  # a tenant needs help now, but the hub asked for 60 s
    worker.step()
    assert len(proxy.seen) == asked
    # The UI hears "offline" and "queued": it points the tenant to the reception desk.
    assert recorder.status.online is False and recorder.status.waiting == 2
    assert recorder.assistance == [(call.id, "queued", None)]

    proxy.set_mode("pass")
    clock.advance(60)
    worker.step()
    assert recorder.delivered(first.id, call.id)
    assert recorder.assistance[-1] == (call.id, "sent", None)


def test_refuse_keeps_the_port_and_resets_each_connection(proxy):
    proxy.set_mode("refuse")
    with socket.socket() as intruder:  # nobody else can take the hub's port meanwhile
        with pytest.raises(OSError):
            intruder.bind(("127.0.0.1", proxy.port))
    # Reset (at connect, send or receive, as timing has it), never refused nor a clean close.
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=DEADLINE) as client:
            client.sendall(b"GET /api/v1/catalog HTTP/1.1\r\nHost: hub\r\n\r\n")
            client.recv(1)
    proxy.set_mode("pass")
    assert proxy.port is not None
