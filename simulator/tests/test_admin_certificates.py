"""Admin certificate endpoints: record shape, lists by status, serial search, settings."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography import x509

from sim_support import REQUESTER

CERTIFICATES = "/cm/v1/admin/certificates"
PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.S)
RECORD_KEYS = [
    "serial",
    "certificateType",
    "commonName",
    "dN",
    "issuerDN",
    "sANS",
    "validFrom",
    "validTo",
    "certificateValidTo",
    "isRevoked",
    "revokedAt",
    "revocationCode",
    "userEmail",
    "user",
    "friendlyName",
    "transactionId",
    "organizationId",
    "keyType",
    "certificate",
    "pemBundle",
    "issuanceType",
]


def serials(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["serial"] for record in response.json()]


def issued_through_request(world) -> tuple[str, dict]:
    transaction_id = world.seed(["www.example.org"])
    assert world.approver.accept(transaction_id).status_code == 200
    listed = world.admin.get(CERTIFICATES).json()
    return transaction_id, listed[0]


def test_default_record_shape(world):
    seeded = world.control.create_certificate(
        names=["a.example.org", "www.a.example.org"],
        requester_email=REQUESTER,
        requester_name="Requester Person",
        friendly_name="web front end",
    )

    record = world.admin.get(f"{CERTIFICATES}/serial/{seeded['serial']}").json()

    assert list(record) == RECORD_KEYS
    assert record == seeded
    certificate = x509.load_pem_x509_certificate(record["certificate"].encode())
    assert record["serial"] == format(certificate.serial_number, "X")
    assert record["certificateType"] == "SSL OV"
    assert record["commonName"] == "a.example.org"
    assert record["dN"] == "CN=a.example.org, O=Example University, C=GR"
    assert record["issuerDN"] == "CN=HARICA Simulator SSL Issuing CA, O=harica-simulator, C=GR"
    assert record["sANS"] == "DNS Name=a.example.org, DNS Name=www.a.example.org"
    assert record["isRevoked"] is False
    assert record["revokedAt"] is None
    assert record["revocationCode"] is None
    assert record["userEmail"] == REQUESTER
    assert record["user"] == "Requester Person"
    assert record["friendlyName"] == "web front end"
    assert record["organizationId"] == world.organization_id
    assert record["keyType"] == "EC P-256"
    assert record["issuanceType"] == "Single"


def test_record_timestamps(world):
    record = world.control.create_certificate(
        names=["t.example.org"], not_before="2026-01-02T03:04:05Z", not_after="2026-07-01T00:00:00"
    )

    assert record["validFrom"] == "2026-01-02T03:04:05.0000000"
    assert record["validTo"] == "2026-07-01T00:00:00.0000000"
    assert record["certificateValidTo"] == record["validTo"]


def test_pem_bundle_holds_leaf_and_issuing_ca(world):
    record = world.control.create_certificate(names=["b.example.org"])
    issuing = x509.load_pem_x509_certificate(world.control.ca()["issuing_ca_pem"].encode())

    blocks = PEM_BLOCK.findall(record["pemBundle"])

    assert blocks[0] == record["certificate"]
    assert x509.load_pem_x509_certificate(blocks[1].encode()) == issuing
    assert record["pemBundle"].startswith("subject=C = GR, O = Example University, CN = b.example.org\nissuer=")


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"product": "DV"}, "SSL DV"),
        ({"product": "EV"}, "SSL EV"),
        ({"type": "smime", "emails": ["p@example.org"]}, "S/MIME"),
        ({"type": "clientauth", "emails": ["p@example.org"]}, "Client Auth"),
    ],
)
def test_certificate_type_labels(world, options, expected):
    if "emails" not in options:
        options = {**options, "names": ["label.example.org"]}

    record = world.control.create_certificate(**options)

    assert record["certificateType"] == expected


def test_request_certificate_is_ssl_single(world):
    transaction_id, record = issued_through_request(world)

    assert record["transactionId"] == transaction_id
    assert record["certificateType"] == "SSL OV"
    assert record["issuanceType"] == "Single"
    assert record["userEmail"] == REQUESTER
    assert record["friendlyName"] == "www.example.org"
    assert record["serial"] == world.control.request_state(transaction_id)["serial"]


def test_list_is_in_issuance_order(world):
    seeded = [world.control.create_certificate(names=[f"o{index}.example.org"])["serial"] for index in range(3)]

    assert serials(world.admin.get(CERTIFICATES)) == seeded


def test_lists_by_status_follow_clock(world):
    world.control.set_clock("2027-01-01T00:00:00Z")
    short = world.control.create_certificate(names=["short.example.org"], validity_days=10)["serial"]
    long = world.control.create_certificate(names=["long.example.org"], validity_days=100)["serial"]
    revoked = world.control.create_certificate(
        names=["gone.example.org"], validity_days=10, revoked={"reason_code": "4.9.1.1.1.1"}
    )["serial"]

    assert serials(world.admin.get(f"{CERTIFICATES}/list/valid")) == [short, long]
    assert serials(world.admin.get(f"{CERTIFICATES}/list/expired")) == []
    assert serials(world.admin.get(f"{CERTIFICATES}/list/revoked")) == [revoked]

    world.control.set_clock("2027-02-01T00:00:00Z")

    assert serials(world.admin.get(f"{CERTIFICATES}/list/valid")) == [long]
    assert serials(world.admin.get(f"{CERTIFICATES}/list/expired")) == [short]
    assert serials(world.admin.get(f"{CERTIFICATES}/list/revoked")) == [revoked]
    assert world.control.certificate_state(short)["status"] == "expired"
    assert world.control.certificate_state(revoked)["status"] == "revoked"


def test_list_status_word_ignores_case(world):
    serial = world.control.create_certificate(names=["case.example.org"])["serial"]

    assert serials(world.admin.get(f"{CERTIFICATES}/list/VALID")) == [serial]


def test_unknown_list_status_is_400(world):
    response = world.admin.get(f"{CERTIFICATES}/list/active")

    assert response.status_code == 400
    assert "'active'" in response.json()["message"]


def test_past_not_after_is_expired(world):
    record = world.control.create_certificate(names=["old.example.org"], not_after="2020-01-01T00:00:00Z")

    assert serials(world.admin.get(f"{CERTIFICATES}/list/expired")) == [record["serial"]]
    assert record["validFrom"] == "2019-06-16T00:00:00.0000000"


def test_lists_cover_only_admin_enterprises(world):
    other = world.control.create_enterprise("Other College", ["other.example"])
    world.control.create_user("scoped@example.org", ["enterprise_admin"], enterprise_ids=[other["organization_id"]],
                               api_key="scoped-admin-key")
    mine = world.control.create_certificate(names=["mine.example.org"], organization_id=world.organization_id)
    theirs = world.control.create_certificate(names=["www.other.example"], organization_id=other["organization_id"])
    scoped = world.client("scoped-admin-key")

    assert serials(scoped.get(CERTIFICATES)) == [theirs["serial"]]
    assert serials(world.admin.get(CERTIFICATES)) == [mine["serial"], theirs["serial"]]
    assert scoped.get(f"{CERTIFICATES}/serial/{mine['serial']}").status_code == 404


def test_serial_search_upper_style(world):
    record = world.control.create_certificate(names=["s.example.org"], serial="00AB12CD")

    assert record["serial"] == "AB12CD"
    assert world.admin.get(f"{CERTIFICATES}/serial/AB12CD").status_code == 200
    assert world.admin.get(f"{CERTIFICATES}/serial/ab12cd").status_code == 200
    assert world.admin.get(f"{CERTIFICATES}/serial/0AB12CD").status_code == 404
    assert world.admin.get(f"{CERTIFICATES}/serial/00ab12cd").status_code == 404


def test_serial_search_lower_padded_style(world):
    world.control.create_certificate(names=["s.example.org"], serial="AB12CD")
    world.control.settings(serial_style="lower_padded")
    padded = "ab12cd".rjust(32, "0")

    found = world.admin.get(f"{CERTIFICATES}/serial/{padded}")

    assert found.status_code == 200
    assert found.json()["serial"] == padded
    assert world.admin.get(f"{CERTIFICATES}/serial/{padded.upper()}").status_code == 200
    assert world.admin.get(f"{CERTIFICATES}/serial/ab12cd").status_code == 404
    assert world.admin.get(f"{CERTIFICATES}/serial/AB12CD").status_code == 404


def test_serial_search_misses(world):
    world.control.create_certificate(names=["m.example.org"], serial="AB12CD")

    for text in ("AB12CE", "not-hex", "0", "0xAB12CD"):
        response = world.admin.get(f"{CERTIFICATES}/serial/{text}")
        assert response.status_code == 404, text
        assert text in response.json()["message"]


def test_issuance_hint_field(world):
    for issued_via, expected in (("single", "Single"), ("bulk", "Bulk"), ("acme", "ACME")):
        world.control.create_certificate(names=[f"{issued_via}.example.org"], issued_via=issued_via)

    records = world.admin.get(CERTIFICATES).json()

    assert [record["issuanceType"] for record in records] == ["Single", "Bulk", "ACME"]
    assert all("isBulk" not in record and "isAcme" not in record for record in records)


def test_issuance_hint_flags(world):
    for issued_via in ("single", "bulk", "acme"):
        world.control.create_certificate(names=[f"{issued_via}.example.org"], issued_via=issued_via)
    world.control.settings(issuance_hint="flags")

    records = world.admin.get(CERTIFICATES).json()

    assert [(record["isBulk"], record["isAcme"]) for record in records] == [
        (False, False),
        (True, False),
        (False, True),
    ]
    assert all("issuanceType" not in record for record in records)


def test_issuance_hint_none(world):
    world.control.create_certificate(names=["bulk.example.org"], issued_via="bulk")
    world.control.settings(issuance_hint="none")

    record = world.admin.get(CERTIFICATES).json()[0]

    assert "issuanceType" not in record
    assert "isBulk" not in record
    assert "isAcme" not in record


def test_seed_record_follows_issuance_hint(world):
    world.control.settings(issuance_hint="flags")

    record = world.control.create_certificate(names=["hint.example.org"], issued_via="acme")

    assert record["isAcme"] is True
    assert "issuanceType" not in record


def test_list_wrapper_applies(world):
    serial = world.control.create_certificate(names=["w.example.org"])["serial"]
    world.control.settings(list_wrapper="certificates")

    body = world.admin.get(f"{CERTIFICATES}/list/valid").json()

    assert list(body) == ["certificates"]
    assert [record["serial"] for record in body["certificates"]] == [serial]


def test_key_case_applies(world):
    serial = world.control.create_certificate(names=["k.example.org"])["serial"]
    world.control.settings(key_case="pascal")

    record = world.admin.get(f"{CERTIFICATES}/serial/{serial}").json()

    assert record["Serial"] == serial
    assert record["SANS"] == "DNS Name=k.example.org"
    assert record["DN"].startswith("CN=k.example.org")
    assert record["IssuerDN"].startswith("CN=HARICA")
    assert "serial" not in record


def test_seed_record_keys_stay_camel(world):
    world.control.settings(key_case="lower")

    record = world.control.create_certificate(names=["camel.example.org"])

    assert "sANS" in record


def test_certificate_encoding_applies(world):
    seeded = world.control.create_certificate(names=["der.example.org"])
    world.control.settings(certificate_encoding="der_base64")

    record = world.admin.get(f"{CERTIFICATES}/serial/{seeded['serial']}").json()

    der = base64.b64decode(record["certificate"], validate=True)
    assert x509.load_der_x509_certificate(der) == x509.load_pem_x509_certificate(seeded["certificate"].encode())
    assert "-----BEGIN CERTIFICATE-----" in record["pemBundle"]


def test_revoked_seed_record(world):
    record = world.control.create_certificate(
        names=["r.example.org"], revoked={"reason_code": "4.9.1.1.1.3", "at": "2026-12-01T10:00:00Z"}
    )

    assert record["isRevoked"] is True
    assert record["revokedAt"] == "2026-12-01T10:00:00.0000000"
    assert record["revocationCode"] == "4.9.1.1.1.3"


def test_without_transaction_id(world):
    record = world.control.create_certificate(names=["notx.example.org"], with_transaction_id=False)

    assert "transactionId" not in record
    assert "transactionId" not in world.admin.get(CERTIFICATES).json()[0]
    assert world.control.certificate_state(record["serial"])["transaction_id"] is None


@pytest.mark.parametrize("path", [CERTIFICATES, f"{CERTIFICATES}/list/valid", f"{CERTIFICATES}/serial/AB"])
def test_approver_key_is_redirected(world, path):
    response = world.approver.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?ReturnUrl=")


def test_approver_key_gets_403_with_status_setting(world):
    world.control.settings(permission_denied="status")

    response = world.approver.get(CERTIFICATES)

    assert response.status_code == 403
    assert "enterprise_admin" in response.json()["message"]


def test_admin_list_issues_due_requests(world):
    world.control.settings(issuance_delay_seconds=60)
    transaction_id = world.seed(["due.example.org"])
    world.approver.accept(transaction_id)

    assert world.admin.get(CERTIFICATES).json() == []
    world.control.set_clock(offset_seconds=61)
    assert [record["transactionId"] for record in world.admin.get(CERTIFICATES).json()] == [transaction_id]

