"""Real certificates for unit tests, made with cryptography: a CA and a leaf it signs."""

from __future__ import annotations

import base64
import datetime
import typing as t

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2026, 7, 20, 12, 0, tzinfo=datetime.timezone.utc)


class Chain(t.NamedTuple):
    leaf_pem: str
    ca_pem: str
    leaf_der_base64: str
    serial: int


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_chain(
    names: t.Sequence[str] = ("app.example.org",), serial: int = 0x00A1B2C3D4, not_after: datetime.datetime = NOT_AFTER
) -> Chain:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Unit Issuing CA"))
        .issuer_name(_name("Unit Issuing CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(not_after + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_der = leaf.public_bytes(serialization.Encoding.DER)
    return Chain(
        leaf_pem=leaf.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        ca_pem=ca.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        leaf_der_base64=base64.b64encode(leaf_der).decode("ascii"),
        serial=serial,
    )


def openssl_bundle(chain: Chain) -> str:
    """Return leaf and CA as HARICA's pemBundle shows them, with subject= and issuer= lines."""
    return (
        f"subject=CN = app.example.org\nissuer=CN = Unit Issuing CA\n{chain.leaf_pem}\n"
        f"subject=CN = Unit Issuing CA\nissuer=CN = Unit Issuing CA\n{chain.ca_pem}"
    )
