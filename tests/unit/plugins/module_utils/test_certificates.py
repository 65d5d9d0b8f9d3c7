"""Tests of certificate records: names, types, issuance hints, status, filters."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    CertificateStore,
    certificate_names,
    certificate_type,
    filter_certificates,
    issuance_method,
    name_matches,
    normalize_certificate,
    parse_sans,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import make_chain, openssl_bundle
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI, raw_certificate

NOW = datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    "text, dns, emails",
    [
        ("DNS Name=a.example.org, DNS Name=WWW.A.example.org.", ["a.example.org", "www.a.example.org"], []),
        ("RFC822 Name=Maria@Example.org", [], ["maria@example.org"]),
        ("DNS:a.example.org, email:x@example.org", ["a.example.org"], ["x@example.org"]),
        ("IP Address=192.0.2.1, DNS Name=b.example.org", ["b.example.org"], []),
        (None, [], []),
        ("", [], []),
    ],
)
def test_parse_sans(text, dns, emails):
    assert parse_sans(text) == (dns, emails)


@pytest.mark.parametrize(
    "word, usages, expected",
    [
        ("SSL OV", (), "ssl"),
        ("EV", (), "ssl"),
        ("S/MIME", (), "smime"),
        ("email_only", (), "smime"),
        ("Client Auth", (), "clientauth"),
        ("CLIENT_AUTHENTICATION_IV", (), "clientauth"),
        (None, ("serverAuth", "clientAuth"), "ssl"),
        (None, ("clientAuth",), "clientauth"),
        (None, ("emailProtection",), "smime"),
        ("Something", (), None),
    ],
)
def test_certificate_type(word, usages, expected):
    assert certificate_type(word, usages) == expected


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"issuanceType": "Bulk"}, "bulk"),
        ({"IssuanceType": "ACME"}, "acme"),
        ({"issuanceType": "single"}, "single"),
        ({"isBulk": True, "isAcme": False}, "bulk"),
        ({"isBulk": False, "isAcme": True}, "acme"),
        ({"isBulk": False, "isAcme": False}, "single"),
        ({}, None),
        ({"issuanceType": "Manual"}, None),
    ],
)
def test_issuance_method(fields, expected):
    assert issuance_method(Record(fields)) == expected


@pytest.mark.parametrize(
    "pattern, name, wildcards, expected",
    [
        ("www.example.org", "www.example.org", False, True),
        ("*.example.org", "www.example.org", False, False),
        ("*.example.org", "www.example.org", True, True),
        ("*.example.org", "example.org", True, False),
        ("*.example.org", "a.b.example.org", True, False),
        ("*.example.org", "*.example.org", False, True),
    ],
)
def test_name_matches(pattern, name, wildcards, expected):
    assert name_matches(pattern, name, match_wildcards=wildcards) is expected


def test_normalize_from_record_fields():
    raw = raw_certificate("00a1b2", ["App.Example.org.", "xn--bcher-kva.example"], issued="Bulk")
    record = normalize_certificate(raw, now=NOW)
    assert record["serial_number"] == "A1B2"
    assert record["type"] == "ssl"
    assert record["dns_names"] == ["app.example.org", "xn--bcher-kva.example"]
    assert record["status"] == "valid"
    assert record["issued_via"] == "bulk"
    assert record["not_after"] == "2030-01-01T00:00:00Z"
    assert record["days_remaining"] == 1124
    assert record["transaction_id"] == "tx-00a1b2"


def test_normalize_prefers_pem():
    chain = make_chain(("pem.example.org",), serial=0xBEEF)
    raw = raw_certificate("0000beef", ["wrong.example.org"], certificate=chain.leaf_pem, pemBundle=openssl_bundle(chain))
    record = normalize_certificate(raw, now=NOW)
    assert record["serial_number"] == "BEEF"
    assert record["dns_names"] == ["pem.example.org"]
    assert record["not_after"] == "2026-07-20T12:00:00Z"
    assert record["status"] == "expired"
    assert record["chain"] == [chain.ca_pem]


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"isRevoked": True}, "revoked"),
        ({"isRevoked": True, "validTo": "2020-01-01T00:00:00"}, "revoked"),
        ({"revokedAt": "2026-06-01T00:00:00"}, "revoked"),
        ({"validTo": "2026-12-03T23:59:59"}, "expired"),
        ({"validTo": "2026-12-04T00:00:01"}, "valid"),
    ],
)
def test_normalize_status(fields, status):
    assert normalize_certificate(raw_certificate("1", **{"validTo": fields.pop("validTo", "2030-01-01"), **fields}),
                                 now=NOW)["status"] == status


def test_common_name_from_dn():
    raw = {"serial": "1", "dN": "CN=dn.example.org, O=Example, C=GR"}
    record = normalize_certificate(raw, now=NOW)
    assert record["common_name"] == "dn.example.org"
    assert certificate_names(record) == ["dn.example.org"]


def test_email_common_name_is_not_a_host():
    record = normalize_certificate({"serial": "1", "commonName": "maria@example.org"}, now=NOW)
    assert certificate_names(record) == []


def test_find_serials_falls_back_to_full_list():
    api = FakeCertificateAPI(raw_certificate("00ab"), raw_certificate("CD"))
    store = CertificateStore(api, now=NOW)
    found = store.find_serials([0xAB, 0xCD, 0xEF])
    assert found[0xAB]["serial_number"] == "AB"
    assert found[0xCD]["serial_number"] == "CD"
    assert found[0xEF] is None
    paths = [call[1] for call in api.calls]
    assert paths.count("/cm/v1/admin/certificates") == 1


def test_by_status_checks_locally():
    api = FakeCertificateAPI(raw_certificate("1"), raw_certificate("2", revoked=True))
    api.get_json = lambda path, action: [raw_certificate("1"), raw_certificate("2", revoked=True)]
    store = CertificateStore(api, now=NOW)
    assert [record["serial_number"] for record in store.by_status("valid")] == ["1"]


def test_filters():
    records = [
        normalize_certificate(raw_certificate("1", ["a.example.org"]), now=NOW),
        normalize_certificate(raw_certificate("2", ["*.example.org"], validTo="2026-12-20T00:00:00"), now=NOW),
        normalize_certificate(raw_certificate("3", [], certificateType="S/MIME", sANS="RFC822 Name=M@example.org"),
                              now=NOW),
        normalize_certificate(raw_certificate("4", ["b.example.org"], revoked=True), now=NOW),
    ]

    def serials(**filters):
        return [record["serial_number"] for record in filter_certificates(records, now=NOW, **filters)]

    assert serials() == ["1", "2", "3", "4"]
    assert serials(statuses=["valid"]) == ["1", "2", "3"]
    assert serials(hostnames=["www.example.org"]) == []
    assert serials(hostnames=["www.example.org"], match_wildcards=True) == ["2"]
    assert serials(emails=["m@example.org"]) == ["3"]
    assert serials(types=["smime"]) == ["3"]
    assert serials(expires_within_days=30) == ["2"]
    assert serials(expires_within_days=10) == []
