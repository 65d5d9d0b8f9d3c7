"""harica_ssl_request against the simulator: accept, wait, files, reruns, check mode, cancel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import REQUESTER_EMAIL, REQUESTER_KEY, assert_no_key, seed_request

NAMES = ["app.example.org", "www.app.example.org"]


def file_options(tmp_path):
    return {
        "certificate_path": str(tmp_path / "app.crt"),
        "chain_path": str(tmp_path / "app.chain.crt"),
        "fullchain_path": str(tmp_path / "app.fullchain.crt"),
    }


def openssl_verify(root_ca, chain_path, certificate_path):
    return subprocess.run(
        ["openssl", "verify", "-CAfile", root_ca, "-untrusted", chain_path, certificate_path],
        capture_output=True,
        text=True,
        check=False,
    )


def stamps(paths):
    return {path: os.stat(path).st_mtime_ns for path in paths}


# Accepting, waiting and writing files


def test_accept_wait_write_and_rerun(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    files = file_options(world.tmp_path)
    extra = {"domains": NAMES, "wait": True, "wait_timeout": 30, "wait_interval": 1, "file_mode": "0640", **files}

    first = run_playbook(extra=extra)
    assert first.returncode == 0, first.output
    assert first.outcome["changed"] is True
    assert first.outcome["result"] == "accepted"
    assert first.outcome["request"]["transaction_id"] == transaction_id
    assert first.outcome["request"]["status"] == "completed"
    assert [entry["path"] for entry in first.posts()] == ["/cm/v1/enterprise/accept/ssl"]
    verified = openssl_verify(world.simulator.root_ca, files["chain_path"], files["certificate_path"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with open(files["fullchain_path"]) as handle:
        fullchain = handle.read()
    with open(files["certificate_path"]) as handle:
        assert fullchain.startswith(handle.read())
    assert oct(os.stat(files["certificate_path"]).st_mode & 0o777) == "0o640"
    before = stamps(files.values())

    second = run_playbook(extra=extra)
    assert second.returncode == 0, second.output
    assert second.outcome["changed"] is False
    assert second.outcome["result"] == "already_accepted"
    assert second.posts() == []
    assert stamps(files.values()) == before
    assert_no_key(second, *map(Path, files.values()))


def test_post_travels_on_fresh_connection(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    run = run_playbook(extra={"transaction_id": transaction_id})
    assert run.returncode == 0, run.output
    post = run.posts()[0]
    get_connections = {entry["connection"] for entry in run.log if entry["method"] == "GET"}
    assert post["connection"] not in get_connections


def test_wait_for_delayed_issuance(world, run_playbook):
    world.control.settings(issuance_delay_seconds=3)
    transaction_id = seed_request(world, NAMES)
    run = run_playbook(extra={"transaction_id": transaction_id, "wait": True, "wait_interval": 1})
    assert run.returncode == 0, run.output
    assert run.outcome["request"]["status"] == "completed"
    reads = [entry for entry in run.log if entry["path"].endswith("/id/" + transaction_id)]
    assert len(reads) >= 3


def test_wait_timeout_then_rerun(world, run_playbook):
    world.control.settings(issuance_delay_seconds=600)
    transaction_id = seed_request(world, NAMES)
    extra = {"transaction_id": transaction_id, "wait": True, "wait_timeout": 2, "wait_interval": 1}
    first = run_playbook(extra=extra)
    assert first.returncode != 0
    assert first.outcome["changed"] is True
    assert "approved, waiting for issuance" in first.outcome["msg"]
    second = run_playbook(extra=extra)
    assert second.outcome["changed"] is False
    assert second.posts() == []


# Check mode


def test_check_mode_predicts_and_sends_nothing(world, run_playbook):
    pending = seed_request(world, ["pending.example.org"])
    accepted = seed_request(world, ["accepted.example.org"])
    cancelled = seed_request(world, ["cancelled.example.org"])
    assert run_playbook(extra={"transaction_id": accepted}).returncode == 0
    assert run_playbook(extra={"transaction_id": cancelled, "state": "cancelled"}).returncode == 0

    cases = [(pending, "accepted", True), (accepted, "accepted", False), (cancelled, "cancelled", False)]
    for transaction_id, state, changed in cases:
        run = run_playbook(extra={"transaction_id": transaction_id, "state": state}, check=True, diff=True)
        assert run.returncode == 0, run.output
        assert run.outcome["changed"] is changed, transaction_id
        assert run.posts() == [], transaction_id
    assert world.control.request_state(pending)["status"] == "pending"


def test_held_request_sends_no_post_again(world, run_playbook):
    transaction_id = seed_request(world, NAMES, high_risk=True)
    first = run_playbook(extra={"transaction_id": transaction_id})
    assert first.outcome["changed"] is True
    assert len(first.posts()) == 1
    for check in (False, True):
        again = run_playbook(extra={"transaction_id": transaction_id}, check=check)
        assert again.returncode == 0, again.output
        assert again.outcome["changed"] is False
        assert again.outcome["result"] == "held"
        assert again.posts() == []
    waiting = run_playbook(extra={"transaction_id": transaction_id, "wait": True})
    assert waiting.returncode != 0
    assert "held for HARICA's own review" in waiting.outcome["msg"]
    assert waiting.posts() == []


# Cancelling and selection


def test_cancel_is_idempotent(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    extra = {"domains": NAMES, "state": "cancelled", "comment": "Service dropped", "inform_user": False}
    first = run_playbook(extra=extra)
    assert first.returncode == 0, first.output
    assert first.outcome["changed"] is True
    assert first.posts()[0]["body"] == {"TransactionId": transaction_id, "Message": "Service dropped",
                                        "InformUser": False}
    second = run_playbook(extra=extra)
    assert second.outcome["changed"] is False
    assert second.outcome["result"] == "already_cancelled"
    assert second.posts() == []


def test_cancel_issued_request_fails_clearly(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    assert run_playbook(extra={"transaction_id": transaction_id}).returncode == 0
    run = run_playbook(extra={"transaction_id": transaction_id, "state": "cancelled"})
    assert run.returncode != 0
    assert "an issued request cannot be cancelled. Revoke the certificate instead." in run.outcome["msg"]
    assert run.posts() == []
    assert "Traceback" not in run.output


def test_cancel_nothing_found_is_ok(world, run_playbook):
    run = run_playbook(extra={"domains": ["nobody.example.org"], "state": "cancelled"})
    assert run.returncode == 0, run.output
    assert run.outcome["result"] == "not_found"
    assert "nothing to cancel" in run.output


def test_domains_selection_first_and_second_run(world, run_playbook):
    seed_request(world, ["other.example.org"])
    transaction_id = seed_request(world, ["App.Example.org", "www.app.example.org"])
    first = run_playbook(extra={"domains": ["www.APP.example.org.", "app.example.org"]})
    assert first.outcome["request"]["transaction_id"] == transaction_id
    assert first.outcome["changed"] is True
    second = run_playbook(extra={"domains": ["www.APP.example.org.", "app.example.org"]})
    assert second.outcome["request"]["transaction_id"] == transaction_id
    assert second.outcome["changed"] is False


def test_domains_selection_refuses_ambiguity(world, run_playbook):
    first = seed_request(world, NAMES)
    second = seed_request(world, NAMES)
    run = run_playbook(extra={"domains": NAMES})
    assert run.returncode != 0
    assert first in run.outcome["msg"]
    assert second in run.outcome["msg"]
    assert run.posts() == []


def test_own_request_is_refused(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    run = run_playbook(extra={"transaction_id": transaction_id}, api_key=REQUESTER_KEY)
    assert run.returncode != 0
    assert "Failed to accept SSL request" in run.outcome["msg"]
    assert run.outcome["error"]["status"] == 400
    assert run.outcome.get("changed", False) is False


# harica_request_info


def test_request_info_filters(world, run_playbook):
    pending = seed_request(world, ["info1.example.org"])
    done = seed_request(world, ["info2.example.org"])
    assert run_playbook(extra={"transaction_id": done}).returncode == 0
    every = run_playbook("request_info.yml")
    assert every.returncode == 0, every.output
    assert {request["transaction_id"] for request in every.outcome["requests"]} == {pending, done}
    assert [entry["path"] for entry in every.log] == ["/cm/v1/enterprise/requests/ssl"]
    waiting = run_playbook("request_info.yml", extra={"status": "pending"})
    assert [request["transaction_id"] for request in waiting.outcome["requests"]] == [pending]
    by_name = run_playbook("request_info.yml", extra={"names": ["INFO2.example.org."]})
    assert [request["transaction_id"] for request in by_name.outcome["requests"]] == [done]
    by_requester = run_playbook("request_info.yml", extra={"requester_email": "nobody@example.org"})
    assert by_requester.outcome["requests"] == []
    one = run_playbook("request_info.yml", extra={"transaction_id": pending})
    assert one.outcome["requests"][0]["status"] == "pending"
    assert every.posts() == waiting.posts() == []


@pytest.mark.parametrize("kind", ["smime", "clientauth"])
def test_request_info_email_types(world, run_playbook, kind):
    role = f"{kind}_approver"
    key = f"{kind}-info-key-7a6b5c4d3e"
    world.control.create_user(f"{kind}.info@example.org", [role], api_key=key)
    created = getattr(world.control, f"create_{kind}_request")(["Person@example.org"], REQUESTER_EMAIL)
    run = run_playbook("request_info.yml", extra={"request_type": kind, "names": ["person@example.org"]}, api_key=key)
    assert run.returncode == 0, run.output
    assert [request["transaction_id"] for request in run.outcome["requests"]] == [created["transactionId"]]
    assert run.outcome["requests"][0]["names"] == ["person@example.org"]
