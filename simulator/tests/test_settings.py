"""Response-shape settings: each alternative, and validation of unknown keys and values."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from cryptography import x509

from harica_simulator.testing import ControlError

SSL_LIST = "/cm/v1/enterprise/requests/ssl"
DEFAULTS = {
    "list_wrapper": None,
    "key_case": "camel",
    "cancelled_spelling": "Cancelled",
    "certificate_encoding": "pem",
    "serial_style": "upper",
    "permission_denied": "redirect",
    "issuance_delay_seconds": 0,
    "ssl_validity_days": 199,
    "issuance_hint": "field",
    "already_revoked": "error",
    "bulk_key_type": "ec-p256",
    "p7b_encoding": "der",
    "list_transfer": "chunked",
}


def completed_request(world) -> str:
    transaction_id = world.seed()
    world.approver.accept(transaction_id)
    return transaction_id


def test_defaults(control):
    assert control.settings() == DEFAULTS


@pytest.mark.parametrize("wrapper", ["certificates", "items", "results", "data"])
def test_list_wrapper(world, wrapper):
    transaction_id = world.seed()
    world.control.settings(list_wrapper=wrapper)

    body = world.approver.get(SSL_LIST).json()

    assert list(body) == [wrapper]
    assert [r["transactionId"] for r in body[wrapper]] == [transaction_id]


def test_list_wrapper_back_to_bare_array(world):
    world.seed()
    world.control.settings(list_wrapper="items")
    world.control.settings(list_wrapper=None)

    assert isinstance(world.approver.get(SSL_LIST).json(), list)


def test_key_case_pascal(world):
    transaction_id = world.seed()
    world.control.settings(key_case="pascal", list_wrapper="items")

    body = world.approver.get(SSL_LIST).json()

    record = body["Items"][0]
    assert record["TransactionId"] == transaction_id
    assert record["DN"].startswith("CN=")
    assert record["Domains"][0]["IncludesWWW"] is False
    assert "transactionId" not in record


def test_key_case_lower(world):
    transaction_id = world.seed()
    world.control.settings(key_case="lower")

    record = world.approver.request(transaction_id).json()

    assert record["transactionid"] == transaction_id
    assert record["dn"].startswith("CN=")
    assert record["domains"][0]["includeswww"] is False


def test_key_case_applies_to_errors(world):
    world.control.settings(key_case="pascal")

    response = world.approver.request("00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert list(response.json()) == ["Message"]


def test_cancelled_spelling(world):
    transaction_id = world.seed()
    world.approver.cancel(transaction_id)
    world.control.settings(cancelled_spelling="Canceled")

    listed = world.approver.get("/cm/v1/enterprise/requests/ssl/list/cancelled").json()

    assert [r["transactionStatus"] for r in listed] == ["Canceled"]
    assert world.approver.request(transaction_id).json()["transactionStatus"] == "Canceled"


def test_certificate_encoding_der_base64(world):
    transaction_id = completed_request(world)
    world.control.settings(certificate_encoding="der_base64")

    record = world.approver.request(transaction_id).json()

    assert "BEGIN" not in record["certificate"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(record["certificate"]))
    state = world.control.request_state(transaction_id)
    assert certificate == x509.load_pem_x509_certificate(state["certificate_pem"].encode())
    assert "-----BEGIN CERTIFICATE-----" in record["pemBundle"]


def test_serial_style_upper(world):
    transaction_id = completed_request(world)

    state = world.control.request_state(transaction_id)

    certificate = x509.load_pem_x509_certificate(state["certificate_pem"].encode())
    assert state["serial"] == format(certificate.serial_number, "X")
    assert not state["serial"].startswith("0")


def test_serial_style_lower_padded(world):
    transaction_id = completed_request(world)
    world.control.settings(serial_style="lower_padded")

    serial = world.control.request_state(transaction_id)["serial"]

    assert serial == serial.lower()
    assert len(serial) % 2 == 0
    assert len(serial) >= 32
    certificate = x509.load_pem_x509_certificate(world.control.request_state(transaction_id)["certificate_pem"].encode())
    assert int(serial, 16) == certificate.serial_number


def test_ssl_validity_days(world):
    world.control.settings(ssl_validity_days=47)
    transaction_id = completed_request(world)

    state = world.control.request_state(transaction_id)

    certificate = x509.load_pem_x509_certificate(state["certificate_pem"].encode())
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime.days == 47
    valid_to = world.approver.request(transaction_id).json()["certificateValidTo"]
    assert datetime.fromisoformat(valid_to[:26]) == certificate.not_valid_after_utc.replace(tzinfo=None)


def test_partial_update_keeps_others(control):
    control.settings(key_case="lower")

    settings = control.settings(issuance_delay_seconds=2.5)

    assert settings["key_case"] == "lower"
    assert settings["issuance_delay_seconds"] == 2.5


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"colour": "blue"}, "colour"),
        ({"key_case": "snake"}, "key_case"),
        ({"list_wrapper": "rows"}, "list_wrapper"),
        ({"cancelled_spelling": "cancelled"}, "cancelled_spelling"),
        ({"certificate_encoding": "der"}, "certificate_encoding"),
        ({"serial_style": "lower"}, "serial_style"),
        ({"permission_denied": "401"}, "permission_denied"),
        ({"issuance_delay_seconds": -1}, "issuance_delay_seconds"),
        ({"issuance_delay_seconds": True}, "issuance_delay_seconds"),
        ({"ssl_validity_days": 0}, "ssl_validity_days"),
        ({"ssl_validity_days": 1.5}, "ssl_validity_days"),
        ({"issuance_hint": "flag"}, "issuance_hint"),
        ({"issuance_hint": None}, "issuance_hint"),
        ({"already_revoked": "ignore"}, "already_revoked"),
    ],
)
def test_invalid_setting_is_400(control, changes, named):
    with pytest.raises(ControlError) as caught:
        control.settings(**changes)

    assert caught.value.status == 400
    assert named in caught.value.message
    assert control.settings() == DEFAULTS


def test_invalid_value_message_lists_allowed(control):
    with pytest.raises(ControlError) as caught:
        control.settings(key_case="snake")

    assert '"camel", "pascal", "lower"' in caught.value.message


def test_rejected_update_changes_nothing(control):
    with pytest.raises(ControlError):
        control.call("PUT", "settings", {"key_case": "lower", "ssl_validity_days": -5})

    assert control.settings()["key_case"] == "camel"
