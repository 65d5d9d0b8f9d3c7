"""Issued certificates: chain, names, subject, key, bundle, and the certificates table."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harica_simulator.testing import ControlError

PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.S)


def issue(world, domains, **options) -> tuple[str, x509.Certificate, dict]:
    transaction_id = world.seed(domains, **options)
    assert world.approver.accept(transaction_id).status_code == 200
    record = world.approver.request(transaction_id).json()
    certificate = x509.load_pem_x509_certificate(record["certificate"].encode())
    return transaction_id, certificate, record


def dns_names(certificate: x509.Certificate) -> list[str]:
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return extension.value.get_values_for_type(x509.DNSName)


def test_chain_passes_openssl_verify(world, tmp_path):
    _, certificate, _ = issue(world, ["a.example.org", {"fqdn": "b.example.org", "includes_www": True}])
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    state_dir = Path(world.simulator.state_dir)

    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(state_dir / "root-ca.pem"),
            "-untrusted",
            str(state_dir / "issuing-ca.pem"),
            "-purpose",
            "sslserver",
            str(leaf),
        ],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_names_and_subject(world):
    _, certificate, record = issue(world, ["a.example.org", {"fqdn": "b.example.org", "includes_www": True}])

    assert dns_names(certificate) == ["a.example.org", "b.example.org", "www.b.example.org"]
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [attribute.value for attribute in common_names] == ["a.example.org"]
    organizations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [attribute.value for attribute in organizations] == ["Example University"]
    assert record["dN"] == "CN=a.example.org, O=Example University, C=GR"


def test_dv_subject_has_only_cn(world):
    _, certificate, record = issue(world, ["dv.example.org"], product="DV")

    assert record["transactionTypeName"] == "DV"
    assert record["dN"] == "CN=dv.example.org"
    assert [attribute.oid for attribute in certificate.subject] == [NameOID.COMMON_NAME]


def test_leaf_extensions(world):
    _, certificate, _ = issue(world, ["www.example.org"])

    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert constraints.ca is False
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert certificate.issuer == world_issuing_ca(world).subject


def world_issuing_ca(world) -> x509.Certificate:
    return x509.load_pem_x509_certificate(world.control.ca()["issuing_ca_pem"].encode())


def test_default_validity_is_199_days(world):
    _, certificate, _ = issue(world, ["www.example.org"])

    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc

    assert lifetime.days == 199
    assert lifetime.seconds == 0


def test_seeded_csr_key_is_used(world):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored.example.org")]))
        .sign(key, hashes.SHA256())
    )
    csr_pem = csr.public_bytes(serialization.Encoding.PEM).decode()

    transaction_id, certificate, _ = issue(world, ["csr.example.org"], csr=csr_pem)

    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert dns_names(certificate) == ["csr.example.org"]
    assert world.control.request_state(transaction_id)["csr_pem"] == csr_pem


def test_invalid_csr_is_rejected(world):
    with pytest.raises(ControlError) as caught:
        world.control.create_ssl_request(["www.example.org"], "r@example.org", csr="not a csr")

    assert caught.value.status == 400
    assert "csr" in caught.value.message


def test_pem_bundle_has_openssl_headers(world):
    _, certificate, record = issue(world, ["www.example.org"])
    issuing = world_issuing_ca(world)

    bundle = record["pemBundle"]
    blocks = PEM_BLOCK.findall(bundle)

    assert len(blocks) == 2
    assert x509.load_pem_x509_certificate(blocks[0].encode()) == certificate
    assert x509.load_pem_x509_certificate(blocks[1].encode()) == issuing
    lines = bundle.splitlines()
    assert lines[0] == "subject=C = GR, O = Example University, CN = www.example.org"
    assert lines[1] == "issuer=C = GR, O = harica-simulator, CN = HARICA Simulator SSL Issuing CA"
    headers = [line for line in lines if line.startswith(("subject=", "issuer="))]
    assert headers[2] == "subject=C = GR, O = harica-simulator, CN = HARICA Simulator SSL Issuing CA"
    assert headers[3] == "issuer=C = GR, O = harica-simulator, CN = HARICA Simulator Root CA"


def test_pem_bundle_headers_match_openssl(world, tmp_path):
    _, certificate, record = issue(world, ["www.example.org"])
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))

    result = subprocess.run(
        ["openssl", "x509", "-in", str(leaf), "-noout", "-subject", "-issuer"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert record["pemBundle"].splitlines()[:2] == result.stdout.splitlines()


def test_certificate_row_recorded(world):
    transaction_id, certificate, _ = issue(world, ["www.example.org"])
    database = Path(world.simulator.state_dir) / "simulator.db"

    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM certificates WHERE transaction_id = ?", (transaction_id,)).fetchone()

    assert row is not None
    assert int(row["serial_hex"], 16) == certificate.serial_number
    assert row["certificate_type"] == "ssl"
    assert row["status"] == "valid"
    assert json.loads(row["names"]) == ["www.example.org"]
    assert row["requester_email"] == "requester@example.org"
    assert row["not_after"] == certificate.not_valid_after_utc.timestamp()
    assert x509.load_pem_x509_certificate(row["pem"].encode()) == certificate


def test_wildcard_name(world):
    _, certificate, _ = issue(world, ["*.example.org"])

    assert dns_names(certificate) == ["*.example.org"]
