"""harica_smime_request and harica_clientauth_request against the simulator."""

from __future__ import annotations

import subprocess

import pytest

from conftest import REQUESTER_EMAIL, assert_no_key

PLAYBOOK = "email_request.yml"


def task_outcome(run, kind):
    name = {"smime": "Run harica_smime_request", "clientauth": "Run harica_clientauth_request"}[kind]
    return run.task(name)


@pytest.fixture(params=["smime", "clientauth"])
def kind(request, world):
    key = f"{request.param}-approver-key-1b2c3d4e5f6a"
    world.control.create_user(f"{request.param}.approver@example.org", [f"{request.param}_approver"], api_key=key)
    return request.param, key


def seed(world, kind, email, **options):
    create = getattr(world.control, f"create_{kind}_request")
    return create([email], REQUESTER_EMAIL, status="pending", **options)["transactionId"]


def test_accept_by_emails_then_rerun(world, run_playbook, kind):
    kind_name, key = kind
    transaction_id = seed(world, kind_name, "Person@example.org")
    files = {"certificate_path": str(world.tmp_path / "person.crt"), "chain_path": str(world.tmp_path / "chain.crt")}
    extra = {"request_type": kind_name, "emails": ["person@EXAMPLE.org"], "wait": True, **files}
    first = run_playbook(PLAYBOOK, extra=extra, api_key=key)
    assert first.returncode == 0, first.output
    outcome = task_outcome(first, kind_name)
    assert outcome["changed"] is True
    assert outcome["request"]["transaction_id"] == transaction_id
    assert outcome["request"]["status"] == "completed"
    assert [entry["path"] for entry in first.posts()] == [f"/cm/v1/enterprise/accept/{kind_name}"]
    verified = subprocess.run(["openssl", "verify", "-CAfile", world.simulator.root_ca, "-untrusted",
                               files["chain_path"], files["certificate_path"]], capture_output=True, text=True,
                              check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    second = run_playbook(PLAYBOOK, extra=extra, api_key=key)
    assert task_outcome(second, kind_name)["changed"] is False
    assert second.posts() == []
    assert_no_key(second)
    check = run_playbook(PLAYBOOK, extra=extra, api_key=key, check=True)
    assert check.returncode == 0, check.output
    assert task_outcome(check, kind_name)["result"] == "already_accepted"
    assert task_outcome(check, kind_name)["changed"] is False
    assert check.posts() == []


def test_check_mode_and_cancel(world, run_playbook, kind):
    kind_name, key = kind
    transaction_id = seed(world, kind_name, "leaver@example.org")
    extra = {"request_type": kind_name, "transaction_id": transaction_id}
    check = run_playbook(PLAYBOOK, extra=extra, api_key=key, check=True)
    assert task_outcome(check, kind_name)["changed"] is True
    assert check.posts() == []
    assert world.control.request_state(transaction_id)["status"] == "pending"
    cancel = run_playbook(PLAYBOOK, extra={**extra, "state": "cancelled"}, api_key=key)
    assert task_outcome(cancel, kind_name)["changed"] is True
    assert [entry["path"] for entry in cancel.posts()] == [f"/cm/v1/enterprise/cancel/{kind_name}"]
    assert world.control.request_state(transaction_id)["status"] == "cancelled"
    again = run_playbook(PLAYBOOK, extra={**extra, "state": "cancelled"}, api_key=key)
    assert task_outcome(again, kind_name)["result"] == "already_cancelled"
    assert task_outcome(again, kind_name)["changed"] is False
    assert again.posts() == []
    check_cancelled = run_playbook(PLAYBOOK, extra={**extra, "state": "cancelled"}, api_key=key, check=True)
    assert check_cancelled.returncode == 0, check_cancelled.output
    assert task_outcome(check_cancelled, kind_name)["result"] == "already_cancelled"
    assert task_outcome(check_cancelled, kind_name)["changed"] is False
    assert check_cancelled.posts() == []
    refused = run_playbook(PLAYBOOK, extra=extra, api_key=key)
    assert refused.returncode != 0
    assert "cancelled request cannot be accepted" in task_outcome(refused, kind_name)["msg"]


def test_wrong_approver_role(world, run_playbook, kind):
    kind_name, _key = kind
    transaction_id = seed(world, kind_name, "someone@example.org")
    run = run_playbook(PLAYBOOK, extra={"request_type": kind_name, "transaction_id": transaction_id})
    assert run.returncode != 0
    role = {"smime": "S/MIME Enterprise Approver", "clientauth": "Client Auth Enterprise Approver"}[kind_name]
    assert f"needs the {role} role" in task_outcome(run, kind_name)["msg"]
