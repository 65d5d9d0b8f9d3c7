"""The staging_check playbook against the simulator, with every key and with one key.

The playbook must send GET requests only, never show a key, and report the shapes the
simulator served. Every run passes the simulator's URL, and a proxy on a closed loopback
port catches any request to another host.
"""

from __future__ import annotations

import json
import stat
import typing as t

import pytest
import requests
import yaml

from conftest import ADMIN_KEY, ALL_KEYS, APPROVER_EMAIL, APPROVER_KEY, REPOSITORY, assert_no_key, seed_request

PLAYBOOK = str(REPOSITORY / "playbooks" / "staging_check.yml")
CHECK_TASK = "Read the service with each key given"
PRINT_TASK = "Print the report"

SMIME_APPROVER_KEY = "smime-approver-key-5d1e9c2b7a40"
CLIENTAUTH_APPROVER_KEY = "clientauth-approver-key-6e2f0d3c8b51"
CHECK_KEYS = (*ALL_KEYS, SMIME_APPROVER_KEY, CLIENTAUTH_APPROVER_KEY)

SSL = "SSL Enterprise Approver"
SMIME = "S/MIME Enterprise Approver"
CLIENTAUTH = "Client Auth Enterprise Approver"
ADMIN = "Enterprise Admin"

# Any request to a host other than 127.0.0.1 goes to this proxy, where nothing listens.
NO_OUTSIDE_HOST = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"}


def approver_call(world, action: str, body: dict[str, t.Any]) -> None:
    """Accept or cancel an SSL request as the SSL approver, before the check runs."""
    response = requests.post(
        f"{world.simulator.url}/cm/v1/enterprise/{action}/ssl",
        json=body,
        headers={"X-API-Key": APPROVER_KEY},
        verify=world.simulator.tls_ca,
        timeout=30,
    )
    response.raise_for_status()


@pytest.fixture
def account(world):
    """Seed requests of every type and status, and certificates of every type."""
    control = world.control
    control.create_user("smime.approver@example.org", ["smime_approver"], api_key=SMIME_APPROVER_KEY)
    control.create_user("client.approver@example.org", ["clientauth_approver"], api_key=CLIENTAUTH_APPROVER_KEY)
    seed_request(world, ["pending.example.org"])
    completed = seed_request(world, ["done.example.org"])
    approver_call(world, "accept", {"transactionId": completed, "message": "seeded by the test"})
    cancelled = seed_request(world, ["gone.example.org"])
    approver_call(world, "cancel", {"TransactionId": cancelled, "Message": "seeded", "InformUser": False})
    control.create_smime_request(["maria@example.org"], "maria@example.org")
    control.create_smime_request(["nikos@example.org"], "nikos@example.org", status="pending")
    control.create_clientauth_request(["device@example.org"], "device@example.org")
    control.create_certificate(type="ssl", names=["api.example.org"], serial="ab12cd")
    control.create_certificate(type="smime", emails=["eleni@example.org"], issued_via="bulk")
    control.create_certificate(type="clientauth", emails=["robot@example.org"], issued_via="acme")
    control.create_certificate(type="ssl", names=["old.example.org"], revoked={"reason_code": "4.9.1.1.1.1"})
    return world


def every_key(world) -> dict[str, str]:
    return {
        "staging_check_admin_key": ADMIN_KEY,
        "staging_check_ssl_approver_key": APPROVER_KEY,
        "staging_check_smime_approver_key": SMIME_APPROVER_KEY,
        "staging_check_clientauth_approver_key": CLIENTAUTH_APPROVER_KEY,
    }


def run_check(world, run_playbook, playbook: str = PLAYBOOK, *, keys=None, env=None, verbosity: int = 0):
    """Run the playbook against the simulator and return the run and its report file.

    Every run must succeed, send only GETs, and show no key in its output or report.
    """
    report = world.tmp_path / "staging-report.json"
    extra = {
        "staging_check_url": world.simulator.url,
        "staging_check_ca_path": world.simulator.tls_ca,
        "staging_check_report": str(report),
        **(keys or {}),
    }
    assert extra["staging_check_url"].startswith("https://127.0.0.1:"), extra["staging_check_url"]
    run = run_playbook(playbook, extra=extra, api_key=None, env={**NO_OUTSIDE_HOST, **(env or {})}, verbosity=verbosity)
    assert run.returncode == 0, run.output
    assert_read_only(run)
    assert_no_check_key(run, report)
    return run, report


def by_check(run) -> dict[tuple[str, str], dict[str, t.Any]]:
    return {(entry["id"], entry["role"]): entry for entry in run.task(CHECK_TASK)["checks"]}


def assert_read_only(run) -> None:
    assert run.log, "the simulator logged no request"
    methods = {entry["method"] for entry in run.log}
    assert methods == {"GET"}, [(entry["method"], entry["path"]) for entry in run.log]


def assert_no_check_key(run, *paths) -> None:
    assert_no_key(run, *paths)
    for key in CHECK_KEYS:
        assert key not in run.output
        for path in paths:
            assert key not in path.read_text()


def test_every_key_default_shapes(account, run_playbook):
    run, _report = run_check(account, run_playbook, keys=every_key(account), verbosity=3)
    checks = by_check(run)
    not_held = {key: entry["status"] for key, entry in checks.items() if entry["status"] != "held"}
    # A4 needs a GET with an unknown key, which the check never sends.
    assert not_held == {("A4", "any"): "not_checked"}, {key: checks[key]["detail"] for key in not_held}
    assert run.task(CHECK_TASK)["summary"] == {"held": 37, "differs": 0, "not_checked": 1, "total": 38}
    assert run.task(CHECK_TASK)["changed"] is False


def test_every_key_reads(account, run_playbook):
    run, _report = run_check(account, run_playbook, keys=every_key(account))
    users = {entry["user"] for entry in run.log}
    assert users == {"admin@example.org", APPROVER_EMAIL, "smime.approver@example.org", "client.approver@example.org"}
    probes = [entry for entry in run.log if entry["path"].startswith("/cm/v1/admin/") and entry["user"] != "admin@example.org"]
    assert [(entry["path"], entry["status"], entry["user"]) for entry in probes] == [
        ("/cm/v1/admin/enterprises", 302, APPROVER_EMAIL)
    ]
    paths = [(entry["user"], entry["path"]) for entry in run.log]
    assert len(paths) == len(set(paths)), "a path was read twice with the same key"


def test_every_key_observations(account, run_playbook):
    run, _report = run_check(account, run_playbook, keys=every_key(account))
    checks = by_check(run)
    assert checks[("C3", ADMIN)]["observed"]["wrapper_keys"] == []
    assert checks[("C3", SSL)]["detail"] == "Every list (5) was a bare JSON array."
    assert checks[("C5", SSL)]["observed"]["status_words"] == ["Pending", "Completed", "Cancelled"]
    assert checks[("C8", SSL)]["observed"]["certificate_forms"] == {"PEM": 1}
    assert checks[("C4", ADMIN)]["observed"]["formats"] == {"YYYY-MM-DDThh:mm:ss.fffffff": sum(
        checks[("C4", ADMIN)]["observed"]["formats"].values()
    )}
    assert checks[("D4", ADMIN)]["observed"]["words"]["S/MIME"] == "smime"
    assert set(checks[("D8", ADMIN)]["observed"]["values"]) == {"Single", "Bulk", "ACME"}
    assert checks[("D6", ADMIN)]["status"] == "held"
    assert checks[("A5", SSL)]["observed"]["rejection"] == "a redirect (302) to a login page"


def test_report_file_and_printout(account, run_playbook):
    run, report = run_check(account, run_playbook, keys=every_key(account))
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    document = json.loads(report.read_text())
    assert set(document) == {"api_url", "checked_at", "summary", "checks"}
    assert document["api_url"] == account.simulator.url
    assert document["checked_at"].endswith("Z")
    assert document["checks"] == run.task(CHECK_TASK)["checks"]
    assert document["summary"] == run.task(CHECK_TASK)["summary"]
    lines = run.task(PRINT_TASK)["msg"]
    assert lines[-1] == f"37 held, 0 differ, 1 not checked, of 38 checks of {account.simulator.url}"
    assert any(line.startswith("C3   held        Enterprise Admin") for line in lines)
    assert "BEGIN CERTIFICATE" not in report.read_text()


SHAPES = [
    pytest.param({"key_case": "pascal", "list_wrapper": "items"}, id="pascal-items"),
    pytest.param({"key_case": "lower", "list_wrapper": "data", "serial_style": "lower_padded"}, id="lower-data-padded"),
    pytest.param(
        {"permission_denied": "status", "cancelled_spelling": "Canceled", "certificate_encoding": "der_base64",
         "issuance_hint": "none"},
        id="status-canceled-der-no-hint",
    ),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_key_under_shape(account, run_playbook, shape):
    account.control.settings(**shape)
    run, _report = run_check(account, run_playbook, keys=every_key(account))
    checks = by_check(run)
    statuses = {key: entry["status"] for key, entry in checks.items()}

    if "list_wrapper" in shape:
        wrapper = shape["list_wrapper"]
        wrapper = wrapper.capitalize() if shape.get("key_case") == "pascal" else wrapper
        for role in (ADMIN, SSL, SMIME, CLIENTAUTH):
            assert checks[("C3", role)]["observed"]["wrapper_keys"] == [wrapper], role
            assert f'under "{wrapper}"' in checks[("C3", role)]["detail"]

    if shape.get("key_case") == "pascal":
        for check_id, role in (("C1", SSL), ("D2", ADMIN), ("E9", ADMIN), ("E10", ADMIN)):
            assert checks[(check_id, role)]["observed"]["key_casing"] == "PascalCase", check_id
            assert statuses[(check_id, role)] == "held"
    if shape.get("key_case") == "lower":
        assert checks[("C1", SMIME)]["observed"]["key_casing"] == "lower case"
    if shape.get("serial_style") == "lower_padded":
        assert "lower-case hex" in checks[("C9", ADMIN)]["detail"]
        assert "leading zeros" in checks[("C9", ADMIN)]["detail"]
        assert statuses[("C9", ADMIN)] == "held"
        # The simulator's search ignores case but not leading zeros.
        assert statuses[("D6", ADMIN)] == "differs"
        assert "only by its serial as listed" in checks[("D6", ADMIN)]["detail"]

    if shape.get("permission_denied") == "status":
        assert statuses[("A5", SSL)] == "differs"
        assert checks[("A5", SSL)]["observed"]["status"] == 403
        assert statuses[("A3", SSL)] == "held"
    if shape.get("cancelled_spelling") == "Canceled":
        assert "Canceled" in checks[("C5", SSL)]["observed"]["status_words"]
        assert statuses[("C5", SSL)] == "held"
    if shape.get("certificate_encoding") == "der_base64":
        assert checks[("C8", SMIME)]["observed"]["certificate_forms"] == {"base64 DER": 1}
        assert statuses[("C8", SMIME)] == "held"
    if shape.get("issuance_hint") == "none":
        assert statuses[("D8", ADMIN)] == "differs"

    expected_differences = {
        ("D6", ADMIN) if shape.get("serial_style") == "lower_padded" else None,
        ("A5", SSL) if shape.get("permission_denied") == "status" else None,
        ("D8", ADMIN) if shape.get("issuance_hint") == "none" else None,
    } - {None}
    assert {key for key, status in statuses.items() if status == "differs"} == expected_differences


def test_single_ssl_key_from_environment(account, run_playbook):
    run, _report = run_check(
        account, run_playbook, "staging_check_fqcn.yml", env={"HARICA_SSL_APPROVER_KEY": APPROVER_KEY}
    )
    checks = by_check(run)
    for (check_id, role), entry in checks.items():
        if role in (ADMIN, SMIME, CLIENTAUTH):
            assert entry["status"] == "not_checked", (check_id, role, entry["detail"])
    assert "set admin_key or HARICA_ADMIN_KEY" in checks[("D2", ADMIN)]["detail"]
    assert "set smime_approver_key or HARICA_SMIME_APPROVER_KEY" in checks[("C1", SMIME)]["detail"]
    assert "set clientauth_approver_key or HARICA_CLIENTAUTH_APPROVER_KEY" in checks[("B1", CLIENTAUTH)]["detail"]
    for check_id in ("B1", "B7", "C1", "C3", "C4", "C5", "C8"):
        assert checks[(check_id, SSL)]["status"] == "held", check_id
    assert checks[("A5", SSL)]["status"] == "held"
    assert {entry["user"] for entry in run.log} == {APPROVER_EMAIL}
    for entry in run.log:
        assert entry["path"].startswith("/cm/v1/enterprise/requests/ssl") or entry["path"] == "/cm/v1/admin/enterprises"


def test_no_key_fails_without_request(world, run_playbook):
    report = world.tmp_path / "staging-report.json"
    extra = {"staging_check_url": world.simulator.url, "staging_check_ca_path": world.simulator.tls_ca,
             "staging_check_report": str(report)}
    run = run_playbook(PLAYBOOK, extra=extra, api_key=None, env=NO_OUTSIDE_HOST)
    assert_no_check_key(run)
    assert run.returncode != 0
    assert "one of the following is required" in run.outcome["msg"]
    assert run.log == []
    assert not report.exists()


def test_playbook_defaults_to_staging():
    plays = yaml.safe_load((REPOSITORY / "playbooks" / "staging_check.yml").read_text())
    assert plays[0]["vars"]["staging_check_url"] == "https://cm-stg.harica.gr"
    modules = [key for task in plays[0]["tasks"] for key in task if "." in key]
    # The check is the only task that reaches the server. The others print and write the report.
    assert modules == ["harica.certmanager.harica_api_check", "ansible.builtin.debug", "ansible.builtin.copy"]
