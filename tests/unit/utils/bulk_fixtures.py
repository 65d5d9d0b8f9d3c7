"""Test material for bulk issuance: CSRs, issued certificates, PKCS#7, PKCS#12 and zips.

A small CA signs S/MIME certificates for rows the way HARICA would, so that the module's
zip checks run against real files.
"""

from __future__ import annotations

import datetime
import io
import typing as t
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class BulkCA:
    """Issue certificates for bulk rows."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("Unit Bulk CA"))
            .issuer_name(_name("Unit Bulk CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=800))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def issue(self, emails: t.Sequence[str], public_key: t.Any, *, given_name: str | None = None,
              surname: str | None = None, days: int = 365, usage: t.Any = ExtendedKeyUsageOID.EMAIL_PROTECTION
              ) -> x509.Certificate:
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, emails[0])]
        if given_name and surname:
            attributes += [x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
                           x509.NameAttribute(NameOID.SURNAME, surname)]
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(minutes=5))
            .not_valid_after(NOW + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email) for email in emails]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def p7b(self, certificate: x509.Certificate) -> bytes:
        return pkcs7.serialize_certificates([certificate, self.certificate], serialization.Encoding.DER)

    def p12(self, certificate: x509.Certificate, key: t.Any, password: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"row", key, certificate, [self.certificate],
            serialization.BestAvailableEncryption(password.encode("utf-8")),
        )


def make_csr(email: str) -> tuple[str, t.Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(email))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii"), key


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_zip(members: t.Sequence[tuple[str, bytes]], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def ber_indefinite(der: bytes) -> bytes:
    """Re-encode the outer SEQUENCE of a DER element with an indefinite length."""
    assert der[0] == 0x30
    length_byte = der[1]
    header = 2 + (length_byte & 0x7F if length_byte & 0x80 else 0)
    return b"\x30\x80" + der[header:] + b"\x00\x00"
