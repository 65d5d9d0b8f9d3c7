"""harica_certificate_revoke and harica_certificate_info against the simulator."""

from __future__ import annotations

import json

import pytest
import requests

from conftest import ADMIN_KEY, APPROVER_KEY, assert_no_key, seed_request

REVOKE = "revoke.yml"
INFO = "certificate_info.yml"


def seed_certificate(world, names=(), *, issued_via="single", kind="ssl", **options):
    fields = {"names": list(names)} if kind == "ssl" else {"emails": list(names)}
    return world.control.create_certificate(type=kind, issued_via=issued_via, **fields, **options)


def serial_of(record):
    return format(int(record["serial"], 16), "X")


def revoke_posts(run):
    return [entry for entry in run.posts() if "/revoke/" in entry["path"]]


def results(run):
    return {record["serial_number"]: record["result"] for record in run.outcome["certificates"]}


def revoke(run_playbook, check=False, diff=False, **extra):
    return run_playbook(REVOKE, extra=extra, api_key=ADMIN_KEY, check=check, diff=diff)


# Decommissioning by host name


def test_decommission_by_hostnames(world, run_playbook):
    first_cert = seed_certificate(world, ["web1.example.org"])
    renewal = seed_certificate(world, ["WEB1.example.org."], issued_via="acme")
    other = seed_certificate(world, ["web2.example.org"])
    first = revoke(run_playbook, hostnames=["web1.example.org"], reason="cessation_of_operation")
    assert first.returncode == 0, first.output
    assert first.outcome["changed"] is True
    assert results(first) == {serial_of(first_cert): "revoked", serial_of(renewal): "revoked"}
    assert sorted(entry["path"] for entry in revoke_posts(first)) == [
        "/cm/v1/admin/revoke/acme",
        "/cm/v1/admin/revoke/single",
    ]
    assert world.control.certificate_state(other["serial"])["status"] == "valid"
    second = revoke(run_playbook, hostnames=["web1.example.org"], reason="cessation_of_operation")
    assert second.returncode == 0, second.output
    assert second.outcome["changed"] is False
    assert revoke_posts(second) == []
    assert_no_key(second)
    check = revoke(run_playbook, hostnames=["web1.example.org"], check=True)
    assert check.outcome["changed"] is False
    assert check.posts() == []


def test_shared_certificate_policies(world, run_playbook):
    shared = seed_certificate(world, ["app.example.org", "api.example.org"])
    refused = revoke(run_playbook, hostnames=["app.example.org"])
    assert refused.returncode != 0
    assert "also covers api.example.org" in refused.outcome["msg"]
    assert revoke_posts(refused) == []
    skipped = revoke(run_playbook, hostnames=["app.example.org"], shared="skip")
    assert results(skipped) == {serial_of(shared): "skipped"}
    assert revoke_posts(skipped) == []
    revoked = revoke(run_playbook, hostnames=["app.example.org"], shared="revoke")
    assert results(revoked) == {serial_of(shared): "revoked"}
    assert len(revoke_posts(revoked)) == 1
    assert world.control.certificate_state(shared["serial"])["status"] == "revoked"


# Serial numbers


@pytest.mark.parametrize("style", ["upper", "lower_padded"])
def test_serial_input_forms(world, run_playbook, style):
    world.control.settings(serial_style=style)
    records = [seed_certificate(world, [f"s{index}.example.org"]) for index in range(4)]
    canonical = [serial_of(record) for record in records]
    forms = [
        canonical[0].lower(),
        "0x" + canonical[1],
        ":".join(canonical[2].rjust(len(canonical[2]) + len(canonical[2]) % 2, "0")[i:i + 2]
                 for i in range(0, len(canonical[2]) + len(canonical[2]) % 2, 2)),
        "00" + canonical[3],
    ]
    run = revoke(run_playbook, serial_numbers=forms)
    assert run.returncode == 0, run.output
    assert results(run) == {serial: "revoked" for serial in canonical}
    assert len(revoke_posts(run)) == 4


def test_decimal_serial_is_ambiguous(world, run_playbook):
    run = revoke(run_playbook, serial_numbers=["12345"])
    assert run.returncode != 0
    assert "is ambiguous" in run.outcome["msg"]
    assert "serial_format" in run.outcome["msg"]
    assert run.log == []


def test_unquoted_yaml_serials_rejected(world, run_playbook):
    run = run_playbook("unquoted_serials.yml", api_key=ADMIN_KEY)
    assert len(run.results) == 3, run.output
    for entry in run.results:
        assert entry["status"] == "failed", entry
        assert "quote the serial" in entry["result"]["msg"], entry
    assert run.log == []


def test_mixed_input_and_missing_setting(world, run_playbook):
    valid = seed_certificate(world, ["mix1.example.org"])
    revoked = seed_certificate(world, ["mix2.example.org"], revoked={"reason_code": "4.9.1.1.1.1"})
    expired = seed_certificate(world, ["mix3.example.org"], not_before="2024-01-01T00:00:00Z",
                               not_after="2025-01-01T00:00:00Z")
    serials = [serial_of(valid), serial_of(revoked), serial_of(expired), "ABCDEF0123"]
    failing = revoke(run_playbook, serial_numbers=serials)
    assert failing.returncode != 0
    assert results(failing) == {serials[0]: "skipped", serials[1]: "already_revoked", serials[2]: "expired",
                                serials[3]: "not_found"}
    assert revoke_posts(failing) == []
    ignoring = revoke(run_playbook, serial_numbers=serials, missing="ignore")
    assert ignoring.returncode == 0, ignoring.output
    assert results(ignoring) == {serials[0]: "revoked", serials[1]: "already_revoked", serials[2]: "expired",
                                 serials[3]: "not_found"}
    assert len(revoke_posts(ignoring)) == 1


# Check mode and the safety limit


def test_check_mode_predicts_real_run(world, run_playbook):
    for index in range(3):
        seed_certificate(world, ["batch.example.org"], issued_via=["single", "bulk", "acme"][index])
    seed_certificate(world, ["batch.example.org"], revoked={"reason_code": "4.9.1.1.1.1"})
    check = revoke(run_playbook, hostnames=["batch.example.org"], check=True, diff=True)
    assert check.returncode == 0, check.output
    assert check.outcome["changed"] is True
    assert check.posts() == []
    real = revoke(run_playbook, hostnames=["batch.example.org"])
    assert results(real) == results(check)
    revoked_now = {record["serial_number"] for record in real.outcome["certificates"] if record["result"] == "revoked"}
    assert len(revoked_now) == len(revoke_posts(real)) == 3


def test_safety_limit_stops_broad_selection(world, run_playbook):
    for index in range(4):
        seed_certificate(world, ["broad.example.org", f"n{index}.broad.example.org"])
    run = revoke(run_playbook, hostnames=["broad.example.org"], shared="revoke", max_certificates=3)
    assert run.returncode != 0
    assert "more than max_certificates (3)" in run.outcome["msg"]
    assert revoke_posts(run) == []


# Reasons


@pytest.mark.parametrize(
    "reason, code",
    [
        ("unspecified", "4.9.1.1.1.1"),
        ("privilege_withdrawn", "4.9.1.1.1.2"),
        ("key_compromise", "4.9.1.1.1.3"),
        ("superseded", "4.9.1.1.1.5"),
        ("cessation_of_operation", "4.9.1.1.2.9"),
    ],
)
def test_reason_sends_code(world, run_playbook, reason, code):
    record = seed_certificate(world, ["reason.example.org"])
    run = revoke(run_playbook, serial_numbers=[serial_of(record)], reason=reason, comment="Rotated")
    assert run.returncode == 0, run.output
    body = revoke_posts(run)[0]["body"]
    assert body["value"] == code
    assert body["message"] == "Rotated"
    assert world.control.certificate_state(record["serial"])["revocation"]["reason_code"] == code


def test_rejected_reason_code(world, run_playbook):
    record = seed_certificate(world, ["badreason.example.org"])
    run = revoke(run_playbook, serial_numbers=[serial_of(record)], reason_code="4.9.9.9")
    assert run.returncode != 0
    detail = run.outcome["certificates"][0]["detail"]
    assert "Invalid revocation reason" in detail
    assert "set reason_code" in detail


# How the server answers


def admin_record(world, serial):
    """Return the certificate record as the admin API serves it."""
    response = requests.get(
        f"{world.simulator.url}/cm/v1/admin/certificates/serial/{serial}",
        headers={"X-API-Key": ADMIN_KEY},
        verify=world.simulator.tls_ca,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize("answer, result, changed", [("error", "already_revoked", False), ("success", "revoked", True)])
def test_already_revoked_answer(world, run_playbook, answer, result, changed):
    world.control.settings(already_revoked=answer)
    record = seed_certificate(world, ["twice.example.org"], revoked={"reason_code": "4.9.1.1.1.1"})
    stale = {**admin_record(world, record["serial"]), "isRevoked": False, "revokedAt": None, "revocationCode": None}
    # A lagging read shows the certificate valid, so the module sends a revoke.
    world.control.add_fault(f"/cm/v1/admin/certificates/serial/{record['serial']}", "status", method="GET",
                            status=200, body=json.dumps(stale), content_type="application/json", times=None)
    run = revoke(run_playbook, serial_numbers=[serial_of(record)])
    assert run.returncode == 0, run.output
    assert results(run) == {serial_of(record): result}
    assert run.outcome["changed"] is changed
    assert len(revoke_posts(run)) == 1


ALREADY_REVOKED_BODY = '{"message": "The certificate has already been revoked"}'


@pytest.mark.parametrize("status, result", [(400, "already_revoked"), (409, "already_revoked"), (403, "failed")])
@pytest.mark.parametrize("path", ["/cm/v1/admin/revoke/single", "/cm/v1/enterprise/revoke/ssl"],
                         ids=["admin", "approver"])
def test_already_revoked_status(world, run_playbook, path, status, result):
    world.control.add_fault(path, "status", method="POST", status=status, body=ALREADY_REVOKED_BODY,
                            content_type="application/json")
    if path.startswith("/cm/v1/admin/"):
        record = seed_certificate(world, ["again.example.org"])
        run = revoke(run_playbook, serial_numbers=[serial_of(record)])
    else:
        run = revoke_by_transaction(run_playbook, accepted_ssl_request(world, ["again.example.org"]))
    assert "Traceback" not in run.output
    assert run.outcome["certificates"][0]["result"] == result
    assert (run.returncode == 0) is (result == "already_revoked")
    assert run.outcome["changed"] is False
    assert [entry["path"] for entry in revoke_posts(run)] == [path]


@pytest.mark.parametrize("hint", ["field", "flags"])
def test_issuance_hints(world, run_playbook, hint):
    world.control.settings(issuance_hint=hint)
    record = seed_certificate(world, ["hint.example.org"], issued_via="bulk")
    run = revoke(run_playbook, serial_numbers=[serial_of(record)])
    assert run.returncode == 0, run.output
    assert [entry["path"] for entry in revoke_posts(run)] == ["/cm/v1/admin/revoke/bulk"]


def test_no_issuance_hint_needs_revoke_type(world, run_playbook):
    world.control.settings(issuance_hint="none")
    record = seed_certificate(world, ["nohint.example.org"], issued_via="acme")
    auto = revoke(run_playbook, serial_numbers=[serial_of(record)])
    assert auto.returncode != 0
    assert "set revoke_type" in auto.outcome["msg"]
    assert revoke_posts(auto) == []
    explicit = revoke(run_playbook, serial_numbers=[serial_of(record)], revoke_type="acme")
    assert explicit.returncode == 0, explicit.output


def test_record_without_transaction_id(world, run_playbook):
    record = seed_certificate(world, ["notx.example.org"], with_transaction_id=False)
    run = revoke(run_playbook, serial_numbers=[serial_of(record)])
    assert run.returncode != 0
    assert "no transaction id" in run.outcome["msg"]
    assert revoke_posts(run) == []


@pytest.mark.parametrize("fault", ["drop_after", "status"])
def test_unknown_outcome_matches_simulator(world, run_playbook, fault):
    records = [seed_certificate(world, [f"u{index}.example.org"]) for index in range(2)]
    options = {"status": 503} if fault == "status" else {}
    world.control.add_fault("/cm/v1/admin/revoke/single", fault, method="POST", **options)
    run = revoke(run_playbook, serial_numbers=[serial_of(record) for record in records])
    assert len(revoke_posts(run)) == 2
    for record in run.outcome["certificates"]:
        held = world.control.certificate_state(record["serial_number"])["status"]
        assert record["status"] == held
        assert (record["result"] == "revoked") == (held == "revoked")
    assert (run.returncode == 0) == (fault == "drop_after")


# Approver revocation by transaction id


@pytest.mark.parametrize("kind", ["ssl", "smime", "clientauth"])
def test_approver_revokes_by_transaction(world, run_playbook, kind):
    role = {"ssl": "ssl_approver", "smime": "smime_approver", "clientauth": "clientauth_approver"}[kind]
    key = f"{kind}-approver-key-5d1e2f3a4b"
    world.control.create_user(f"{kind}.approver@example.org", [role], api_key=key)
    if kind == "ssl":
        transaction_id = seed_request(world, ["tx.example.org"])
        accept = run_playbook(extra={"transaction_id": transaction_id})
        assert accept.returncode == 0, accept.output
    else:
        creator = getattr(world.control, f"create_{kind}_request")
        transaction_id = creator(["person@example.org"], "developer@example.org")["transactionId"]
    extra = {"transaction_ids": [transaction_id], "certificate_type": kind}
    first = run_playbook(REVOKE, extra=extra, api_key=key)
    assert first.returncode == 0, first.output
    assert first.outcome["certificates"][0]["result"] == "revoked"
    assert [entry["path"] for entry in revoke_posts(first)] == [f"/cm/v1/enterprise/revoke/{kind}"]
    second = run_playbook(REVOKE, extra=extra, api_key=key)
    assert second.outcome["changed"] is False
    assert revoke_posts(second) == []
    check = run_playbook(REVOKE, extra=extra, api_key=key, check=True)
    assert check.returncode == 0, check.output
    assert check.outcome["changed"] is False
    assert check.outcome["certificates"][0]["result"] == "already_revoked"
    assert len(revoke_posts(first) + revoke_posts(second) + revoke_posts(check)) == 1
    other_role = run_playbook(REVOKE, extra=extra, api_key=APPROVER_KEY if kind != "ssl" else ADMIN_KEY)
    assert other_role.returncode != 0


APPROVER_REVOKE = "/cm/v1/enterprise/revoke/ssl"


def accepted_ssl_request(world, names):
    """Seed an SSL request and accept it through the API, so that it has a certificate."""
    transaction_id = seed_request(world, names)
    response = requests.post(
        f"{world.simulator.url}/cm/v1/enterprise/accept/ssl",
        json={"transactionId": transaction_id, "message": ""},
        headers={"X-API-Key": APPROVER_KEY},
        verify=world.simulator.tls_ca,
        timeout=30,
    )
    response.raise_for_status()
    return transaction_id


def revoke_by_transaction(run_playbook, transaction_id, check=False):
    extra = {"transaction_ids": [transaction_id], "certificate_type": "ssl"}
    return run_playbook(REVOKE, extra=extra, api_key=APPROVER_KEY, check=check)


@pytest.mark.parametrize("status", [400, 403, 500])
def test_approver_revoke_rejected_with_json_error(world, run_playbook, status):
    transaction_id = accepted_ssl_request(world, ["refused.example.org"])
    world.control.add_fault(APPROVER_REVOKE, "status", method="POST", status=status,
                            body='{"message": "Revocation refused for testing"}', content_type="application/json")
    run = revoke_by_transaction(run_playbook, transaction_id)
    assert run.returncode != 0
    assert "Traceback" not in run.output
    assert "Revocation refused for testing" in run.outcome["msg"]
    assert run.outcome["changed"] is False
    assert run.outcome["certificates"][0]["result"] == "failed"
    assert len(revoke_posts(run)) == 1
    assert_no_key(run)


def test_approver_lost_response_rereads(world, run_playbook):
    transaction_id = accepted_ssl_request(world, ["lost.example.org"])
    world.control.add_fault(APPROVER_REVOKE, "drop_after", method="POST")
    run = revoke_by_transaction(run_playbook, transaction_id)
    assert run.returncode == 0, run.output
    assert run.outcome["changed"] is True
    assert run.outcome["certificates"][0]["result"] == "revoked"
    assert [entry["status"] for entry in revoke_posts(run)] == [None]
    post_index = run.log.index(revoke_posts(run)[0])
    assert run.log[post_index + 1]["path"] == f"/cm/v1/enterprise/requests/ssl/id/{transaction_id}"
    assert "so the revoke took effect" in run.output
    serial = run.outcome["certificates"][0]["serial_number"]
    assert world.control.certificate_state(serial)["status"] == "revoked"


# harica_certificate_info


def test_info_matches_simulator_in_any_zone(world, run_playbook):
    for names in (["i1.example.org"], ["i2.example.org", "www.i2.example.org"]):
        seed_certificate(world, names)
    seed_certificate(world, ["person@example.org"], kind="smime")
    held = {format(int(record["serial"], 16), "X"): record for record in world.control.certificates()}
    runs = [run_playbook(INFO, api_key=ADMIN_KEY, env={"TZ": zone}) for zone in ("UTC", "Asia/Tokyo", "America/Lima")]
    for run in runs:
        assert run.returncode == 0, run.output
        assert {record["serial_number"] for record in run.outcome["certificates"]} == set(held)
    remaining = [{r["serial_number"]: r["days_remaining"] for r in run.outcome["certificates"]} for run in runs]
    assert remaining[0] == remaining[1] == remaining[2]


def test_info_filters_and_serial(world, run_playbook):
    wanted = seed_certificate(world, ["f1.example.org"])
    seed_certificate(world, ["f2.example.org"])
    by_host = run_playbook(INFO, extra={"hostnames": ["F1.example.org."]}, api_key=ADMIN_KEY)
    assert [record["serial_number"] for record in by_host.outcome["certificates"]] == [serial_of(wanted)]
    by_serial = run_playbook(INFO, extra={"serial_numbers": [serial_of(wanted).lower()]}, api_key=ADMIN_KEY)
    assert [record["serial_number"] for record in by_serial.outcome["certificates"]] == [serial_of(wanted)]
    assert by_serial.outcome["certificates"][0]["certificate"].startswith("-----BEGIN CERTIFICATE-----")


def test_info_needs_admin_role(world, run_playbook):
    run = run_playbook(INFO, api_key=APPROVER_KEY)
    assert run.returncode != 0
    assert "needs the Enterprise Admin role" in run.outcome["msg"]
    assert_no_key(run)


@pytest.mark.parametrize("status", [400, 403, 500])
def test_revoke_rejected_with_json_error(world, run_playbook, status):
    records = [seed_certificate(world, [f"r{index}.example.org"]) for index in range(2)]
    world.control.add_fault("/cm/v1/admin/revoke/single", "status", method="POST", status=status,
                            body='{"message": "Revocation refused for testing"}', content_type="application/json")
    run = revoke(run_playbook, serial_numbers=[serial_of(record) for record in records])
    assert run.returncode != 0
    assert "Traceback" not in run.output
    assert "Revocation refused for testing" in run.outcome["msg"]
    assert sorted(results(run).values()) == ["failed", "revoked"]
    assert len(revoke_posts(run)) == 2
    states = [world.control.certificate_state(record["serial"])["status"] for record in records]
    assert sorted(states) == ["revoked", "valid"]
