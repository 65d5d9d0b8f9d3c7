"""Rendering of HARICA API records in the shape chosen by the settings.

Records are built with HARICA's camelCase keys (including the odd `dN`, `sANS`,
`pKCS7`, `includesWWW`) and only converted to another key case when a response is sent.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

STATUS_WORDS = {
    "pending": "Pending",
    "ready": "Ready",
    "completed": "Completed",
}

# Short attribute names as `openssl x509 -subject` prints them (OpenSSL 3).
OPENSSL_SHORT_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COUNTRY_NAME: "C",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.LOCALITY_NAME: "L",
    NameOID.EMAIL_ADDRESS: "emailAddress",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.GIVEN_NAME: "GN",
    NameOID.SURNAME: "SN",
}
# Labels of `dN` attributes that RFC 4514 does not name, as .NET's X500DistinguishedName
# prints them. NOTE: that HARICA (an ASP.NET service) uses the .NET labels is a guess.
DN_LABELS = {NameOID.GIVEN_NAME: "G", NameOID.SURNAME: "SN"}


def format_timestamp(seconds: float | None) -> str | None:
    """Format Unix seconds as HARICA does: UTC, no time zone, 7 fractional digits."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    # Python keeps microseconds, so the seventh digit is always 0.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def format_serial(serial: int, style: str) -> str:
    """Format a certificate serial number in the `serial_style` setting's form."""
    if style == "upper":
        return format(serial, "X")
    digits = format(serial, "x")
    width = max(32, len(digits) + len(digits) % 2)
    return digits.rjust(width, "0")


def status_word(status: str, settings: dict) -> str:
    if status == "cancelled":
        return settings["cancelled_spelling"]
    return STATUS_WORDS[status]


def convert_key(key: str, case: str) -> str:
    if case == "pascal":
        return key[:1].upper() + key[1:]
    if case == "lower":
        return key.lower()
    return key


def apply_key_case(value: Any, case: str) -> Any:
    """Return a copy of a JSON value with every object key converted to `case`."""
    if case == "camel":
        return value
    if isinstance(value, dict):
        return {convert_key(k, case): apply_key_case(v, case) for k, v in value.items()}
    if isinstance(value, list):
        return [apply_key_case(item, case) for item in value]
    return value


def wrap_list(items: list, settings: dict) -> Any:
    wrapper = settings["list_wrapper"]
    if wrapper is None:
        return items
    return {wrapper: items}


def openssl_name(name: x509.Name) -> str:
    """Format a name like `openssl x509 -subject` does: `C = GR, O = Example, CN = host`."""
    parts = []
    for attribute in name:
        label = OPENSSL_SHORT_NAMES.get(attribute.oid, attribute.oid.dotted_string)
        parts.append(f"{label} = {attribute.value}")
    return ", ".join(parts)


def harica_dn(name: x509.Name) -> str:
    """Format a name as HARICA's `dN` and `issuerDN` fields do: `CN=host, O=Example, C=GR`."""
    return ", ".join(attribute.rfc4514_string(DN_LABELS) for attribute in reversed(list(name)))


def pem_block(certificate: x509.Certificate, pem: str | None = None) -> str:
    """Return one PEM block preceded by openssl-style `subject=` and `issuer=` lines.

    `pem` is the certificate's PEM text when the caller already has it.
    """
    subject = openssl_name(certificate.subject)
    issuer = openssl_name(certificate.issuer)
    return f"subject={subject}\nissuer={issuer}\n{pem or certificate_pem(certificate)}"


def pem_bundle(certificates: list[x509.Certificate]) -> str:
    """Join PEM blocks, each preceded by openssl-style `subject=` and `issuer=` lines."""
    return "".join(pem_block(certificate) for certificate in certificates)


def encode_certificate(certificate: x509.Certificate, settings: dict) -> str:
    if settings["certificate_encoding"] == "der_base64":
        der = certificate.public_bytes(serialization.Encoding.DER)
        return base64.b64encode(der).decode()
    return certificate_pem(certificate)


def encode_pem(pem: str, settings: dict) -> str:
    """Return a stored PEM certificate in the `certificate_encoding` setting's form, without parsing it."""
    if settings["certificate_encoding"] == "der_base64":
        lines = pem.strip().splitlines()
        return "".join(lines[1:-1])
    return pem


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
