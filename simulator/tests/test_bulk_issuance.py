"""Bulk issuance: CSV forms, certificate contents, the zip file, records, faults and the log."""

from __future__ import annotations

import hashlib
import subprocess
import warnings

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bulk_support import CLIENTAUTH, PASSWORD, SMIME, csv_text, make_csr, row, upload, zip_members

CERTIFICATES = "/cm/v1/admin/certificates"
GIVEN_NAME = "Γιώργος"
SURNAME = "Παπαδόπουλος"


def issued(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/zip"
    return zip_members(response)


def p7b_certificates(member: bytes) -> list[x509.Certificate]:
    """Read a .p7b with `openssl pkcs7`, which accepts DER and BER indefinite lengths alike."""
    printed = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-print_certs"], input=member,
                             capture_output=True, check=True).stdout
    return x509.load_pem_x509_certificates(printed)


def leaf_of(member: bytes, name: str) -> x509.Certificate:
    """Return the leaf of a .p7b (any encoding) or .p12 member (opened with PASSWORD)."""
    if name.endswith(".p12"):
        return pkcs12.load_pkcs12(member, PASSWORD.encode()).cert.certificate
    certificates = p7b_certificates(member)
    return next(c for c in certificates if not c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)


def attribute(certificate: x509.Certificate, oid) -> list[str]:
    return [item.value for item in certificate.subject.get_attributes_for_oid(oid)]


def emails_of(certificate: x509.Certificate) -> list[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.RFC822Name)


def test_bom_crlf_quoted_comma_and_greek_names(world):
    rows = [
        row("georgios@example.org", FriendlyName='Γιώργος, "laptop"', CertType="natural_legal_lcp",
            GivenName=GIVEN_NAME, Surname=SURNAME, PickupPassword="", CSR=make_csr()),
    ]
    text = csv_text(rows, bom=True, line_end="\r\n")

    members = issued(upload(world.admin, SMIME, text, value=world.organization_id))

    assert list(members) == ['1.Γιώργος, "laptop".p7b']
    leaf = leaf_of(members['1.Γιώργος, "laptop".p7b'], ".p7b")
    assert attribute(leaf, NameOID.COMMON_NAME) == [f"{GIVEN_NAME} {SURNAME}"]
    assert attribute(leaf, NameOID.GIVEN_NAME) == [GIVEN_NAME]
    assert attribute(leaf, NameOID.SURNAME) == [SURNAME]
    assert attribute(leaf, NameOID.ORGANIZATION_NAME) == ["Example University"]
    assert emails_of(leaf) == ["georgios@example.org"]
    record = world.admin.get(CERTIFICATES).json()[0]
    assert record["commonName"] == f"{GIVEN_NAME} {SURNAME}"
    assert record["dN"] == f"CN={GIVEN_NAME} {SURNAME}, SN={SURNAME}, G={GIVEN_NAME}, O=Example University, C=GR"
    assert record["friendlyName"] == 'Γιώργος, "laptop"'


def test_lf_without_trailing_comma(world):
    text = csv_text([row(), row("second@example.org")], trailing_comma=False, line_end="\n")

    members = issued(upload(world.admin, SMIME, text, value=world.organization_id))

    assert sorted(members) == ["1.Laptop.p12", "2.Laptop.p12"]


def test_zip_member_names(world):
    rows = [
        row("a@example.org", FriendlyName="Alpha", PickupPassword="", CSR=make_csr()),
        row("b@example.org", FriendlyName="Beta"),
        row("c@example.org", FriendlyName=""),
        row("d@example.org", FriendlyName="dir/name", PickupPassword="", CSR=make_csr()),
    ]

    members = issued(upload(world.admin, SMIME, csv_text(rows), value=world.organization_id))

    assert list(members) == ["1.Alpha.p7b", "2.Beta.p12", "3.c@example.org.p12", "4.dir_name.p7b"]


def test_p12_opens_with_row_password(world):
    rows = [row("a@example.org", PickupPassword="first-password"), row("b@example.org", PickupPassword="second-pass")]

    members = issued(upload(world.admin, SMIME, csv_text(rows), value=world.organization_id))

    for name, password, email in (("1.Laptop.p12", "first-password", "a@example.org"),
                                  ("2.Laptop.p12", "second-pass", "b@example.org")):
        bundle = pkcs12.load_pkcs12(members[name], password.encode())
        assert emails_of(bundle.cert.certificate) == [email]
        assert isinstance(bundle.key, ec.EllipticCurvePrivateKey)
        assert bundle.key.public_key() == bundle.cert.certificate.public_key()
        issuers = [c.certificate.subject for c in bundle.additional_certs]
        assert issuers == [bundle.cert.certificate.issuer]
        with pytest.raises(ValueError):
            pkcs12.load_pkcs12(members[name], b"wrong-password")


def test_rsa_bulk_key_type(world):
    world.control.settings(bulk_key_type="rsa-2048")

    members = issued(upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id))

    bundle = pkcs12.load_pkcs12(members["1.Laptop.p12"], PASSWORD.encode())
    assert isinstance(bundle.key, rsa.RSAPrivateKey)
    assert bundle.key.key_size == 2048
    assert world.admin.get(CERTIFICATES).json()[0]["keyType"] == "RSA 2048"


@pytest.mark.parametrize("encoding", ["der", "ber_indefinite"])
def test_p7b_holds_row_certificate(world, tmp_path, encoding):
    world.control.settings(p7b_encoding=encoding)
    key = ec.generate_private_key(ec.SECP256R1())

    members = issued(upload(world.admin, SMIME, csv_text([row(PickupPassword="", CSR=make_csr(key))]),
                            value=world.organization_id))

    member = members["1.Laptop.p7b"]
    assert (member[1] == 0x80) == (encoding == "ber_indefinite")
    if encoding == "der":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(pkcs7.load_der_pkcs7_certificates(member)) == 2
    leaf = leaf_of(member, ".p7b")
    assert leaf.public_key() == key.public_key()
    assert emails_of(leaf) == ["person@example.org"]
    path = tmp_path / "bundle.p7b"
    path.write_bytes(member)
    printed = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-in", str(path), "-print_certs"],
                             capture_output=True, text=True, check=True).stdout
    assert printed.count("-----BEGIN CERTIFICATE-----") == 2
    assert "subject=CN = person@example.org" in printed


def test_record_fields(world):
    rows = [row("Person@Example.org", Email2="alias@example.org", PickupPassword="", CSR=make_csr())]

    issued(upload(world.admin, SMIME, csv_text(rows), value=world.organization_id))

    record = world.admin.get(CERTIFICATES).json()[0]
    assert record["certificateType"] == "S/MIME"
    assert record["issuanceType"] == "Bulk"
    assert record["userEmail"] == "admin@example.org"
    assert record["sANS"] == "RFC822 Name=Person@example.org, RFC822 Name=alias@example.org"
    assert record["commonName"] == "Person@Example.org"
    assert record["organizationId"] == world.organization_id
    assert record["transactionId"]
    state = world.control.certificate_state(record["serial"])
    assert state["issued_via"] == "bulk"
    assert state["product"] == "email_only"
    found = world.admin.get(f"{CERTIFICATES}/serial/{record['serial']}")
    assert found.json() == record


def test_transaction_id_per_row(world):
    issued(upload(world.admin, SMIME, csv_text([row("a@example.org"), row("b@example.org")]),
                  value=world.organization_id))

    records = world.admin.get(CERTIFICATES).json()

    assert len({record["transactionId"] for record in records}) == 2


def test_bulk_certificate_revokes_through_bulk_path(world):
    issued(upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id))
    record = world.admin.get(CERTIFICATES).json()[0]

    response = world.admin.post("/cm/v1/admin/revoke/bulk",
                                {"transactionId": record["transactionId"], "value": "4.9.1.1.1.1"})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "cert_type, usage, has_names, has_organization",
    [
        ("CLIENT_AUTHENTICATION_IV", ExtendedKeyUsageOID.CLIENT_AUTH, True, False),
        ("CLIENT_AUTHENTICATION_OV", ExtendedKeyUsageOID.CLIENT_AUTH, False, True),
    ],
)
def test_clientauth_certificate(world, cert_type, usage, has_names, has_organization):
    values = row(CertType=cert_type, GivenName="Pat", Surname="Person", PickupPassword="", CSR=make_csr())

    members = issued(upload(world.admin, CLIENTAUTH, csv_text([values]), value=world.organization_id))

    leaf = leaf_of(members["1.Laptop.p7b"], ".p7b")
    assert list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [usage]
    assert bool(attribute(leaf, NameOID.GIVEN_NAME)) == has_names
    assert bool(attribute(leaf, NameOID.ORGANIZATION_NAME)) == has_organization
    expected_cn = "Pat Person" if has_names else "person@example.org"
    assert attribute(leaf, NameOID.COMMON_NAME) == [expected_cn]
    assert world.admin.get(CERTIFICATES).json()[0]["certificateType"] == "Client Auth"


def test_smime_certificate_usage(world):
    members = issued(upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id))

    leaf = leaf_of(members["1.Laptop.p12"], ".p12")
    usages = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert usages == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    assert attribute(leaf, NameOID.COMMON_NAME) == ["person@example.org"]
    assert attribute(leaf, NameOID.ORGANIZATION_NAME) == []


def test_chain_verifies(world, tmp_path):
    members = issued(upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id))
    leaf = leaf_of(members["1.Laptop.p12"], ".p12")
    (tmp_path / "leaf.pem").write_text(leaf.public_bytes(serialization.Encoding.PEM).decode())
    (tmp_path / "issuing.pem").write_text(world.control.ca()["issuing_ca_pem"])

    result = subprocess.run(
        ["openssl", "verify", "-purpose", "smimesign", "-CAfile", world.simulator.root_ca,
         "-untrusted", str(tmp_path / "issuing.pem"), str(tmp_path / "leaf.pem")],
        capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_log_entry_summarizes_form(world):
    text = csv_text([row(), row("second@example.org", PickupPassword="", CSR=make_csr())])
    world.control.clear_log()

    issued(upload(world.admin, SMIME, text, value=world.organization_id))

    entry = world.control.log()["entries"][-1]
    assert entry["body"] == {
        "form_fields": ["Value", "File"],
        "file_name": "bulk.csv",
        "csv_rows": 2,
        "csv_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    assert entry["status"] == 200
    assert isinstance(entry["handler_seconds"], float)
    assert entry["handler_seconds"] > 0
    assert PASSWORD not in repr(entry)
    assert "PRIVATE KEY" not in repr(entry)


def test_server_log_has_no_password(world):
    upload(world.admin, SMIME, csv_text([row(PickupPassword="short")]), value=world.organization_id)
    issued(upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id))

    server_log = world.simulator.stderr_path.read_text()

    assert PASSWORD not in server_log
    assert "PRIVATE KEY" not in server_log


def test_empty_fault_after_processing(world):
    world.control.add_fault(SMIME, "empty", method="POST", process=True)

    response = upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id)

    assert response.status_code == 200
    assert response.content == b""
    assert len(world.admin.get(CERTIFICATES).json()) == 1
    entry = world.control.log()["entries"][-2]
    assert entry["fault"] == "empty"
    assert entry["status"] == 200


def test_empty_fault_without_processing(world):
    world.control.add_fault(SMIME, "empty", method="POST", process=False)

    response = upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id)

    assert response.status_code == 200
    assert response.content == b""
    assert world.admin.get(CERTIFICATES).json() == []


def test_empty_fault_process_defaults_to_true(world):
    world.control.add_fault(SMIME, "empty")

    assert world.control.faults()[0]["process"] is True


def test_empty_fault_rejects_bad_process(world):
    with pytest.raises(Exception) as raised:
        world.control.add_fault(SMIME, "empty", process="yes")

    assert raised.value.status == 400


def test_drop_after_issues_certificates(world):
    world.control.add_fault(SMIME, "drop_after", method="POST")

    with pytest.raises(requests.ConnectionError):
        upload(world.admin, SMIME, csv_text([row(), row("b@example.org")]), value=world.organization_id)

    assert len(world.admin.get(CERTIFICATES).json()) == 2
    entry = [e for e in world.control.log()["entries"] if e["path"] == SMIME][-1]
    assert entry["status"] is None
    assert entry["fault"] == "drop_after"


@pytest.mark.parametrize("action, params, status", [("redirect", {}, 302), ("status", {"status": 503}, 503)])
def test_short_circuit_faults_issue_nothing(world, action, params, status):
    world.control.add_fault(SMIME, action, **params)

    response = upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id)

    assert response.status_code == status
    assert world.admin.get(CERTIFICATES).json() == []
