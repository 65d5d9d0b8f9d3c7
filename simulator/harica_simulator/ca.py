"""Certificate authorities of the simulator.

Two separate hierarchies live in the state directory:

- the issuing hierarchy: `root-ca.pem` signs `issuing-ca.pem`, which signs every
  certificate that the simulated HARICA issues;
- the TLS CA (`tls-ca.pem`), which signs only the HTTPS server certificate of the
  simulator itself, for `localhost` and `127.0.0.1`.

Private keys are written next to the certificates with mode 0600 and reused on restart.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .shapes import pem_block

CA_LIFETIME = timedelta(days=30 * 365)
# CA certificates start well in the past so that a simulator clock set back a few years
# still issues certificates inside the CA's validity.
CA_BACKDATE = timedelta(days=10 * 365)
TLS_SERVER_LIFETIME = timedelta(days=825)


@dataclass
class KeyPair:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @cached_property
    def bundle_block(self) -> str:
        """The certificate as one block of a `pemBundle`, computed once."""
        return pem_block(self.certificate)

    @cached_property
    def authority_key_identifier(self) -> x509.AuthorityKeyIdentifier:
        """Authority key identifier of the certificates that this key signs."""
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "harica-simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_serial_number() -> int:
    """Return a random positive serial of at most 127 bits, so it fits in 16 octets."""
    return secrets.randbits(127) or 1


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _ca_builder(subject: x509.Name, issuer: KeyPair | None, key, path_length: int | None):
    now = datetime.now(timezone.utc)
    issuer_name = issuer.certificate.subject if issuer else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(new_serial_number())
        .not_valid_before(now - CA_BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    signer_public = (issuer.key if issuer else key).public_key()
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_public)
    return builder.add_extension(aki, critical=False)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _create_ca(common_name: str, issuer: KeyPair | None, path_length: int | None) -> KeyPair:
    key = ec.generate_private_key(ec.SECP384R1() if issuer is None else ec.SECP256R1())
    builder = _ca_builder(_name(common_name), issuer, key, path_length)
    signing_key = issuer.key if issuer else key
    certificate = builder.sign(signing_key, hashes.SHA384())
    return KeyPair(key, certificate)


def _load_or_create(state_dir: Path, stem: str, create) -> KeyPair:
    cert_path = state_dir / f"{stem}.pem"
    key_path = state_dir / f"{stem}.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return KeyPair(key, certificate)
    pair = create()
    write_private_file(key_path, private_key_pem(pair.key))
    cert_path.write_text(pair.certificate_pem)
    return pair


class CertificateAuthority:
    """Issuing hierarchy and TLS CA, loaded from or created in the state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.root = _load_or_create(
            state_dir, "root-ca", lambda: _create_ca("HARICA Simulator Root CA", None, 1)
        )
        self.issuing = _load_or_create(
            state_dir,
            "issuing-ca",
            lambda: _create_ca("HARICA Simulator SSL Issuing CA", self.root, 0),
        )
        self.tls = _load_or_create(
            state_dir, "tls-ca", lambda: _create_ca("HARICA Simulator TLS CA", None, 0)
        )

    @property
    def root_ca_path(self) -> Path:
        return self.state_dir / "root-ca.pem"

    @property
    def tls_ca_path(self) -> Path:
        return self.state_dir / "tls-ca.pem"

    def write_tls_server_files(self) -> tuple[Path, Path]:
        """Sign a fresh server certificate for localhost and 127.0.0.1 and return (cert, key) paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = _leaf_builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            key.public_key(),
            self.tls,
            now - timedelta(minutes=5),
            now + TLS_SERVER_LIFETIME,
        )
        certificate = builder.add_extension(x509.SubjectAlternativeName(names), critical=False).sign(
            self.tls.key, hashes.SHA256()
        )
        cert_path = self.state_dir / "tls-server.pem"
        key_path = self.state_dir / "tls-server.key"
        pem = certificate.public_bytes(serialization.Encoding.PEM) + self.tls.certificate_pem.encode()
        cert_path.write_bytes(pem)
        write_private_file(key_path, private_key_pem(key))
        return cert_path, key_path

    def issue_ssl(
        self,
        csr: x509.CertificateSigningRequest,
        subject: x509.Name,
        names: list[str],
        not_before: datetime,
        validity_days: int,
    ) -> x509.Certificate:
        """Sign a TLS server certificate for `names` with the public key of `csr`."""
        san = [x509.DNSName(name) for name in names]
        not_after = not_before + timedelta(days=validity_days)
        return self.issue_leaf(csr.public_key(), subject, san, ExtendedKeyUsageOID.SERVER_AUTH, not_before, not_after)

    def issue_leaf(
        self,
        public_key,
        subject: x509.Name,
        san: list[x509.GeneralName],
        usage: x509.ObjectIdentifier,
        not_before: datetime,
        not_after: datetime,
        *,
        serial: int | None = None,
        key_identifier: x509.SubjectKeyIdentifier | None = None,
    ) -> x509.Certificate:
        """Sign an end-entity certificate with the issuing CA.

        `usage` is the one extended key usage (server auth, client auth or email
        protection). Without `serial`, a random one is chosen.
        """
        builder = _leaf_builder(
            subject, public_key, self.issuing, not_before, not_after, usage, serial, key_identifier
        )
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(self.issuing.key, hashes.SHA256())


def _leaf_builder(
    subject,
    public_key,
    issuer: KeyPair,
    not_before,
    not_after,
    usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.SERVER_AUTH,
    serial: int | None = None,
    key_identifier: x509.SubjectKeyIdentifier | None = None,
):
    """Start an end-entity certificate. `usage` is its one extended key usage."""
    if key_identifier is None:
        key_identifier = x509.SubjectKeyIdentifier.from_public_key(public_key)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial or new_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(key_identifier, critical=False)
        .add_extension(issuer.authority_key_identifier, critical=False)
    )


def make_key_and_csr(names: list[str]) -> tuple[str, str]:
    """Generate a P-256 key and a CSR for `names` (CN is the first), returned as PEM texts."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    san = x509.SubjectAlternativeName([x509.DNSName(name) for name in names])
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject)
        .add_extension(san, critical=False)
        .sign(key, hashes.SHA256())
    )
    csr_pem = csr.public_bytes(serialization.Encoding.PEM).decode()
    return csr_pem, private_key_pem(key).decode()


def load_csr(pem: str) -> x509.CertificateSigningRequest:
    """Parse a PEM CSR and check its signature. Raises ValueError when either fails."""
    csr = x509.load_pem_x509_csr(pem.encode())
    if not csr.is_signature_valid:
        raise ValueError("the CSR signature is invalid")
    return csr
