"""Faults injected by the simulator, each with its expected outcome, and the key's secrecy."""

from __future__ import annotations

import json

import pytest

from conftest import (
    ADMIN_KEY,
    ALL_KEYS,
    APPROVER_KEY,
    PROXY_PASSWORD,
    PROXY_USER,
    assert_no_key,
    assert_no_proxy_password,
    closed_port,
    seed_request,
    unwrapped,
)

NAMES = ["api.example.org"]
ACCEPT = "/cm/v1/enterprise/accept/ssl"
CANCEL = "/cm/v1/enterprise/cancel/ssl"


def by_id(transaction_id):
    return f"/cm/v1/enterprise/requests/ssl/id/{transaction_id}"


def assert_clean_failure(run):
    assert run.returncode != 0
    assert "Traceback" not in run.output
    assert_no_key(run)


def test_get_429_waits_retry_after(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(by_id(transaction_id), "status", method="GET", status=429, retry_after="2")
    run = run_playbook(extra={"transaction_id": transaction_id}, verbosity=4)
    assert run.returncode == 0, run.output
    reads = [entry for entry in run.log if entry["path"] == by_id(transaction_id)]
    assert [entry["status"] for entry in reads[:2]] == [429, 200]
    assert reads[1]["received_at"] - reads[0]["received_at"] >= 2.0
    assert len(run.posts()) == 1
    assert_no_key(run)


def test_post_503_rereads_and_reports(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(ACCEPT, "status", method="POST", status=503)
    run = run_playbook(extra={"transaction_id": transaction_id}, verbosity=4)
    assert_clean_failure(run)
    assert len(run.posts()) == 1
    post_index = run.log.index(run.posts()[0])
    assert run.log[post_index + 1]["path"] == by_id(transaction_id)
    assert "is pending, so the accept did not take effect" in run.outcome["msg"]
    assert run.outcome["request"]["status"] == "pending"
    assert run.outcome["error"]["status"] == 503
    assert run.outcome.get("changed", False) is False


def test_dropped_accept_that_took_effect(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(ACCEPT, "drop_after", method="POST")
    run = run_playbook(extra={"transaction_id": transaction_id})
    assert run.returncode == 0, run.output
    assert run.outcome["changed"] is True
    assert len(run.posts()) == 1
    assert run.posts()[0]["status"] is None
    assert "so the accept took effect" in run.output
    assert world.control.request_state(transaction_id)["status"] == "completed"


def test_dropped_cancel_that_took_effect(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(CANCEL, "drop_after", method="POST")
    run = run_playbook(extra={"transaction_id": transaction_id, "state": "cancelled"})
    assert run.returncode == 0, run.output
    assert run.outcome["changed"] is True
    assert run.outcome["result"] == "cancelled"
    assert [entry["status"] for entry in run.posts()] == [None]
    post_index = run.log.index(run.posts()[0])
    assert run.log[post_index + 1]["path"] == by_id(transaction_id)
    assert "so the cancel took effect" in run.output
    assert world.control.request_state(transaction_id)["status"] == "cancelled"


def test_post_answered_by_401_page(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(ACCEPT, "html", method="POST", status=401)
    run = run_playbook(extra={"transaction_id": transaction_id}, verbosity=4)
    assert_clean_failure(run)
    assert run.outcome["error"]["status"] == 401
    assert run.outcome["error"]["path"] == ACCEPT
    assert run.outcome["error"]["outcome_unknown"] is False
    assert "POST /cm/v1/enterprise/accept/ssl returned HTTP 401 Unauthorized" in run.outcome["msg"]
    assert "HARICA_API_KEY" in run.outcome["msg"]
    assert run.outcome.get("changed", False) is False
    assert len(run.posts()) == 1
    assert world.control.request_state(transaction_id)["status"] == "pending"


def test_log_file_has_no_key(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    # The server echoes the key in its error, and the key is given as a module option.
    body = json.dumps({"message": f"The key {APPROVER_KEY} may not accept this request"})
    world.control.add_fault(ACCEPT, "status", method="POST", status=400, body=body, content_type="application/json")
    log_file = world.tmp_path / "ansible.log"
    run = run_playbook(extra={"transaction_id": transaction_id, "api_key": APPROVER_KEY}, api_key=None, verbosity=4,
                       env={"ANSIBLE_LOG_PATH": str(log_file), "ANSIBLE_INJECT_INVOCATION": "1"})
    assert_clean_failure(run)
    lines = log_file.read_text().splitlines()
    assert any("The key ******** may not accept this request" in line for line in lines)
    for key in ALL_KEYS:
        assert [line for line in lines if key in line] == []


def test_dropped_accept_before_effect(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(ACCEPT, "drop_before", method="POST")
    run = run_playbook(extra={"transaction_id": transaction_id})
    assert_clean_failure(run)
    assert len(run.posts()) == 1
    assert "did not take effect. Run the task again." in run.outcome["msg"]


def test_unknown_key(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    run = run_playbook(extra={"transaction_id": transaction_id}, api_key="not-a-real-key-1234", verbosity=4)
    assert_clean_failure(run)
    assert "not-a-real-key-1234" not in unwrapped(run.output)
    assert run.outcome["error"]["status"] == 401
    assert "HARICA_API_KEY" in run.outcome["msg"]


def test_missing_key(world, run_playbook):
    run = run_playbook(extra={"transaction_id": "x"}, api_key=None)
    assert run.returncode != 0
    assert "missing required arguments: api_key" in run.outcome["msg"]
    assert run.log == []


def test_key_without_role_gets_login_redirect(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    run = run_playbook(extra={"transaction_id": transaction_id}, api_key=ADMIN_KEY, verbosity=4)
    assert_clean_failure(run)
    assert "redirected to the login page" in run.outcome["msg"]
    assert "needs the SSL Enterprise Approver role" in run.outcome["msg"]


def test_injected_login_redirect(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(by_id(transaction_id), "redirect", method="GET", location="/login?ReturnUrl=%2F")
    run = run_playbook(extra={"transaction_id": transaction_id}, verbosity=4)
    assert_clean_failure(run)
    assert "redirected to the login page" in run.outcome["msg"]


def test_injected_html_page(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(by_id(transaction_id), "html", method="GET", status=200)
    run = run_playbook(extra={"transaction_id": transaction_id}, verbosity=4)
    assert_clean_failure(run)
    assert "HTML page where JSON was expected" in run.outcome["msg"]


def test_timeout(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    world.control.add_fault(by_id(transaction_id), "delay", method="GET", delay_seconds=4)
    run = run_playbook(extra={"transaction_id": transaction_id, "harica_timeout": 1}, verbosity=4)
    assert_clean_failure(run)
    assert "got no response within the timeout of 1 s" in run.outcome["msg"]


@pytest.mark.parametrize("source", ["environment", "option", "lookup_file"])
def test_key_hidden_at_high_verbosity(world, run_playbook, source):
    transaction_id = seed_request(world, NAMES)
    key_file = world.tmp_path / "approver.key"
    key_file.write_text(APPROVER_KEY + "\n")
    extra = {"transaction_id": transaction_id}
    api_key = APPROVER_KEY
    if source == "option":
        extra["api_key"], api_key = APPROVER_KEY, None
    elif source == "lookup_file":
        extra["api_key"], api_key = "{{ lookup('file', '%s') }}" % key_file, None
    run = run_playbook(extra=extra, api_key=api_key, verbosity=4)
    assert run.returncode == 0, run.output
    assert run.outcome["changed"] is True
    assert_no_key(run)
    assert all(entry["user"] == "approver@example.org" for entry in run.log)


LIST_PENDING = "/cm/v1/enterprise/requests/ssl/list/pending"


@pytest.mark.parametrize(
    "fault, status, phrase",
    [
        ({"action": "html", "status": 502}, 502, "returned HTTP 502"),
        ({"action": "html", "status": 401}, 401, "HARICA_API_KEY"),
        (
            {"action": "status", "status": 200, "body": '[{"transactionId": "a", "domai',
             "content_type": "application/json"},
            200,
            "returned incomplete JSON",
        ),
    ],
    ids=["html-502", "html-401", "truncated-json"],
)
def test_list_endpoint_bad_bodies(world, run_playbook, fault, status, phrase):
    seed_request(world, NAMES)
    world.control.add_fault(LIST_PENDING, method="GET", times=None, **fault)
    run = run_playbook(extra={"domains": NAMES}, verbosity=4)
    assert_clean_failure(run)
    assert run.outcome["error"]["status"] == status
    assert run.outcome["error"]["path"] == LIST_PENDING
    assert phrase in run.outcome["msg"]
    assert run.posts() == []


@pytest.mark.parametrize(
    "fault, status, phrase",
    [
        ({"action": "html", "status": 502}, 502, "returned HTTP 502 Bad Gateway."),
        ({"action": "html", "status": 401}, 401, "returned HTTP 401 Unauthorized. Check the api_key option"),
        (
            {"action": "status", "status": 200, "body": '[{"serial": "0A1B", "commonName": "cut.exa',
             "content_type": "application/json"},
            200,
            "returned a list that cannot be read: the JSON ends inside a value.",
        ),
    ],
    ids=["html-502", "html-401", "truncated-json"],
)
@pytest.mark.parametrize("status_option, path", [("all", "/cm/v1/admin/certificates"),
                                                 ("valid", "/cm/v1/admin/certificates/list/valid")])
def test_admin_list_bad_bodies(world, run_playbook, fault, status, phrase, status_option, path):
    world.control.create_certificate(type="ssl", names=["listed.example.org"])
    world.control.add_fault(path, method="GET", times=None, **fault)
    run = run_playbook("certificate_info.yml", extra={"status": status_option}, api_key=ADMIN_KEY, verbosity=4)
    assert_clean_failure(run)
    assert run.outcome["error"]["status"] == status
    assert run.outcome["error"]["method"] == "GET"
    assert run.outcome["error"]["path"] == path
    assert f"GET {path} {phrase}" in run.outcome["msg"]
    assert run.outcome["changed"] is False


@pytest.mark.parametrize("state", ["accepted", "cancelled"])
@pytest.mark.parametrize("status", [400, 403, 500])
def test_change_rejected_with_json_error(world, run_playbook, state, status):
    transaction_id = seed_request(world, NAMES)
    path = ACCEPT if state == "accepted" else CANCEL
    body = '{"message": "Rejected by the server for testing"}'
    world.control.add_fault(path, "status", method="POST", status=status, body=body,
                            content_type="application/json")
    run = run_playbook(extra={"transaction_id": transaction_id, "state": state})
    assert_clean_failure(run)
    assert run.outcome.get("changed", False) is False
    assert "Rejected by the server for testing" in run.outcome["msg"]
    assert len(run.posts()) == 1
    assert world.control.request_state(transaction_id)["status"] == "pending"


def test_rerun_in_other_time_zone(world, run_playbook):
    transaction_id = seed_request(world, NAMES)
    extra = {"transaction_id": transaction_id, "wait": True}
    first = run_playbook(extra=extra, env={"TZ": "Asia/Tokyo"})
    assert first.returncode == 0, first.output
    second = run_playbook(extra=extra, env={"TZ": "Asia/Tokyo"})
    assert second.returncode == 0, second.output
    assert second.outcome["changed"] is False
    assert second.outcome["result"] == "already_accepted"
    assert second.posts() == []
    for field in ("status", "serial_number", "requested_at", "reviewed_at", "not_after", "days_remaining"):
        assert second.outcome["request"][field] == first.outcome["request"][field], field
    assert second.outcome["certificate"] == first.outcome["certificate"]
    utc = run_playbook(extra=extra, env={"TZ": "UTC"})
    assert utc.outcome["request"]["not_after"] == second.outcome["request"]["not_after"]
    assert "TypeError" not in first.output + second.output


WRONG_PROXY_PASSWORD = "wrong-proxy-password-17c0"


@pytest.mark.parametrize("case", ["through_proxy", "wrong_password", "proxy_down", "invalid_options"])
def test_proxy_password_hidden(world, run_playbook, proxy, case):
    transaction_id = seed_request(world, NAMES)
    password = WRONG_PROXY_PASSWORD if case == "wrong_password" else PROXY_PASSWORD
    proxy_url = proxy.url(password)
    if case == "proxy_down":
        proxy_url = f"http://{PROXY_USER}:{password}@127.0.0.1:{closed_port()}"
    extra = {"transaction_id": transaction_id, "harica_proxy_url": proxy_url}
    if case == "invalid_options":
        # Argument validation fails before the module code runs, and its result still contains the arguments.
        extra["domains"] = NAMES
    log_file = world.tmp_path / "ansible.log"
    # ansible-core 2.21 adds the module arguments to results only when asked, and earlier versions always do.
    env = {"ANSIBLE_LOG_PATH": str(log_file), "ANSIBLE_INJECT_INVOCATION": "1"}
    run = run_playbook(extra=extra, verbosity=4, env=env)

    assert log_file.read_text(), "Ansible wrote no log file"
    assert_no_proxy_password(run.output + json.dumps(run.results), log_file)
    assert WRONG_PROXY_PASSWORD not in unwrapped(run.output + json.dumps(run.results) + log_file.read_text())
    assert_no_key(run, log_file)
    assert run.outcome["invocation"]["module_args"]["proxy_url"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

    if case == "through_proxy":
        assert run.returncode == 0, run.output
        assert run.outcome["changed"] is True
        assert len(run.posts()) == 1
        assert proxy.authorizations
        assert set(proxy.authorizations) == {proxy.expected_authorization}
        return

    assert_clean_failure(run)
    assert run.outcome.get("changed", False) is False
    assert run.log == []
    if case == "invalid_options":
        assert "mutually exclusive" in run.outcome["msg"]
        assert proxy.authorizations == []
        return
    assert "the connection through the proxy 127.0.0.1:" in run.outcome["msg"]
    assert run.outcome["error"]["outcome_unknown"] is False
    if case == "wrong_password":
        assert "407 Proxy Authentication Required" in run.outcome["msg"]
