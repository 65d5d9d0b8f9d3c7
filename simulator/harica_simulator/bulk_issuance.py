"""Issuance of the certificates of a validated bulk CSV, and the zip file of the response.

All rows are issued in one database transaction, so an error leaves nothing issued.
Each row becomes one zip member: `<index>.<FriendlyName>.p7b` (PKCS#7 with the leaf and
the issuing CA) for a CSR row, or `<index>.<FriendlyName>.p12` (PKCS#12 with a pool key,
protected by the row's pickup password) for a pickup-password row.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from .accounts import User
from .bulk_csv import NAME_CERT_TYPES, BulkRow
from .certificate_seeds import EMAIL_VALIDITY_DAYS, ORGANIZATION_PRODUCTS
from .certificates import EXTENDED_KEY_USAGES, insert_certificate, subject_alternative_names, subject_name
from .pkcs7_ber import indefinite_lengths
from .state import Simulator

# PBKDF2 iterations of the PKCS#12 encryption and MAC: the default of OpenSSL 3's
# `openssl pkcs12 -export`, far cheaper than the 20,000 of BestAvailableEncryption.
PKCS12_KDF_ROUNDS = 2048
# Characters that would make a zip member name a path.
PATH_SEPARATORS = str.maketrans({"/": "_", "\\": "_"})


def row_subject(row: BulkRow, enterprise: sqlite3.Row) -> list[list[str]]:
    """Return the subject pairs: C and O for organization types, GN and SN for name types, then CN.

    The CN is "GivenName Surname" for name types and the first email otherwise.
    """
    pairs = []
    if row.cert_type in ORGANIZATION_PRODUCTS:
        pairs += [["C", enterprise["country"]], ["O", enterprise["name"]]]
    if row.cert_type in NAME_CERT_TYPES:
        pairs += [["GN", row.given_name], ["SN", row.surname], ["CN", f"{row.given_name} {row.surname}"]]
    else:
        pairs.append(["CN", row.emails[0]])
    return pairs


def _common_name(row: BulkRow) -> str:
    """Return `commonName` of the record: the names as given, or the first email as given."""
    if row.cert_type in NAME_CERT_TYPES:
        return f"{row.given_name} {row.surname}"
    return row.given_emails[0]


def _pkcs12_encryption(password: str):
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )


def _p7b(leaf: x509.Certificate, issuing: x509.Certificate, encoding: str) -> bytes:
    der = pkcs7.serialize_certificates([leaf, issuing], serialization.Encoding.DER)
    return indefinite_lengths(der) if encoding == "ber_indefinite" else der


def member_name(row: BulkRow, extension: str) -> str:
    return f"{row.index}.{row.friendly_name.translate(PATH_SEPARATORS)}.{extension}"


def _issue_row(sim: Simulator, row: BulkRow, request_type: str, enterprise: sqlite3.Row, uploader: User, settings: dict):
    """Sign and record one row's certificate and return its zip member as (name, bytes)."""
    key = None
    if row.csr is not None:
        public_key = row.csr.public_key()
    else:
        pool = sim.pool_of(settings["bulk_key_type"])
        key = pool.keys[pool.pick()]
        public_key = key.public_key()
    not_before = datetime.fromtimestamp(sim.clock.now(), tz=timezone.utc)
    certificate = sim.ca.issue_leaf(
        public_key,
        subject_name(row_subject(row, enterprise)),
        subject_alternative_names(request_type, row.emails),
        EXTENDED_KEY_USAGES[request_type],
        not_before,
        not_before + timedelta(days=EMAIL_VALIDITY_DAYS),
    )
    insert_certificate(
        sim.store,
        certificate,
        certificate_type=request_type,
        product=row.cert_type,
        issued_via="bulk",
        names=row.emails,
        common_name=_common_name(row),
        transaction_id=str(uuid.uuid4()),
        enterprise_id=enterprise["id"],
        requester_email=uploader.email,
        requester_name=uploader.name,
        friendly_name=row.friendly_name,
    )
    issuing = sim.ca.issuing.certificate
    if key is None:
        return member_name(row, "p7b"), _p7b(certificate, issuing, settings["p7b_encoding"])
    encryption = _pkcs12_encryption(row.pickup_password)
    archive = pkcs12.serialize_key_and_certificates(
        row.friendly_name.encode("utf-8"), key, certificate, [issuing], encryption
    )
    return member_name(row, "p12"), archive


def issue_bulk(
    sim: Simulator, request_type: str, enterprise: sqlite3.Row, uploader: User, rows: list[BulkRow]
) -> bytes:
    """Issue every row in one transaction and return the zip file of the response."""
    settings = sim.settings.current()
    members = []
    with sim.store.transaction():
        for row in rows:
            members.append(_issue_row(sim, row, request_type, enterprise, uploader, settings))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()
