"""Test material for bulk issuance: CSRs, issued certificates, PKCS#7, PKCS#12 and zips.

A small CA signs S/MIME certificates for rows the way HARICA would, so that the module's
zip checks run against real files.
"""

from __future__ import annotations

import datetime
import io
import struct
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


def make_zip(members: t.Sequence[tuple[str, bytes]], *, symlink: str | None = None,
             compression: int = zipfile.ZIP_STORED, utf8_flag: bool = True) -> bytes:
    """Return a zip of the members. Without ``utf8_flag``, non-ASCII names are stored as
    UTF-8 bytes with the UTF-8 flag cleared, as a writer that leaves the flag unset does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    body = buffer.getvalue()
    if not utf8_flag:
        for member in range(len(members)):
            body = patch_member(body, member, flags_clear=0x800)
    return body


# Offsets in a local file header and in a central directory header (PKWARE APPNOTE,
# sections 4.3.7 and 4.3.12) of the fields that patch_member changes.
_LOCAL = {"flags": 6, "method": 8, "crc": 14, "size": 22}
_CENTRAL = {"flags": 8, "method": 10, "crc": 16, "size": 24}


def patch_member(body: bytes, member: int, *, flags_set: int = 0, flags_clear: int = 0, method: int | None = None,
                 crc_xor: int = 0, size: int | None = None) -> bytes:
    """Change fields of the ``member``-th entry in both its local and its central header."""
    data = bytearray(body)
    central = list(_offsets(data, b"PK\x01\x02"))[member]
    local = struct.unpack_from("<I", data, central + 42)[0]
    for start, fields in ((local, _LOCAL), (central, _CENTRAL)):
        flags = struct.unpack_from("<H", data, start + fields["flags"])[0]
        struct.pack_into("<H", data, start + fields["flags"], (flags | flags_set) & ~flags_clear)
        if method is not None:
            struct.pack_into("<H", data, start + fields["method"], method)
        crc = struct.unpack_from("<I", data, start + fields["crc"])[0]
        struct.pack_into("<I", data, start + fields["crc"], crc ^ crc_xor)
        if size is not None:
            struct.pack_into("<I", data, start + fields["size"], size)
    return bytes(data)


def _offsets(data: bytes, signature: bytes) -> t.Iterator[int]:
    start = data.find(signature)
    while start != -1:
        yield start
        start = data.find(signature, start + 1)


def member_size(body: bytes, member: int) -> int:
    return zipfile.ZipFile(io.BytesIO(body)).infolist()[member].file_size


# Ways to damage the first member of a zip, with a phrase of the message they cause.
DAMAGES: dict[str, tuple[t.Callable[[bytes], bytes], str]] = {
    "bad-crc": (lambda body: patch_member(body, 0, crc_xor=0xFFFFFFFF), "Bad CRC-32"),
    "encrypted": (lambda body: patch_member(body, 0, flags_set=0x1), "is encrypted"),
    "unknown-compression": (lambda body: patch_member(body, 0, method=97), "compression method 97"),
    "truncated": (lambda body: body[: len(body) // 2], "The zip is damaged"),
    "size-above-content": (lambda body: patch_member(body, 0, size=member_size(body, 0) + 1), "declares"),
    "size-below-content": (lambda body: patch_member(body, 0, size=member_size(body, 0) - 1), "Bad CRC-32"),
}


def ber_indefinite(der: bytes) -> bytes:
    """Re-encode the outer SEQUENCE of a DER element with an indefinite length."""
    assert der[0] == 0x30
    length_byte = der[1]
    header = 2 + (length_byte & 0x7F if length_byte & 0x80 else 0)
    return b"\x30\x80" + der[header:] + b"\x00\x00"
