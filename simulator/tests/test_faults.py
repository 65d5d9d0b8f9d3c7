"""Injected faults: every action, counting, ordering, and what each commits."""

from __future__ import annotations

import http.client
import ssl
import time
from urllib.parse import urlsplit

import pytest
import requests

from harica_simulator.testing import ControlError

SSL_LIST = "/cm/v1/enterprise/requests/ssl"
ACCEPT = "/cm/v1/enterprise/accept/ssl"


def raw_get(world, path: str, api_key: str):
    """Send one GET with http.client, so a partial body can be inspected."""
    parts = urlsplit(world.simulator.url)
    context = ssl.create_default_context(cafile=world.simulator.tls_ca)
    conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=30)
    conn.request("GET", path, headers={"X-API-Key": api_key})
    return conn, conn.getresponse()


def last_entry(world) -> dict:
    return world.control.log()["entries"][-1]


def test_status_fault_with_default_body(world):
    world.control.add_fault(SSL_LIST, "status", method="GET", status=503, retry_after="7")

    response = world.approver.get(SSL_LIST)

    assert response.status_code == 503
    assert response.json() == {"message": "Injected fault"}
    assert response.headers["Retry-After"] == "7"
    assert last_entry(world)["fault"] == "status"
    assert last_entry(world)["status"] == 503


def test_status_fault_with_custom_body(world):
    world.control.add_fault(SSL_LIST, "status", status=429, body="slow down", content_type="text/plain")

    response = world.approver.get(SSL_LIST)

    assert response.status_code == 429
    assert response.text == "slow down"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Retry-After" not in response.headers


def test_status_fault_http_date_retry_after(world):
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    world.control.add_fault(SSL_LIST, "status", status=503, retry_after=date)

    assert world.approver.get(SSL_LIST).headers["Retry-After"] == date


def test_status_fault_does_not_process(world):
    transaction_id = world.seed()
    world.control.add_fault(ACCEPT, "status", method="POST", status=500)

    assert world.approver.accept(transaction_id).status_code == 500

    assert world.control.request_state(transaction_id)["status"] == "pending"


@pytest.mark.parametrize("action, status", [("status", 502), ("html", 502)])
def test_fault_after_processing_commits(world, action, status):
    transaction_id = world.seed()
    world.control.add_fault(ACCEPT, action, method="POST", status=status, process=True)

    assert world.approver.accept(transaction_id).status_code == status

    assert world.control.request_state(transaction_id)["status"] == "completed"
    assert last_entry(world)["fault"] == action


def test_status_fault_needs_status(control):
    with pytest.raises(ControlError) as caught:
        control.add_fault(SSL_LIST, "status")

    assert caught.value.status == 400
    assert "status" in caught.value.message


def test_html_fault(world):
    transaction_id = world.seed()
    world.control.add_fault(ACCEPT, "html")

    response = world.approver.accept(transaction_id)

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text
    assert world.control.request_state(transaction_id)["status"] == "pending"


def test_redirect_fault(world):
    world.control.add_fault(SSL_LIST, "redirect", status=308, location="/login?ReturnUrl=%2F")

    response = world.approver.get(SSL_LIST)

    assert response.status_code == 308
    assert response.headers["Location"] == "/login?ReturnUrl=%2F"


def test_redirect_fault_defaults(world):
    world.control.add_fault(SSL_LIST, "redirect")

    response = world.approver.get(SSL_LIST)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_delay_fault(world):
    world.seed()
    world.control.add_fault(SSL_LIST, "delay", delay_seconds=0.6)

    started = time.monotonic()
    response = world.approver.get(SSL_LIST)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert len(response.json()) == 1
    assert elapsed >= 0.6
    assert last_entry(world)["fault"] == "delay"


def test_drop_before_does_not_commit(world):
    transaction_id = world.seed()
    world.control.add_fault(ACCEPT, "drop_before", method="POST")

    with pytest.raises(requests.ConnectionError):
        world.approver.accept(transaction_id)

    assert world.control.request_state(transaction_id)["status"] == "pending"
    entry = last_entry(world)
    assert entry["status"] is None
    assert entry["fault"] == "drop_before"


def test_drop_after_commits(world):
    transaction_id = world.seed()
    world.control.add_fault(ACCEPT, "drop_after", method="POST")

    with pytest.raises(requests.ConnectionError):
        world.approver.accept(transaction_id)

    state = world.control.request_state(transaction_id)
    assert state["status"] == "completed"
    assert state["history"][0]["action"] == "accept"
    entry = last_entry(world)
    assert entry["status"] is None
    assert entry["fault"] == "drop_after"


def test_truncate_sends_half_the_body(world):
    world.seed()
    world.control.add_fault(SSL_LIST, "truncate")

    conn, response = raw_get(world, SSL_LIST, world.approver.session.headers["X-API-Key"])
    try:
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
    finally:
        conn.close()

    declared = int(response.getheader("Content-Length"))
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("application/json")
    assert len(caught.value.partial) == declared // 2
    assert caught.value.partial.startswith(b'[{"transactionId"')
    assert last_entry(world)["fault"] == "truncate"
    assert last_entry(world)["status"] == 200


def test_truncate_with_requests_fails_the_read(world):
    world.seed()
    world.control.add_fault(SSL_LIST, "truncate")

    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        world.approver.get(SSL_LIST)


def test_fault_applies_once_by_default(world):
    world.control.add_fault(SSL_LIST, "status", status=503)

    statuses = [world.approver.get(SSL_LIST).status_code for _ in range(3)]

    assert statuses == [503, 200, 200]


def test_fault_times_counts_down(world):
    fault_id = world.control.add_fault(SSL_LIST, "status", status=503, times=2)

    statuses = [world.approver.get(SSL_LIST).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    listed = {fault["id"]: fault for fault in world.control.faults()}
    assert listed[fault_id]["remaining"] == 0
    assert listed[fault_id]["applied"] == 2


def test_fault_without_limit_until_cleared(world):
    world.control.add_fault(SSL_LIST, "status", status=503, times=None)

    first = [world.approver.get(SSL_LIST).status_code for _ in range(4)]
    world.control.clear_faults()

    assert first == [503] * 4
    assert world.approver.get(SSL_LIST).status_code == 200
    assert world.control.faults() == []


def test_faults_apply_in_order(world):
    world.control.add_fault(SSL_LIST, "status", status=502)
    world.control.add_fault("/cm/v1/*", "status", status=503)

    statuses = [world.approver.get(SSL_LIST).status_code for _ in range(3)]

    assert statuses == [502, 503, 200]


def test_fault_matches_method_and_pattern(world):
    transaction_id = world.seed()
    world.control.add_fault("/cm/v1/enterprise/requests/ssl/*", "status", method="POST", status=500)
    world.control.add_fault("/cm/v1/enterprise/requests/ssl/id/*", "status", method="GET", status=504)

    assert world.approver.get(SSL_LIST).status_code == 200
    assert world.approver.request(transaction_id).status_code == 504
    assert world.approver.request(transaction_id).status_code == 200


def test_fault_applies_before_key_check(world):
    world.control.add_fault(SSL_LIST, "status", status=503)

    assert world.client(None).get(SSL_LIST).status_code == 503


def test_control_api_never_faulted(world):
    world.control.add_fault("/*", "status", status=500, times=None)

    assert world.control.health() == {"status": "ok"}
    assert world.approver.get(SSL_LIST).status_code == 500


@pytest.mark.parametrize(
    "payload, named",
    [
        ({"path": SSL_LIST, "action": "explode"}, "action"),
        ({"path": "cm/v1", "action": "drop_before"}, "path"),
        ({"path": SSL_LIST, "action": "status", "status": 42}, "status"),
        ({"path": SSL_LIST, "action": "delay"}, "delay_seconds"),
        ({"path": SSL_LIST, "action": "drop_after", "times": 0}, "times"),
        ({"path": SSL_LIST, "action": "html", "location": "/x"}, "location"),
    ],
)
def test_invalid_fault_is_400(control, payload, named):
    with pytest.raises(ControlError) as caught:
        control.call("POST", "faults", payload)

    assert caught.value.status == 400
    assert named in caught.value.message


def test_faults_listed_with_parameters(control):
    fault_id = control.add_fault(SSL_LIST, "delay", method="GET", delay_seconds=1.5, times=3)

    listed = control.faults()

    assert listed == [
        {
            "id": fault_id,
            "method": "GET",
            "path": SSL_LIST,
            "action": "delay",
            "delay_seconds": 1.5,
            "remaining": 3,
            "applied": 0,
        }
    ]
