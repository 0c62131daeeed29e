"""HubClient: what each hub answer means, and the request it sends.

The real hub never answers some of these statuses, so this table runs against a tiny real
stdlib HTTP server on loopback that replies with canned answers (tests/synchelpers.py). Everything else about the
hub is tested against the real hub process (test_sync.py, test_network_faults.py).
"""

from __future__ import annotations

import email.utils
import json
import os
import socket
import time

import pytest

from kiosk.api import AuthError, HubClient, PermanentError, TransientError, parse_retry_after
from kiosk.config import HubSettings
from tests.synchelpers import CannedHub

NOW = 1_750_000_000.0  # the client's injected clock, for HTTP-date Retry-After


@pytest.fixture
def canned():
    server = CannedHub().start()
    yield server
    server.stop()


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "kiosk.token"
    path.write_text("token-one\n")
    return path


def make_client(url, token_file, *, connect=1.0, read=2.0):
    settings = HubSettings(url=url, token_file=token_file, connect_timeout_seconds=connect,
                           read_timeout_seconds=read)
    return HubClient(settings, kiosk_id="kiosk-test", clock=lambda: NOW)


A1 = "0b7e4c52-3f0a-4d8e-9a57-6c1f2d3e4a51"
A7 = "7d2c9a10-5b3e-4f61-8c2d-1e0f9a8b7c67"


def envelope(action_id=A1):
    return {"id": action_id, "type": "feedback", "created_at": "2025-06-15T10:00:00+02:00",
            "kiosk_id": "kiosk-test", "payload": {"journey": "booking", "score": 3}}


HTTP_DATE_IN_30S = email.utils.formatdate(NOW + 30, usegmt=True)

# status, Retry-After, body -> error class, retry_after expected
ANSWER_TABLE = [
    (408, None, None, TransientError, None),
    (408, "12", None, TransientError, 12.0),
    (425, "3", None, TransientError, 3.0),
    (425, HTTP_DATE_IN_30S, None, TransientError, 30.0),
    (429, "120", None, TransientError, 120.0),
    (429, HTTP_DATE_IN_30S, None, TransientError, 30.0),
    (429, "-5", None, TransientError, None),
    (429, "soon", None, TransientError, None),
    (409, None, {"error": "in_flight", "detail": "same key being processed"}, TransientError, None),
    (500, None, {"error": "internal", "detail": "boom"}, TransientError, None),
    (502, None, b"<html>bad gateway</html>", TransientError, None),
    (503, "7", None, TransientError, 7.0),
    (504, None, None, TransientError, None),
    (401, None, {"error": "unauthorized", "detail": "token revoked"}, AuthError, None),
    (403, None, {"error": "forbidden", "detail": "kiosk disabled"}, AuthError, None),
    (400, None, {"error": "invalid", "detail": "score must be 1, 2 or 3"}, PermanentError, None),
    (422, None, {"error": "payload_mismatch", "detail": "id reused"}, PermanentError, None),
    (404, None, {"error": "unknown_session", "detail": "s-9"}, PermanentError, None),
    (410, None, {"error": "gone", "detail": "no longer accepted"}, PermanentError, None),
    (404, None, b"<h1>Not Found</h1>", TransientError, None),
]


@pytest.mark.parametrize("status,retry_after,body,error_class,expected_wait", ANSWER_TABLE)
def test_answer_table(canned, token_file, status, retry_after, body, error_class, expected_wait):
    headers = {"Retry-After": retry_after} if retry_after else {}
    canned.answer(status, headers, body if body is not None else b"")
    client = make_client(canned.url, token_file)
    with pytest.raises(error_class) as caught:
        client.post_action(envelope())
    assert caught.value.status == status
    if error_class is TransientError:
        assert caught.value.retry_after == (pytest.approx(expected_wait, abs=1)
                                            if expected_wait is not None else None)
    client.close()


@pytest.mark.parametrize("status", [200, 201])
def test_200_and_201_are_success_with_the_hubs_result(canned, token_file, status):
    result = {"booking": "confirmed", "reference": "B-42"}
    canned.answer(status, {}, {"id": A1, "status": "accepted", "result": result})
    client = make_client(canned.url, token_file)
    assert client.post_action(envelope()) == result


def test_the_receipt_id_is_compared_as_a_uuid(canned, token_file):
    canned.answer(201, {}, {"id": A1.upper().replace("-", ""), "status": "accepted"})
    assert make_client(canned.url, token_file).post_action(envelope()) == {}


@pytest.mark.parametrize("status,headers,body", [
    # A captive portal or a filtering proxy answering in the hub's place.
    (200, {"Content-Type": "text/html"}, b"<html>Wi-Fi: please accept the terms</html>"),
    (201, {}, b"not json"),
    (200, {}, {"status": "accepted", "result": {}}),                       # no id
    (201, {}, {"id": A7, "status": "accepted", "result": {}}),             # another action's id
    (200, {}, {"id": "not-a-uuid", "status": "accepted"}),
    (200, {}, [A1]),
    (202, {}, {"id": A1, "status": "accepted"}),                           # not 200/201
    (204, {}, b""),
], ids=["portal-html", "201-not-json", "no-id", "other-id", "id-not-uuid", "json-list",
        "202", "204"])
def test_a_2xx_that_is_not_the_hubs_receipt_is_not_a_delivery(canned, token_file, status,
                                                               headers, body):
    # Never "delivered" on someone else's word; sending again is safe (the hub deduplicates).
    canned.answer(status, headers, body)
    with pytest.raises(TransientError) as caught:
        make_client(canned.url, token_file).post_action(envelope())
    assert caught.value.hub_wide
    assert caught.value.status == status
    assert "not the hub's receipt" in caught.value.reason


def test_a_heartbeat_answer_that_is_not_the_hubs_is_not_a_success(canned, token_file):
    canned.answer(200, {"Content-Type": "text/html"}, b"<html>Wi-Fi login</html>")
    with pytest.raises(TransientError) as caught:
        make_client(canned.url, token_file).post_heartbeat({"kiosk_id": "kiosk-test"})
    assert caught.value.hub_wide


def test_rejection_keeps_the_hubs_reason(canned, token_file):
    canned.answer(422, {}, {"error": "payload_mismatch", "detail": "id reused with other payload"})
    with pytest.raises(PermanentError) as caught:
        make_client(canned.url, token_file).post_action(envelope())
    assert caught.value.error == "payload_mismatch"
    assert caught.value.reason == "payload_mismatch: id reused with other payload"
    assert caught.value.as_result() == {"status": 422, "error": "payload_mismatch",
                                        "detail": "id reused with other payload"}


def test_4xx_not_from_the_hub_api_never_rejects_the_action(canned, token_file):
    # A proxy's or a WAF's error page is not the hub's verdict on the tenant's action, and it
    # speaks for this one request: the other actions go on.
    canned.answer(400, {"Content-Type": "text/html"}, b"<h1>Bad</h1>")
    with pytest.raises(TransientError) as caught:
        make_client(canned.url, token_file).post_action(envelope())
    assert caught.value.reason == "answer not from the hub API: HTTP 400 Bad Request"
    assert not caught.value.hub_wide


def test_4xx_not_from_the_hub_api_on_a_get_speaks_for_the_hub(canned, token_file):
    # A wrong hub URL: every call will get the same page.
    canned.answer(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")
    with pytest.raises(TransientError) as caught:
        make_client(canned.url, token_file).get_catalog()
    assert caught.value.hub_wide


def test_redirect_is_not_followed_and_not_a_rejection(canned, token_file):
    canned.answer(301, {"Location": "https://elsewhere.example/"})
    with pytest.raises(TransientError):
        make_client(canned.url, token_file).post_action(envelope())
    assert len(canned.requests) == 1


def test_post_sends_token_idempotency_key_and_envelope(canned, token_file):
    canned.answer(201, {}, {"id": A7, "status": "accepted", "result": {}})
    make_client(canned.url, token_file).post_action(envelope(A7))
    sent = canned.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/api/v1/actions")
    assert sent["headers"]["Authorization"] == "Bearer token-one"
    assert sent["headers"]["Idempotency-Key"] == A7
    assert json.loads(sent["body"]) == envelope(A7)


def test_rotated_token_file_is_picked_up_without_restart(canned, token_file):
    client = make_client(canned.url, token_file)
    client.post_heartbeat({"kiosk_id": "kiosk-test"})
    replacement = token_file.with_suffix(".new")
    replacement.write_text("token-two\n")
    os.replace(replacement, token_file)  # how IT (and the tests) install a token: atomically
    client.post_heartbeat({"kiosk_id": "kiosk-test"})
    assert [r["headers"]["Authorization"] for r in canned.requests] == [
        "Bearer token-one", "Bearer token-two"]


@pytest.mark.parametrize("content,problem", [
    (None, "missing"), ("", "empty"), ("  \n", "empty"),
    ("token-one\ntoken-two\n", "more than one word"), ("tok\x00en", "invalid character"),
])
def test_missing_empty_or_garbled_token_is_an_auth_problem_not_a_crash(canned, tmp_path,
                                                                        content, problem):
    path = tmp_path / "kiosk.token"
    if content is not None:
        path.write_text(content)
    client = make_client(canned.url, path)
    with pytest.raises(AuthError, match=problem):
        client.post_action(envelope())
    assert canned.requests == []  # nothing sent without a usable token


def test_catalog_etag_round_trip(canned, token_file):
    body = {"generated_at": "2025-06-15T08:00:00+00:00", "sessions": []}
    canned.answer(200, {"ETag": '"v1"'}, body)
    canned.answer(304, {"ETag": '"v1"'})
    client = make_client(canned.url, token_file)
    assert client.get_catalog(None) == (body, '"v1"')
    assert client.get_catalog('"v1"') == (None, '"v1"')
    assert "If-None-Match" not in canned.requests[0]["headers"]
    assert canned.requests[1]["headers"]["If-None-Match"] == '"v1"'


def test_assistance_status_and_unknown_call(canned, token_file):
    canned.answer(200, {}, {"id": "c1", "status": "acknowledged", "agent_first_name": "Marie"})
    canned.answer(404, {}, {"error": "not_found", "detail": "no call c2"})
    client = make_client(canned.url, token_file)
    assert client.get_assistance("c1")["agent_first_name"] == "Marie"
    with pytest.raises(PermanentError):
        client.get_assistance("c2")
    assert canned.requests[0]["path"] == "/api/v1/assistance/c1"


def test_connection_refused_is_transient_and_hub_wide(token_file):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError) as caught:
        make_client(f"http://127.0.0.1:{port}", token_file).post_action(envelope())
    assert caught.value.hub_wide and caught.value.status is None


def test_read_timeout_is_honoured(canned, token_file):
    canned.answer("hang")
    client = make_client(canned.url, token_file, read=0.3)
    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer") as caught:
        client.post_action(envelope())
    assert time.monotonic() - started < 5  # a bound, not a measurement
    assert caught.value.hub_wide


def test_connect_timeout_is_honoured(token_file):
    # A listener whose accept queue is full drops new SYNs: connect() hangs until the timeout.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            client = make_client(f"http://127.0.0.1:{port}", token_file, connect=0.3, read=30)
            started = time.monotonic()
            with pytest.raises(TransientError, match="connect timeout") as caught:
                client.post_action(envelope())
            assert time.monotonic() - started < 5
            assert caught.value.hub_wide
        finally:
            for filler in fillers:
                filler.close()


@pytest.mark.parametrize("value,expected", [
    ("0", 0.0), ("30", 30.0), ("1.5", 1.5), (" 8 ", 8.0),
    ("-1", None), ("", None), ("soon", None), ("nan", None), ("1e30", None), (None, None),
    (email.utils.formatdate(NOW + 90, usegmt=True), 90.0),
    (email.utils.formatdate(NOW - 90, usegmt=True), None),
    ("Sun, 06 Nov 1994 08:49:37", None),
    ("Mon, 99 Foo 2025 99:99:99 GMT", None),
])
def test_parse_retry_after(value, expected):
    parsed = parse_retry_after(value, now=NOW)
    assert parsed == (pytest.approx(expected, abs=1) if expected is not None else None)
