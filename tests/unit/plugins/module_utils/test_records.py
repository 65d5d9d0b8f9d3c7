"""Tests of record normalisation: key casing, list shapes, statuses, PEM forms."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaResponseError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    assemble_chain,
    certificate_details,
    pem_blocks,
    to_pem,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import (
    LIST_WRAPPER_KEYS,
    Record,
    extract_list,
    extract_one,
    normalize_request,
    normalize_request_status,
)
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import (
    NOT_AFTER,
    make_chain,
    openssl_bundle,
)

NOW = datetime.datetime(2026, 7, 1, tzinfo=datetime.timezone.utc)
PATH = "/cm/v1/enterprise/requests/ssl"


@pytest.fixture(scope="module")
def chain():
    return make_chain(("app.example.org", "www.app.example.org"))


def camel_record(chain, **changes):
    record = {
        "transactionId": "7c6a1f0e-0000-4000-8000-000000000001",
        "transactionStatus": "Completed",
        "transactionTypeName": "OV",
        "domains": [{"fqdn": "App.Example.org.", "includesWWW": True}],
        "dN": "CN=app.example.org, O=Example, C=GR",
        "userEmail": "dev@example.org",
        "user": "Dev Eloper",
        "friendlyName": None,
        "requestedAt": "2026-06-30T08:00:00.1234567",
        "reviewedAt": "2026-06-30T09:00:00",
        "reviewedBy": "approver@example.org",
        "isHighRisk": False,
        "isRevoked": False,
        "certificateValidTo": "2026-07-20T12:00:00",
        "certificate": chain.leaf_pem,
        "pemBundle": openssl_bundle(chain),
    }
    record.update(changes)
    return record


def recase(value, style):
    if isinstance(value, list):
        return [recase(item, style) for item in value]
    if not isinstance(value, dict):
        return value
    convert = {"pascal": lambda key: key[0].upper() + key[1:], "lower": str.lower}[style]
    return {convert(key): recase(item, style) for key, item in value.items()}


# Field access and list shapes


def test_record_get_ignores_case():
    record = Record({"DN": "CN=x", "sANS": "DNS Name=x", "empty": None})
    assert record.get("dN") == "CN=x"
    assert record.get("Sans") == "DNS Name=x"
    assert record.get("empty", "missing", default="d") == "d"


@pytest.mark.parametrize("value, expected", [(True, True), ("true", True), ("False", False), (None, False), (0, False)])
def test_record_flag(value, expected):
    assert Record({"isHighRisk": value}).flag("ishighrisk") is expected


def test_extract_list_bare_array():
    assert extract_list([{"a": 1}, "noise"], path=PATH) == [{"a": 1}]


@pytest.mark.parametrize("key", LIST_WRAPPER_KEYS + ("Items", "DATA"))
def test_extract_list_wrapped(key):
    assert extract_list({key: [{"a": 1}], "total": 1}, path=PATH) == [{"a": 1}]


@pytest.mark.parametrize("payload", [None, "", []])
def test_extract_list_empty(payload):
    assert extract_list(payload, path=PATH) == []


def test_extract_list_unknown_object():
    with pytest.raises(HaricaResponseError, match=r"object with the keys \['count'\] where a list was expected"):
        extract_list({"count": 3}, path=PATH)


def test_extract_list_scalar():
    with pytest.raises(HaricaResponseError, match="returned a int where a list"):
        extract_list(5, path=PATH)


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"transactionId": "a"}, {"transactionId": "a"}),
        ([{"transactionId": "a"}], {"transactionId": "a"}),
        ({"data": [{"transactionId": "a"}]}, {"transactionId": "a"}),
        ([], None),
        ({}, None),
        (None, None),
    ],
)
def test_extract_one(payload, expected):
    assert extract_one(payload, path=PATH) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("Pending", "pending"),
        ("READY", "ready"),
        ("Completed", "completed"),
        ("Cancelled", "cancelled"),
        ("Canceled", "cancelled"),
        (None, "unknown"),
        ("Frozen", "frozen"),
    ],
)
def test_normalize_request_status(word, expected):
    assert normalize_request_status(word) == expected


# Requests


def test_normalize_request_camel(chain):
    request = normalize_request(camel_record(chain), request_type="ssl", now=NOW)
    assert request["transaction_id"] == "7c6a1f0e-0000-4000-8000-000000000001"
    assert request["status"] == "completed"
    assert request["product"] == "OV"
    assert request["domains"] == [{"name": "app.example.org", "includes_www": True}]
    assert request["names"] == ["app.example.org", "www.app.example.org"]
    assert request["requester_email"] == "dev@example.org"
    assert request["requested_at"] == "2026-06-30T08:00:00Z"
    assert request["reviewed_at"] == "2026-06-30T09:00:00Z"
    assert request["serial_number"] == "A1B2C3D4"
    assert request["not_after"] == "2026-07-20T12:00:00Z"
    assert request["days_remaining"] == 19
    assert request["certificate"] == chain.leaf_pem
    assert request["chain"] == [chain.ca_pem]
    assert request["raw"]["transactionStatus"] == "Completed"


@pytest.mark.parametrize("style", ["pascal", "lower"])
def test_normalize_request_other_casing(chain, style):
    expected = normalize_request(camel_record(chain), request_type="ssl", now=NOW)
    other = normalize_request(recase(camel_record(chain), style), request_type="ssl", now=NOW)
    expected.pop("raw")
    other.pop("raw")
    assert other == expected


def test_normalize_request_canceled_spelling(chain):
    record = camel_record(chain, transactionStatus="Canceled", certificate=None, pemBundle=None)
    assert normalize_request(record, request_type="ssl", now=NOW)["status"] == "cancelled"


def test_normalize_request_der_certificate(chain):
    record = camel_record(chain, certificate=chain.leaf_der_base64)
    request = normalize_request(record, request_type="ssl", now=NOW)
    assert request["certificate"] == chain.leaf_pem
    assert request["chain"] == [chain.ca_pem]


def test_normalize_request_without_pem(chain):
    record = camel_record(chain, certificate=None, pemBundle=None)
    request = normalize_request(record, request_type="ssl", now=NOW)
    assert request["certificate"] is None
    assert request["chain"] == []
    assert request["serial_number"] is None
    assert request["not_after"] == "2026-07-20T12:00:00Z"


def test_normalize_request_pending_minimal():
    request = normalize_request(
        {"transactionId": "x", "transactionStatus": "Pending", "domains": ["a.example.org"]},
        request_type="ssl",
        now=NOW,
    )
    assert request["status"] == "pending"
    assert request["names"] == ["a.example.org"]
    assert request["not_after"] is None
    assert request["days_remaining"] is None
    assert request["is_high_risk"] is False


def test_normalize_request_bad_timestamp(chain):
    with pytest.raises(HaricaResponseError, match="'yesterday' in requestedAt, which is not a timestamp"):
        normalize_request(camel_record(chain, requestedAt="yesterday"), request_type="ssl", now=NOW)


def test_www_flag_on_www_domain_adds_nothing():
    record = {"transactionId": "x", "domains": [{"fqdn": "www.example.org", "includesWWW": True}]}
    assert normalize_request(record, request_type="ssl", now=NOW)["names"] == ["www.example.org"]


# PEM forms


def test_pem_blocks_skip_openssl_headers(chain):
    assert pem_blocks(openssl_bundle(chain)) == [chain.leaf_pem, chain.ca_pem]


def test_pem_blocks_rewrap_crlf(chain):
    assert pem_blocks(chain.leaf_pem.replace("\n", "\r\n")) == [chain.leaf_pem]


@pytest.mark.parametrize("value", [None, "", "not a certificate", "aGVsbG8=", 5])
def test_to_pem_rejects_non_certificates(value):
    assert to_pem(value) is None


def test_assemble_chain_from_bundle_only(chain):
    assert assemble_chain(None, openssl_bundle(chain)) == (chain.leaf_pem, [chain.ca_pem])


def test_certificate_details_are_aware(chain):
    details = certificate_details(chain.leaf_pem)
    assert details["serial_number"] == "A1B2C3D4"
    assert details["not_after"] == NOT_AFTER
    assert details["not_after"].tzinfo is not None
    assert details["dns_names"] == ["app.example.org", "www.app.example.org"]
    assert details["common_name"] == "app.example.org"


def test_certificate_details_with_naive_cryptography(chain, monkeypatch):
    """Before cryptography 42 only naive validity properties existed; they are read as UTC."""
    from ansible_collections.harica.certmanager.plugins.module_utils import _pem

    class OldCertificate:
        not_valid_before = NOT_AFTER.replace(tzinfo=None) - datetime.timedelta(days=200)
        not_valid_after = NOT_AFTER.replace(tzinfo=None)

    assert _pem._aware(OldCertificate(), "not_valid_after") == NOT_AFTER
    assert _pem._aware(OldCertificate(), "not_valid_before").tzinfo is not None


def test_extract_one_record_with_wrapper_key():
    user = {"email": "a@example.org", "certificates": []}
    assert extract_one(user, path=PATH, record_keys=("email",)) == user
    assert extract_one({"certificates": [{"serial": "1"}]}, path=PATH, record_keys=("email",)) == {"serial": "1"}
