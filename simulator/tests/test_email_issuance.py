"""Certificates issued when an S/MIME or client-auth request completes through the approver API.

Every test that takes the `desk` fixture runs once for S/MIME and once for client auth.
"""

from __future__ import annotations

import base64
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import idna
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harica_simulator.testing import ControlError

from sim_support import REQUESTER

USAGES = {"smime": ExtendedKeyUsageOID.EMAIL_PROTECTION, "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH}
# The openssl verify purpose that checks each type's extended key usage.
OPENSSL_PURPOSES = {"smime": "smimesign", "clientauth": "sslclient"}
TYPE_LABELS = {"smime": "S/MIME", "clientauth": "Client Auth"}
ORGANIZATION_PRODUCTS = {"smime": "natural_legal_lcp", "clientauth": "CLIENT_AUTHENTICATION_OV"}
REVOKE_BODY = {"message": "", "value": "4.9.1.1.1.1", "informUser": True}


def accept_and_load(desk, emails=("person@example.org",), **options) -> tuple[str, x509.Certificate, dict]:
    """Seed a Pending request, accept it, and return (transaction id, certificate, record)."""
    transaction_id = desk.seed(emails, **options)
    response = desk.accept(transaction_id)
    assert response.status_code == 200, response.text
    record = desk.record(transaction_id)
    assert record["transactionStatus"] == "Completed"
    return transaction_id, x509.load_pem_x509_certificate(record["certificate"].encode()), record


def csr_for(key, common_name: str = "ignored.example.net") -> str:
    """Build a PEM CSR whose subject and DNS name differ from what the simulator certifies."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    )
    san = x509.SubjectAlternativeName([x509.DNSName(common_name)])
    csr = builder.add_extension(san, critical=False).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def openssl_verify(state_dir: Path, leaf_pem: str, tmp_path: Path, purpose: str | None = None):
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(leaf_pem)
    command = ["openssl", "verify", "-CAfile", str(state_dir / "root-ca.pem")]
    command += ["-untrusted", str(state_dir / "issuing-ca.pem")]
    if purpose is not None:
        command += ["-purpose", purpose]
    return subprocess.run([*command, str(leaf)], capture_output=True, text=True)


def issuing_ca(desk) -> x509.Certificate:
    return x509.load_pem_x509_certificate(desk.world.control.ca()["issuing_ca_pem"].encode())


def test_leaf_passes_openssl_verify(desk, tmp_path):
    _, _, record = accept_and_load(desk)
    state_dir = Path(desk.world.simulator.state_dir)

    result = openssl_verify(state_dir, record["certificate"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_leaf_passes_openssl_purpose(desk, tmp_path):
    _, _, record = accept_and_load(desk)
    state_dir = Path(desk.world.simulator.state_dir)

    result = openssl_verify(state_dir, record["certificate"], tmp_path, OPENSSL_PURPOSES[desk.request_type])

    assert result.returncode == 0, result.stderr


def test_leaf_fails_server_purpose(desk, tmp_path):
    _, _, record = accept_and_load(desk)
    state_dir = Path(desk.world.simulator.state_dir)

    result = openssl_verify(state_dir, record["certificate"], tmp_path, "sslserver")

    assert result.returncode != 0


def test_certificate_names_are_emails(desk):
    emails = ["Person@Example.org", "alias@δοκιμή.example.org"]
    expected = ["Person@example.org", "alias@" + idna.encode("δοκιμή.example.org", uts46=True).decode()]

    _, certificate, record = accept_and_load(desk, emails)

    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == expected
    assert san.get_values_for_type(x509.DNSName) == []
    assert record["sANS"] == ", ".join(f"RFC822 Name={email}" for email in expected)


def test_certificate_has_one_usage(desk):
    _, certificate, _ = accept_and_load(desk)

    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [USAGES[desk.request_type]]
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical is True
    assert constraints.value.ca is False
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature is True


def test_certificate_issuer_and_validity(desk):
    now = datetime.fromisoformat(desk.world.control.set_clock("2027-02-01T12:00:00Z")["now"])

    _, certificate, record = accept_and_load(desk)

    assert certificate.issuer == issuing_ca(desk).subject
    assert abs(certificate.not_valid_before_utc - now) < timedelta(minutes=1)
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc == timedelta(days=365)
    assert record["certificateValidTo"].startswith(certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S"))


def test_default_subject_is_first_email(desk):
    _, certificate, record = accept_and_load(desk, ["first@example.org", "second@example.org"])

    assert certificate.subject == x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "first@example.org")])
    assert record["dN"] == "CN=first@example.org"


def test_organization_product_subject(desk):
    product = ORGANIZATION_PRODUCTS[desk.request_type]

    _, certificate, record = accept_and_load(desk, product=product, common_name="Pat Person")

    attributes = [(attribute.oid, attribute.value) for attribute in certificate.subject]
    assert attributes == [
        (NameOID.COUNTRY_NAME, "GR"),
        (NameOID.ORGANIZATION_NAME, "Example University"),
        (NameOID.COMMON_NAME, "Pat Person"),
    ]
    assert record["transactionTypeName"] == product
    assert record["dN"] == "CN=Pat Person, O=Example University, C=GR"


def pem_blocks(bundle: str) -> list[x509.Certificate]:
    """Parse the certificates of a `pemBundle`, skipping its subject= and issuer= lines."""
    certificates = []
    for block in bundle.split("-----END CERTIFICATE-----")[:-1]:
        start = block.index("-----BEGIN CERTIFICATE-----")
        pem = block[start:] + "-----END CERTIFICATE-----\n"
        certificates.append(x509.load_pem_x509_certificate(pem.encode()))
    return certificates


def test_pem_bundle_is_leaf_and_issuing_ca(desk):
    _, certificate, record = accept_and_load(desk)

    assert pem_blocks(record["pemBundle"]) == [certificate, issuing_ca(desk)]
    assert record["pemBundle"].startswith("subject=")


def test_without_csr_certifies_request_csr_key(desk):
    transaction_id, certificate, _ = accept_and_load(desk)

    state = desk.world.control.request_state(transaction_id)

    csr = x509.load_pem_x509_csr(state["csr_pem"].encode())
    assert csr.is_signature_valid
    assert public_der(csr.public_key()) == public_der(certificate.public_key())
    assert state["certificate_pem"] == certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(
    "make_key, key_type",
    [
        (lambda: ec.generate_private_key(ec.SECP384R1()), "EC P-384"),
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RSA 2048"),
    ],
    ids=["ec-p384", "rsa-2048"],
)
def test_seeded_csr_key_is_certified(desk, tmp_path, make_key, key_type):
    key = make_key()
    csr_pem = csr_for(key)

    transaction_id, certificate, record = accept_and_load(desk, csr=csr_pem)

    assert public_der(certificate.public_key()) == public_der(key.public_key())
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "person@example.org"
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == []
    assert desk.world.control.request_state(transaction_id)["csr_pem"] == csr_pem
    admin_record = desk.world.admin.get(f"/cm/v1/admin/certificates/serial/{format(certificate.serial_number, 'X')}")
    assert admin_record.json()["keyType"] == key_type
    result = openssl_verify(Path(desk.world.simulator.state_dir), record["certificate"], tmp_path)
    assert result.returncode == 0, result.stderr


def test_completed_seed_certifies_csr_key(desk):
    key = ec.generate_private_key(ec.SECP256R1())

    record = desk.seed_record(status="completed", csr=csr_for(key))

    certificate = x509.load_pem_x509_certificate(record["certificate"].encode())
    assert public_der(certificate.public_key()) == public_der(key.public_key())
    assert list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        USAGES[desk.request_type]
    ]


def tampered_csr() -> str:
    """Return a CSR whose signature no longer matches, because one byte of its subject changed."""
    der = bytearray(
        x509.load_pem_x509_csr(csr_for(ec.generate_private_key(ec.SECP256R1())).encode()).public_bytes(
            serialization.Encoding.DER
        )
    )
    position = der.index(b"ignored")
    der[position] = ord("I")
    body = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


@pytest.mark.parametrize("csr", ["not a CSR", 5, "tampered"], ids=["text", "number", "bad-signature"])
def test_invalid_csr_is_400(desk, csr):
    if csr == "tampered":
        csr = tampered_csr()

    with pytest.raises(ControlError) as caught:
        desk.seed(csr=csr)

    assert caught.value.status == 400
    assert "csr" in caught.value.message
    assert desk.world.control.certificates() == []


def test_certificate_row_is_recorded(desk):
    transaction_id, certificate, record = accept_and_load(
        desk, ["pat@example.org"], requester_name="Requester Name", friendly_name="Pat's laptop"
    )

    state = desk.world.control.certificate_state(format(certificate.serial_number, "x"))

    assert state["type"] == desk.request_type
    assert state["issued_via"] == "single"
    assert state["status"] == "valid"
    assert state["transaction_id"] == transaction_id
    assert state["requester_email"] == REQUESTER
    assert state["requester_name"] == "Requester Name"
    assert state["friendly_name"] == "Pat's laptop"
    assert state["names"] == ["pat@example.org"]
    assert state["common_name"] == "pat@example.org"
    assert state["organization_id"] == desk.world.organization_id
    assert state["product"] == record["transactionTypeName"]
    assert state["certificate_pem"] == record["certificate"]
    assert state["revocation"] is None


def test_accepted_seed_is_issued_single(desk):
    _, certificate, _ = accept_and_load(desk, issued_via="bulk")

    state = desk.world.control.certificate_state(format(certificate.serial_number, "x"))

    assert state["issued_via"] == "single"


def test_admin_lists_find_certificate(desk):
    transaction_id, certificate, record = accept_and_load(desk)
    serial = format(certificate.serial_number, "X")

    listed = desk.world.admin.get("/cm/v1/admin/certificates").json()
    valid = desk.world.admin.get("/cm/v1/admin/certificates/list/valid").json()
    found = desk.world.admin.get(f"/cm/v1/admin/certificates/serial/{serial}")

    assert [entry["transactionId"] for entry in listed] == [transaction_id]
    assert [entry["transactionId"] for entry in valid] == [transaction_id]
    assert found.status_code == 200
    admin_record = found.json()
    assert admin_record["certificateType"] == TYPE_LABELS[desk.request_type]
    assert admin_record["issuanceType"] == "Single"
    assert admin_record["userEmail"] == REQUESTER
    assert admin_record["sANS"] == "RFC822 Name=person@example.org"
    assert admin_record["certificate"] == record["certificate"]


def test_admin_list_issues_due_request(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    transaction_id = desk.seed()
    desk.accept(transaction_id)
    assert desk.world.admin.get("/cm/v1/admin/certificates").json() == []
    desk.world.control.set_clock(offset_seconds=601)

    listed = desk.world.admin.get("/cm/v1/admin/certificates").json()

    assert [entry["transactionId"] for entry in listed] == [transaction_id]
    assert desk.world.control.request_state(transaction_id)["status"] == "completed"


def test_user_lookup_lists_certificate(desk):
    desk.world.control.create_user("holder@example.org", ["ssl_approver"], name="Certificate Holder")
    _, certificate, _ = accept_and_load(desk, ["holder@example.org"])

    user = desk.world.admin.get("/cm/v1/admin/users/email/holder@example.org").json()

    assert [entry["serial"] for entry in user["certificates"]] == [format(certificate.serial_number, "X")]


def test_approver_revoke_finds_certificate(desk):
    transaction_id, certificate, _ = accept_and_load(desk)

    response = desk.approver.post(desk.path("revoke"), {"transactionId": transaction_id, **REVOKE_BODY})

    assert response.status_code == 200
    assert desk.record(transaction_id)["isRevoked"] is True
    assert desk.record(transaction_id)["transactionStatus"] == "Completed"
    revocation = desk.world.control.certificate_state(format(certificate.serial_number, "x"))["revocation"]
    assert revocation["path"] == desk.path("revoke")
    assert revocation["by"] == desk.approver_email


def test_admin_revoke_single_finds_certificate(desk):
    transaction_id, certificate, _ = accept_and_load(desk)
    body = {"transactionId": transaction_id, **REVOKE_BODY}

    through_bulk = desk.world.admin.post("/cm/v1/admin/revoke/bulk", body)
    through_single = desk.world.admin.post("/cm/v1/admin/revoke/single", body)

    assert through_bulk.status_code == 400
    assert "/cm/v1/admin/revoke/single" in through_bulk.json()["message"]
    assert through_single.status_code == 200
    revoked = desk.world.admin.get("/cm/v1/admin/certificates/list/revoked").json()
    assert [entry["transactionId"] for entry in revoked] == [transaction_id]
    assert desk.record(transaction_id)["isRevoked"] is True


def test_revoke_before_completion_is_rejected(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    transaction_id = desk.seed()
    desk.accept(transaction_id)

    response = desk.approver.post(desk.path("revoke"), {"transactionId": transaction_id, **REVOKE_BODY})

    assert response.status_code == 400
    assert "ready" in response.json()["message"]


def test_certificate_encoding_setting_applies(desk):
    transaction_id, certificate, _ = accept_and_load(desk)
    desk.world.control.settings(certificate_encoding="der_base64")

    record = desk.record(transaction_id)

    assert base64.b64decode(record["certificate"]) == certificate.public_bytes(serialization.Encoding.DER)
    assert record["pemBundle"].count("-----BEGIN CERTIFICATE-----") == 2


def test_each_request_gets_its_own_certificate(desk):
    first_id, first, _ = accept_and_load(desk)
    second_id, second, _ = accept_and_load(desk)

    assert first_id != second_id
    assert first.serial_number != second.serial_number
    assert len(desk.world.control.certificates()) == 2


def test_completed_high_risk_seed(desk):
    record = desk.seed_record(status="completed", high_risk=True)

    assert record["transactionStatus"] == "Completed"
    assert record["isHighRisk"] is True
    assert record["certificate"].startswith("-----BEGIN CERTIFICATE-----")
