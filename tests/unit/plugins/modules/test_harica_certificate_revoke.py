"""Tests of harica_certificate_revoke run in-process against an in-memory API."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaConnectionError,
    HaricaNotFoundError,
    HaricaServerError,
)
from ansible_collections.harica.certmanager.plugins.modules import harica_certificate_revoke
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import make_chain, openssl_bundle
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI, raw_certificate
from ansible_collections.harica.certmanager.tests.unit.utils.fake_api import raw_request
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module

SINGLE = "/cm/v1/admin/revoke/single"
APPROVER_SSL = "/cm/v1/enterprise/revoke/ssl"
ALREADY_REVOKED_MESSAGE = "The certificate has already been revoked"


def run(api, **args):
    args = {"api_key": "revoke-test-key", "api_url": "https://cm.example.test", **args}
    return run_module(harica_certificate_revoke.main, args, api)


def results(outcome):
    return {record["serial_number"]: record["result"] for record in outcome.result["certificates"]}


@pytest.fixture
def api():
    return FakeCertificateAPI(
        raw_certificate("A1", ["old.example.org"]),
        raw_certificate("A2", ["old.example.org", "www.old.example.org"]),
        raw_certificate("B1", ["shared.example.org", "other.example.org"]),
        raw_certificate("C1", ["gone.example.org"], revoked=True),
        raw_certificate("D1", ["stale.example.org"], valid_to="2025-01-01T00:00:00"),
        raw_certificate("E1", ["*.example.org"], issued="Bulk"),
    )


# Hostnames


def test_hostnames_revoke_then_rerun(api):
    first = run(api, hostnames=["OLD.example.org.", "www.old.example.org"])
    assert not first.failed, first.result
    assert first.result["changed"] is True
    assert results(first) == {"A1": "revoked", "A2": "revoked"}
    assert [call[2]["transactionId"] for call in api.posts] == ["tx-A1", "tx-A2"]
    assert all(call[1] == SINGLE for call in api.posts)
    second = run(api, hostnames=["old.example.org", "www.old.example.org"])
    assert second.result["changed"] is False
    assert results(second) == {"A1": "already_revoked", "A2": "already_revoked"}
    assert len(api.posts) == 2


def test_hostname_without_any_certificate_warns(api):
    outcome = run(api, hostnames=["typo.example.org"])
    assert not outcome.failed
    assert outcome.result["changed"] is False
    assert outcome.result["certificates"] == []
    assert any("typo.example.org" in warning for warning in outcome.result["warnings"])


def test_hostname_with_only_revoked_is_ok(api):
    outcome = run(api, hostnames=["gone.example.org"])
    assert not outcome.failed
    assert results(outcome) == {"C1": "already_revoked"}
    assert outcome.result["warnings"] == []


def test_shared_certificate_fails_by_default(api):
    outcome = run(api, hostnames=["shared.example.org"])
    assert outcome.failed
    assert "B1 also covers other.example.org" in outcome.result["msg"]
    assert "Nothing was revoked" in outcome.result["msg"]
    assert api.posts == []


def test_shared_revoke_and_skip(api):
    skipped = run(api, hostnames=["shared.example.org"], shared="skip")
    assert results(skipped) == {"B1": "skipped"}
    assert skipped.result["certificates"][0]["shared_names"] == ["other.example.org"]
    assert skipped.result["warnings"] == [
        "Certificate B1 was not revoked and stays valid: it also covers other.example.org, and shared is skip."
        " Revoke it when those names are retired too."]
    assert api.posts == []
    revoked = run(api, hostnames=["shared.example.org"], shared="revoke")
    assert results(revoked) == {"B1": "revoked"}
    assert len(api.posts) == 1


def test_wildcard_needs_option(api):
    plain = run(api, hostnames=["www.example.org"])
    assert results(plain) == {}
    wildcard = run(api, hostnames=["www.example.org"], match_wildcards=True, shared="revoke")
    assert results(wildcard) == {"E1": "revoked"}
    assert api.posts[0][1] == "/cm/v1/admin/revoke/bulk"


# Serial numbers


@pytest.mark.parametrize("serial", ["A1", "a1", "00A1", "0xA1", "0:a1"])
def test_serial_forms(api, serial):
    outcome = run(api, serial_numbers=[serial])
    assert results(outcome) == {"A1": "revoked"}


def test_decimal_serial_needs_format(api):
    ambiguous = run(api, serial_numbers=["161"])
    assert ambiguous.failed
    assert "ambiguous" in ambiguous.result["msg"]
    assert api.calls == []
    decimal = run(api, serial_numbers=["161"], serial_format="decimal")
    assert results(decimal) == {"A1": "revoked"}


@pytest.mark.parametrize("value", [31, 12, 45296, 1.5])
def test_unquoted_serial_rejected_before_request(api, value):
    outcome = run(api, serial_number=value)
    assert outcome.failed
    assert "quote the serial" in outcome.result["msg"]
    assert api.calls == []


def test_mixed_input_missing_fail(api):
    outcome = run(api, serial_numbers=["A1", "C1", "D1", "FFFF"])
    assert outcome.failed
    assert results(outcome) == {"A1": "skipped", "C1": "already_revoked", "D1": "expired", "FFFF": "not_found"}
    assert "serial FFFF" in outcome.result["msg"]
    assert api.posts == []


def test_mixed_input_missing_ignore(api):
    outcome = run(api, serial_numbers=["A1", "C1", "D1", "FFFF"], missing="ignore")
    assert not outcome.failed
    assert outcome.result["changed"] is True
    assert results(outcome) == {"A1": "revoked", "C1": "already_revoked", "D1": "expired", "FFFF": "not_found"}
    assert len(api.posts) == 1


# Check mode, diff, limits


def test_check_mode_matches_real_run(api):
    check = run(api, hostnames=["old.example.org"], shared="revoke", _ansible_check_mode=True, _ansible_diff=True)
    assert check.result["changed"] is True
    assert api.posts == []
    assert check.result["diff"]["before"] == {"A1": "valid", "A2": "valid"}
    assert check.result["diff"]["after"] == {"A1": "revoked", "A2": "revoked"}
    real = run(api, hostnames=["old.example.org"], shared="revoke")
    assert results(real) == results(check)
    assert [call[2]["transactionId"] for call in api.posts] == ["tx-A1", "tx-A2"]


def test_safety_limit(api):
    outcome = run(api, serial_numbers=["A1", "A2", "B1"], max_certificates=2)
    assert outcome.failed
    assert "would revoke 3 certificates, more than max_certificates (2)" in outcome.result["msg"]
    assert api.posts == []


# Reasons


@pytest.mark.parametrize(
    "reason, code",
    [
        (None, "4.9.1.1.1.1"),
        ("unspecified", "4.9.1.1.1.1"),
        ("privilege_withdrawn", "4.9.1.1.1.2"),
        ("key_compromise", "4.9.1.1.1.3"),
        ("superseded", "4.9.1.1.1.5"),
        ("cessation_of_operation", "4.9.1.1.2.9"),
    ],
)
def test_reason_names_send_codes(api, reason, code):
    args = {"reason": reason} if reason else {}
    run(api, serial_numbers=["A1"], comment="Retired", inform_user=False, **args)
    assert api.posts[0][2] == {"transactionId": "tx-A1", "message": "Retired", "value": code, "informUser": False}


def test_rejected_reason_suggests_fix(api):
    outcome = run(api, serial_numbers=["A1"], reason_code="9.9.9")
    assert outcome.failed
    assert results(outcome) == {"A1": "failed"}
    detail = outcome.result["certificates"][0]["detail"]
    assert "Invalid revocation reason: 9.9.9" in detail
    assert "set reason_code" in detail
    assert outcome.result["changed"] is False


# Server answers


def test_server_says_already_revoked(api):
    api.certificates["A1"]["isRevoked"] = True
    api.get_json = _stale_lists(api)
    outcome = run(api, serial_numbers=["A1"])
    assert not outcome.failed
    assert results(outcome) == {"A1": "already_revoked"}
    assert outcome.result["changed"] is False


def test_server_success_for_already_revoked(api):
    api.already_revoked = "success"
    api.certificates["A1"]["isRevoked"] = True
    api.get_json = _stale_lists(api)
    outcome = run(api, serial_numbers=["A1"])
    assert results(outcome) == {"A1": "revoked"}


def _rejection_error(status, path, message=ALREADY_REVOKED_MESSAGE):
    """Build the error that the client raises when a POST is rejected with this status."""
    kinds = {401: HaricaAuthError, 403: HaricaAuthError, 404: HaricaNotFoundError}
    error_class = kinds.get(status, HaricaAPIError)
    return error_class(f"Failed: HTTP {status}: {message}.", method="POST", path=path, status=status,
                       server_message=message)


@pytest.mark.parametrize("status, result", [(400, "already_revoked"), (409, "already_revoked"), (401, "failed"),
                                            (403, "failed"), (404, "failed")])
def test_already_revoked_by_status(api, status, result):
    api.fail_next("POST", SINGLE, _rejection_error(status, SINGLE))
    outcome = run(api, serial_numbers=["A1"])
    assert results(outcome) == {"A1": result}
    assert outcome.failed is (result == "failed")
    assert outcome.result["changed"] is False
    assert len(api.posts) == 1


def _stale_lists(api):
    """Serve records that still show the certificate valid, as a lagging list would."""
    original = type(api).get_json.__get__(api)

    def get_json(path, *, action):
        payload = original(path, action=action)
        records = payload if isinstance(payload, list) else [payload]
        for record in records:
            record["isRevoked"] = False
        return payload

    return get_json


def test_dropped_revoke_that_took_effect(api):
    api.fail_next("POST", SINGLE, HaricaConnectionError("dropped.", method="POST", path=SINGLE, outcome_unknown=True),
                  apply_first=True)
    outcome = run(api, serial_numbers=["A1"])
    assert not outcome.failed
    assert results(outcome) == {"A1": "revoked"}
    assert len(api.posts) == 1
    assert any("took effect" in warning for warning in outcome.result["warnings"])


def test_503_without_effect_reports_state(api):
    api.fail_next("POST", SINGLE, HaricaServerError("Failed: 503.", method="POST", path=SINGLE, status=503,
                                                    outcome_unknown=True))
    outcome = run(api, serial_numbers=["A1", "A2"])
    assert outcome.failed
    assert results(outcome) == {"A1": "failed", "A2": "revoked"}
    assert "the certificate is valid, so the revoke did not take effect" in outcome.result["certificates"][0]["detail"]
    assert "First failure, certificate A1: Failed: 503." in outcome.result["msg"]
    assert "Run the task again" in outcome.result["msg"]
    assert outcome.result["changed"] is True
    assert len(api.posts) == 2


# Revoke paths


def test_auto_without_hint_fails_before_post():
    api = FakeCertificateAPI(raw_certificate("A1", issued=None))
    outcome = run(api, serial_numbers=["A1"])
    assert outcome.failed
    assert "set revoke_type" in outcome.result["msg"]
    assert api.posts == []
    explicit = run(api, serial_numbers=["A1"], revoke_type="single")
    assert not explicit.failed
    assert results(explicit) == {"A1": "revoked"}
    assert api.posts[0][1] == SINGLE


def test_missing_transaction_id_fails_before_post():
    api = FakeCertificateAPI(raw_certificate("A1", transactionId=None))
    outcome = run(api, serial_numbers=["A1"])
    assert outcome.failed
    assert "no transaction id" in outcome.result["msg"]
    assert api.posts == []


def test_wrong_explicit_type_fails_once(api):
    outcome = run(api, serial_numbers=["A1"], revoke_type="acme")
    assert outcome.failed
    assert "issued through Single" in outcome.result["certificates"][0]["detail"]
    assert len(api.posts) == 1


# Approver revocation


def _completed_request_api(*other_requests):
    """Return an API with the completed SSL request t1, whose certificate is valid."""
    not_after = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    chain = make_chain(("app.example.org",), serial=0x77, not_after=not_after)
    completed = raw_request("t1", "Completed", certificate=chain.leaf_pem, pemBundle=openssl_bundle(chain))
    return FakeCertificateAPI(requests=[completed, *other_requests])


def test_transaction_ids_use_approver_path():
    api = _completed_request_api(raw_request("t2", "Pending"))
    outcome = run(api, transaction_ids=["t1", "t2"], certificate_type="ssl", missing="ignore")
    assert not outcome.failed, outcome.result
    by_transaction = {record["transaction_id"]: record["result"] for record in outcome.result["certificates"]}
    assert by_transaction == {"t1": "revoked", "t2": "not_found"}
    assert api.posts[0][1] == "/cm/v1/enterprise/revoke/ssl"
    again = run(api, transaction_ids=["t1"], certificate_type="ssl")
    assert again.result["changed"] is False
    assert len(api.posts) == 1


def _by_transaction(outcome):
    return {record["transaction_id"]: record["result"] for record in outcome.result["certificates"]}


@pytest.mark.parametrize("status, result", [(400, "already_revoked"), (409, "already_revoked"), (403, "failed")])
def test_approver_already_revoked_answer(status, result):
    api = _completed_request_api()
    api.fail_next("POST", APPROVER_SSL, _rejection_error(status, APPROVER_SSL))
    outcome = run(api, transaction_ids=["t1"], certificate_type="ssl")
    assert _by_transaction(outcome) == {"t1": result}
    assert outcome.failed is (result == "failed")
    assert outcome.result["changed"] is False
    assert len(api.posts) == 1


@pytest.mark.parametrize("status", [400, 403, 500])
def test_approver_revoke_rejected(status):
    api = _completed_request_api()
    error = _rejection_error(status, APPROVER_SSL, "Revocation refused for testing")
    if status == 500:
        error = HaricaServerError(error.message, method="POST", path=APPROVER_SSL, status=500,
                                  server_message=error.server_message, outcome_unknown=True)
    api.fail_next("POST", APPROVER_SSL, error)
    outcome = run(api, transaction_ids=["t1"], certificate_type="ssl")
    assert outcome.failed
    assert _by_transaction(outcome) == {"t1": "failed"}
    assert "Revocation refused for testing" in outcome.result["msg"]
    assert outcome.result["changed"] is False
    assert len(api.posts) == 1


def test_approver_lost_response_rereads():
    api = _completed_request_api()
    dropped = HaricaConnectionError("dropped.", method="POST", path=APPROVER_SSL, outcome_unknown=True)
    api.fail_next("POST", APPROVER_SSL, dropped, apply_first=True)
    outcome = run(api, transaction_ids=["t1"], certificate_type="ssl")
    assert not outcome.failed, outcome.result
    assert _by_transaction(outcome) == {"t1": "revoked"}
    assert outcome.result["changed"] is True
    assert len(api.posts) == 1
    assert [call[1] for call in api.calls].count("/cm/v1/enterprise/requests/ssl/id/t1") == 2
    assert any("took effect" in warning for warning in outcome.result["warnings"])


def test_transaction_ids_need_type():
    outcome = run(FakeCertificateAPI(), transaction_ids=["t1"])
    assert outcome.failed
    assert "certificate_type" in outcome.result["msg"]
