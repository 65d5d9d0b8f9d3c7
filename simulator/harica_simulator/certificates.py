"""Issued certificates: issuance from a spec, rows of the `certificates` table, status, lookups.

The `status` column stores only "valid" or "revoked". Whether a certificate that is not
revoked has expired is decided when it is read, against the simulator clock, so moving
the clock moves certificates between the valid and the expired lists.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import shapes
from .accounts import User, user_enterprise_ids
from .state import Simulator
from .store import Store

CERTIFICATE_TYPES = ("ssl", "smime", "clientauth")
ISSUANCE_METHODS = ("single", "bulk", "acme")
STATUSES = ("valid", "revoked", "expired")
# SQL condition of each status, on the certificates table aliased `c`. The :now
# parameter is the simulator time.
STATUS_CONDITIONS = {
    "revoked": "c.revoked_at IS NOT NULL",
    "expired": "c.revoked_at IS NULL AND c.not_after < :now",
    "valid": "c.revoked_at IS NULL AND c.not_after >= :now",
}
EXTENDED_KEY_USAGES = {
    "ssl": ExtendedKeyUsageOID.SERVER_AUTH,
    "smime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH,
}
OID_BY_SHORT_NAME = {
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "C": NameOID.COUNTRY_NAME,
    "GN": NameOID.GIVEN_NAME,
    "SN": NameOID.SURNAME,
}
CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
SELECT_WITH_ORGANIZATION = (
    "SELECT c.*, e.organization_id FROM certificates c LEFT JOIN enterprises e ON e.id = c.enterprise_id"
)


@dataclass
class CertificateSpec:
    """A validated description of one certificate to issue and record."""

    certificate_type: str
    product: str | None
    issued_via: str
    # ASCII DNS names (ssl) or email addresses (smime, clientauth), in certificate order.
    names: list[str]
    # The common name as the caller gave it, shown as `commonName`.
    common_name: str
    # Subject as [short name, value] pairs in certificate order (C first).
    subject: list[list[str]]
    enterprise_id: int
    requester_email: str
    requester_name: str
    friendly_name: str
    not_before: datetime
    not_after: datetime
    transaction_id: str | None = None
    serial: int | None = None
    # Index of the pool key to certify, or None for a random one.
    key_index: int | None = None
    # Public key to certify in place of a pool key, such as the key of a seeded CSR.
    public_key: CertificatePublicKeyTypes | None = None


def subject_name(pairs: list[list[str]]) -> x509.Name:
    return x509.Name([x509.NameAttribute(OID_BY_SHORT_NAME[short], value) for short, value in pairs])


def subject_alternative_names(certificate_type: str, names: list[str]) -> list[x509.GeneralName]:
    if certificate_type == "ssl":
        return [x509.DNSName(name) for name in names]
    return [x509.RFC822Name(name) for name in names]


def issue_certificate(sim: Simulator, spec: CertificateSpec) -> int:
    """Sign a certificate for `spec`, record it, and return its row id.

    The certificate certifies `spec.public_key` when it is set, else a key of the pool.
    """
    if spec.public_key is not None:
        public_key, key_identifier = spec.public_key, None
    else:
        key_index = sim.key_pool.pick() if spec.key_index is None else spec.key_index
        public_key = sim.key_pool.keys[key_index].public_key()
        key_identifier = sim.key_pool.key_identifiers[key_index]
    certificate = sim.ca.issue_leaf(
        public_key,
        subject_name(spec.subject),
        subject_alternative_names(spec.certificate_type, spec.names),
        EXTENDED_KEY_USAGES[spec.certificate_type],
        spec.not_before,
        spec.not_after,
        serial=spec.serial,
        key_identifier=key_identifier,
    )
    return insert_certificate(
        sim.store,
        certificate,
        certificate_type=spec.certificate_type,
        product=spec.product,
        issued_via=spec.issued_via,
        names=spec.names,
        common_name=spec.common_name,
        transaction_id=spec.transaction_id,
        enterprise_id=spec.enterprise_id,
        requester_email=spec.requester_email,
        requester_name=spec.requester_name,
        friendly_name=spec.friendly_name,
    )


def insert_certificate(store: Store, certificate: x509.Certificate, **fields) -> int:
    """Insert a signed certificate and return its row id.

    `fields` are certificate_type, product, issued_via, names, common_name,
    transaction_id, enterprise_id, requester_email, requester_name and friendly_name.
    """
    cursor = store.execute(
        "INSERT INTO certificates (serial_hex, certificate_type, product, issued_via, status, pem, names,"
        " common_name, subject_dn, issuer_dn, key_type, not_before, not_after, transaction_id, enterprise_id,"
        " requester_email, requester_name, friendly_name)"
        " VALUES (:serial_hex, :certificate_type, :product, :issued_via, 'valid', :pem, :names, :common_name,"
        " :subject_dn, :issuer_dn, :key_type, :not_before, :not_after, :transaction_id, :enterprise_id,"
        " :requester_email, :requester_name, :friendly_name)",
        {
            **fields,
            "names": json.dumps(fields["names"]),
            "serial_hex": format(certificate.serial_number, "x"),
            "pem": shapes.certificate_pem(certificate),
            "subject_dn": shapes.harica_dn(certificate.subject),
            "issuer_dn": shapes.harica_dn(certificate.issuer),
            "key_type": key_type(certificate.public_key()),
            "not_before": certificate.not_valid_before_utc.timestamp(),
            "not_after": certificate.not_valid_after_utc.timestamp(),
        },
    )
    return cursor.lastrowid


def key_type(public_key) -> str:
    """Describe a public key as the `keyType` field does: `EC P-256`, `RSA 2048`."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {CURVE_NAMES.get(public_key.curve.name, public_key.curve.name)}"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public_key).__name__


def status_of(row: sqlite3.Row, now: float) -> str:
    """Return `revoked` (whatever the dates), else `expired` once not_after has passed, else `valid`."""
    if row["revoked_at"] is not None:
        return "revoked"
    if row["not_after"] < now:
        return "expired"
    return "valid"


def visible_certificates_query(sim: Simulator, user: User, status: str | None = None) -> tuple[str, dict]:
    """Return the SQL and parameters that select the user's certificates in issuance order, optionally of one status."""
    enterprise_ids = user_enterprise_ids(sim.store, user)
    placeholders = ",".join(f":enterprise{index}" for index in range(len(enterprise_ids))) or "NULL"
    params: dict = {f"enterprise{index}": value for index, value in enumerate(enterprise_ids)}
    sql = f"{SELECT_WITH_ORGANIZATION} WHERE c.enterprise_id IN ({placeholders})"
    if status is not None:
        sql += f" AND {STATUS_CONDITIONS[status]}"
        params["now"] = sim.clock.now()
    return sql + " ORDER BY c.id", params


def visible_certificates(sim: Simulator, user: User, status: str | None = None) -> list[sqlite3.Row]:
    """Return the certificates of the user's enterprises in issuance order, optionally of one status."""
    return sim.store.query(*visible_certificates_query(sim, user, status))


def all_certificates(store: Store) -> list[sqlite3.Row]:
    return store.query(f"{SELECT_WITH_ORGANIZATION} ORDER BY c.id")


def find_by_serial(store: Store, serial: int) -> sqlite3.Row | None:
    return store.query_one(f"{SELECT_WITH_ORGANIZATION} WHERE c.serial_hex = ?", (format(serial, "x"),))


def find_by_transaction(store: Store, transaction_id: str) -> sqlite3.Row | None:
    """Return the newest certificate recorded with the transaction id, or None."""
    return store.query_one(
        f"{SELECT_WITH_ORGANIZATION} WHERE c.transaction_id = ? ORDER BY c.id DESC LIMIT 1", (transaction_id,)
    )


def find_by_id(store: Store, certificate_id: int) -> sqlite3.Row:
    return store.query_one(f"{SELECT_WITH_ORGANIZATION} WHERE c.id = ?", (certificate_id,))


def record_revocation(
    store: Store,
    certificate_id: int,
    reason_code: str,
    at: float,
    *,
    message: str | None = None,
    inform_user: bool | None = None,
    path: str | None = None,
    actor: str | None = None,
) -> None:
    """Mark a certificate revoked. `path` is the API path used, None for a seeded revocation."""
    store.execute(
        "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ?,"
        " revocation_message = ?, revocation_inform_user = ?, revoked_via = ?, revoked_by = ? WHERE id = ?",
        (
            at,
            reason_code,
            message,
            None if inform_user is None else int(inform_user),
            path,
            actor,
            certificate_id,
        ),
    )


def backfill_version_1_rows(store: Store) -> None:
    """Fill the columns added in schema version 2 for certificates recorded by version 1.

    Version 1 recorded only SSL certificates issued for requests, so the product, the
    requester's name and the friendly name come from the request.
    """
    rows = store.query("SELECT id, pem, names, transaction_id FROM certificates WHERE issuer_dn IS NULL")
    for row in rows:
        certificate = x509.load_pem_x509_certificate(row["pem"].encode())
        common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        request = store.query_one(
            "SELECT product, requester_name, friendly_name FROM requests WHERE transaction_id = ?",
            (row["transaction_id"],),
        )
        store.execute(
            "UPDATE certificates SET issuer_dn = ?, key_type = ?, common_name = ?, product = ?,"
            " requester_name = ?, friendly_name = ? WHERE id = ?",
            (
                shapes.harica_dn(certificate.issuer),
                key_type(certificate.public_key()),
                common_names[0].value if common_names else json.loads(row["names"])[0],
                request["product"] if request else None,
                request["requester_name"] if request else None,
                request["friendly_name"] if request else None,
                row["id"],
            ),
        )
