# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Certificates as HARICA sends them: PEM, base64 DER, or PEM bundles with openssl headers."""

from __future__ import annotations

import base64
import binascii
import re
import traceback
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    UTC,
    format_serial,
    normalize_dns_name,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

_PEM_BLOCK = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----"
)
_WHITESPACE = re.compile(r"\s+")

# Extended key usages by OID (RFC 5280, section 4.2.1.12).
_USAGE_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
}


def _armour(der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def pem_blocks(text: str | None) -> list[str]:
    """Return every certificate of a PEM text, re-armoured; other lines are dropped.

    HARICA's ``pemBundle`` puts openssl-style ``subject=`` and ``issuer=`` lines before
    each block; those lines are not part of the result.
    """
    if not text:
        return []
    blocks = []
    for match in _PEM_BLOCK.finditer(text):
        try:
            der = base64.b64decode(_WHITESPACE.sub("", match["body"]), validate=True)
        except (binascii.Error, ValueError):
            continue
        blocks.append(_armour(der))
    return blocks


def to_pem(value: t.Any) -> str | None:
    """Return one certificate as PEM, from PEM text or from base64 DER; None otherwise."""
    if not isinstance(value, str) or not value.strip():
        return None
    if "-----BEGIN" in value:
        blocks = pem_blocks(value)
        return blocks[0] if blocks else None
    try:
        der = base64.b64decode(_WHITESPACE.sub("", value), validate=True)
    except (binascii.Error, ValueError):
        return None
    # DER of a certificate starts with a SEQUENCE tag.
    if not der or der[0] != 0x30:
        return None
    return _armour(der)


def assemble_chain(certificate: t.Any, bundle: t.Any) -> tuple[str | None, list[str]]:
    """Return the leaf PEM and the chain PEMs from a record's certificate and bundle fields.

    The leaf is the ``certificate`` field when it contains one, else the first block of the
    bundle. The chain is every other bundle block, in the bundle's order.
    """
    leaf = to_pem(certificate)
    blocks = pem_blocks(bundle) if isinstance(bundle, str) else []
    if leaf is None and blocks:
        leaf = blocks[0]
    chain = [block for block in blocks if block != leaf]
    return leaf, chain


def certificate_details(pem: str) -> dict[str, t.Any]:
    """Return serial, validity, subject and names of a PEM certificate.

    Validity times are timezone-aware UTC whatever the cryptography version.
    """
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return {
        "serial_number": format_serial(certificate.serial_number),
        "not_before": _aware(certificate, "not_valid_before"),
        "not_after": _aware(certificate, "not_valid_after"),
        "common_name": _common_name(certificate),
        "given_name": _attribute(certificate, x509.NameOID.GIVEN_NAME),
        "surname": _attribute(certificate, x509.NameOID.SURNAME),
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "dns_names": _san_values(certificate, "DNSName"),
        "emails": [email.lower() for email in _san_values(certificate, "RFC822Name")],
        "extended_key_usages": _extended_key_usages(certificate),
    }


def public_key_der(pem: str) -> bytes:
    """Return the DER SubjectPublicKeyInfo of a PEM certificate, for comparing keys."""
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _aware(certificate: t.Any, name: str) -> t.Any:
    # cryptography 42 added the *_utc properties and deprecated the naive ones.
    value = getattr(certificate, name + "_utc", None)
    if value is None:
        value = getattr(certificate, name).replace(tzinfo=UTC)
    return value


def _common_name(certificate: t.Any) -> str | None:
    return _attribute(certificate, x509.NameOID.COMMON_NAME)


def _attribute(certificate: t.Any, oid: t.Any) -> str | None:
    attributes = certificate.subject.get_attributes_for_oid(oid)
    return str(attributes[0].value) if attributes else None


def _san_values(certificate: t.Any, kind: str) -> list[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    values = extension.value.get_values_for_type(getattr(x509, kind))
    if kind == "DNSName":
        return [normalize_dns_name(name) for name in values]
    return list(values)


def _extended_key_usages(certificate: t.Any) -> list[str]:
    """Return the extended key usages by name: serverAuth, clientAuth, emailProtection."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return []
    return [_USAGE_NAMES.get(usage.dotted_string, usage.dotted_string) for usage in extension.value]


__all__ = (
    "CRYPTOGRAPHY_IMPORT_ERROR",
    "HAS_CRYPTOGRAPHY",
    "assemble_chain",
    "certificate_details",
    "pem_blocks",
    "public_key_der",
    "to_pem",
)
