"""Request log entries and the simulator clock."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from cryptography import x509

from sim_support import APPROVER, APPROVER_KEY
from harica_simulator.testing import ControlError

SSL_LIST = "/cm/v1/enterprise/requests/ssl"


def test_log_entry_fields(world):
    transaction_id = world.seed()
    before = time.time()

    world.approver.accept(transaction_id, "fine")

    entries = world.control.log()["entries"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["method"] == "POST"
    assert entry["path"] == "/cm/v1/enterprise/accept/ssl"
    assert entry["query"] == ""
    assert entry["status"] == 200
    assert entry["fault"] is None
    assert entry["user"] == APPROVER
    assert entry["body"] == {"transactionId": transaction_id, "message": "fine"}
    assert before - 1 <= entry["received_at"] <= time.time() + 1
    host, port = entry["connection"].rsplit(":", 1)
    assert host == "127.0.0.1"
    assert int(port) > 0


def test_log_never_contains_key(world):
    world.approver.get(SSL_LIST)
    world.client("wrong-key").get(SSL_LIST)

    entries = world.control.log()["entries"]

    assert APPROVER_KEY not in repr(entries)
    assert [entry["user"] for entry in entries] == [APPROVER, None]
    assert [entry["status"] for entry in entries] == [200, 401]


def test_log_text_body_is_cut(world):
    world.approver.post(SSL_LIST, data="x" * 500, headers={"Content-Type": "text/plain"})

    entry = world.control.log()["entries"][-1]

    assert entry["body"] == "x" * 200


def test_log_query_and_login(world):
    world.client(None).get("/login?ReturnUrl=%2Fcm%2Fv1")

    entry = world.control.log()["entries"][-1]

    assert entry["path"] == "/login"
    assert entry["query"] == "ReturnUrl=%2Fcm%2Fv1"
    assert entry["status"] == 200


def test_log_since_and_order(world):
    for _ in range(3):
        world.approver.get(SSL_LIST)
    everything = world.control.log()
    first_seq = everything["entries"][0]["seq"]

    later = world.control.log(since=first_seq)

    assert [entry["seq"] for entry in everything["entries"]] == [first_seq, first_seq + 1, first_seq + 2]
    assert everything["last_seq"] == first_seq + 2
    assert [entry["seq"] for entry in later["entries"]] == [first_seq + 1, first_seq + 2]


def test_log_skips_control_calls(world):
    world.control.settings()
    world.control.health()

    assert world.control.log()["entries"] == []


def test_clear_log_keeps_sequence(world):
    world.approver.get(SSL_LIST)
    last = world.control.log()["last_seq"]

    world.control.clear_log()
    world.approver.get(SSL_LIST)

    entries = world.control.log()["entries"]
    assert len(entries) == 1
    assert entries[0]["seq"] == last + 1


def test_connection_id_shows_reuse(world):
    world.approver.get(SSL_LIST)
    world.approver.get(SSL_LIST)
    world.client(APPROVER_KEY).get(SSL_LIST)

    connections = [entry["connection"] for entry in world.control.log()["entries"]]

    assert connections[0] == connections[1]
    assert connections[2] != connections[0]


def test_clock_set_now(control):
    described = control.set_clock("2027-01-01T00:00:00Z")

    assert described["now"].startswith("2027-01-01T00:00")
    assert described["real_time"] is False
    assert control.clock()["now"].startswith("2027-01-01T00:00")


def test_clock_offset_and_reset(control):
    described = control.set_clock(offset_seconds=86400)

    assert described["offset_seconds"] == 86400
    reported_now = datetime.fromisoformat(described["now"])
    assert abs((reported_now - datetime.now(timezone.utc)).total_seconds() - 86400) < 5
    reset = control.reset_clock()
    assert reset["offset_seconds"] == 0
    assert reset["real_time"] is True


def test_clock_rejects_bad_input(control):
    with pytest.raises(ControlError) as both:
        control.call("PUT", "clock", {"now": "2027-01-01T00:00:00Z", "offset_seconds": 5})
    with pytest.raises(ControlError) as invalid:
        control.call("PUT", "clock", {"now": "tomorrow"})

    assert both.value.status == 400
    assert invalid.value.status == 400
    assert "tomorrow" in invalid.value.message


def test_clock_drives_records_and_validity(world):
    world.control.set_clock("2027-03-01T12:00:00Z")
    transaction_id = world.seed()

    world.approver.accept(transaction_id)

    record = world.approver.request(transaction_id).json()
    assert record["requestedAt"].startswith("2027-03-01T12:00")
    assert record["reviewedAt"].startswith("2027-03-01T12:00")
    state = world.control.request_state(transaction_id)
    certificate = x509.load_pem_x509_certificate(state["certificate_pem"].encode())
    assert certificate.not_valid_before_utc.date().isoformat() == "2027-03-01"
    assert record["certificateValidTo"].startswith("2027-09-16")


def test_clock_drives_issuance_delay(world):
    world.control.settings(issuance_delay_seconds=3600)
    transaction_id = world.seed()
    world.approver.accept(transaction_id)

    world.control.set_clock(offset_seconds=1800)
    halfway = world.approver.request(transaction_id).json()["transactionStatus"]
    world.control.set_clock(offset_seconds=3700)
    after = world.approver.request(transaction_id).json()["transactionStatus"]

    assert halfway == "Ready"
    assert after == "Completed"


def test_seed_with_requested_at(world):
    transaction_id = world.seed(requested_at="2026-11-30T08:15:00")

    record = world.approver.request(transaction_id).json()

    assert record["requestedAt"] == "2026-11-30T08:15:00.0000000"


def test_reset_clears_everything_but_ca(world):
    ca_before = world.control.ca()
    world.seed()
    world.approver.get(SSL_LIST)
    world.control.add_fault(SSL_LIST, "status", status=500)
    world.control.settings(key_case="lower")
    world.control.set_clock(offset_seconds=100)

    world.control.reset()

    assert world.control.call("GET", "enterprises") == []
    assert world.control.call("GET", "users") == []
    assert world.control.faults() == []
    assert world.control.log()["entries"] == []
    assert world.control.settings()["key_case"] == "camel"
    assert world.control.clock()["offset_seconds"] == 0
    assert world.control.ca() == ca_before
    assert world.client(APPROVER_KEY).get(SSL_LIST).status_code == 401
