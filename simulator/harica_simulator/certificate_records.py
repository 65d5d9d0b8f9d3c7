"""Rendering of certificates: the HARICA admin record, the fields of request records, and
the internal state that the control API returns.
"""

from __future__ import annotations

import json
import sqlite3

from cryptography import x509

from . import shapes
from .certificates import status_of
from .clock import format_iso
from .state import Simulator

# `issuanceType` values of the issuance_hint "field" form.
ISSUANCE_TYPES = {"single": "Single", "bulk": "Bulk", "acme": "ACME"}
TYPE_LABELS = {"smime": "S/MIME", "clientauth": "Client Auth"}
SAN_LABELS = {"ssl": "DNS Name", "smime": "RFC822 Name", "clientauth": "RFC822 Name"}


def certificate_type_label(certificate_type: str, product: str | None) -> str:
    """Return the `certificateType` value: `SSL OV`, `SSL DV`, `SSL EV`, `S/MIME` or `Client Auth`."""
    if certificate_type == "ssl":
        return f"SSL {product or 'OV'}"
    return TYPE_LABELS[certificate_type]


def san_text(certificate_type: str, names: list[str]) -> str:
    """Format names as the `sANS` field: `DNS Name=a.example.org, DNS Name=b.example.org`."""
    label = SAN_LABELS[certificate_type]
    return ", ".join(f"{label}={name}" for name in names)


def issuance_hint_fields(issued_via: str, hint: str) -> dict:
    """Return the fields that tell how a certificate was issued, in the issuance_hint setting's form."""
    if hint == "field":
        return {"issuanceType": ISSUANCE_TYPES[issued_via]}
    if hint == "flags":
        return {"isBulk": issued_via == "bulk", "isAcme": issued_via == "acme"}
    return {}


def render_certificate_record(sim: Simulator, row: sqlite3.Row, settings: dict) -> dict:
    """Build a certificate as the HARICA admin API shows it, in camelCase keys.

    `row` comes from a certificates query that also selects the enterprise's organization_id.
    """
    certificate = x509.load_pem_x509_certificate(row["pem"].encode())
    record = {
        "serial": shapes.format_serial(int(row["serial_hex"], 16), settings["serial_style"]),
        "certificateType": certificate_type_label(row["certificate_type"], row["product"]),
        "commonName": row["common_name"],
        "dN": row["subject_dn"],
        "issuerDN": row["issuer_dn"],
        "sANS": san_text(row["certificate_type"], json.loads(row["names"])),
        "validFrom": shapes.format_timestamp(row["not_before"]),
        "validTo": shapes.format_timestamp(row["not_after"]),
        "certificateValidTo": shapes.format_timestamp(row["not_after"]),
        "isRevoked": row["revoked_at"] is not None,
        "revokedAt": shapes.format_timestamp(row["revoked_at"]),
        "revocationCode": row["revocation_reason"],
        "userEmail": row["requester_email"],
        "user": row["requester_name"],
        "friendlyName": row["friendly_name"],
    }
    if row["transaction_id"] is not None:
        record["transactionId"] = row["transaction_id"]
    record.update(
        {
            "organizationId": row["organization_id"],
            "keyType": row["key_type"],
            "certificate": shapes.encode_pem(row["pem"], settings),
            "pemBundle": shapes.pem_block(certificate, row["pem"]) + sim.ca.issuing.bundle_block,
        }
    )
    record.update(issuance_hint_fields(row["issued_via"], settings["issuance_hint"]))
    return record


def add_certificate_fields(sim: Simulator, record: dict, certificate_id: int, settings: dict) -> None:
    """Set the certificate fields of a completed request's record from its certificate."""
    row = sim.store.query_one("SELECT pem, status, not_after FROM certificates WHERE id = ?", (certificate_id,))
    certificate = x509.load_pem_x509_certificate(row["pem"].encode())
    record["isRevoked"] = row["status"] == "revoked"
    record["certificateValidTo"] = shapes.format_timestamp(row["not_after"])
    record["certificate"] = shapes.encode_certificate(certificate, settings)
    record["pemBundle"] = shapes.pem_bundle([certificate, sim.ca.issuing.certificate])


def revocation_state(row: sqlite3.Row) -> dict | None:
    if row["revoked_at"] is None:
        return None
    inform_user = row["revocation_inform_user"]
    return {
        "at": format_iso(row["revoked_at"]),
        "reason_code": row["revocation_reason"],
        "message": row["revocation_message"],
        "inform_user": None if inform_user is None else bool(inform_user),
        "path": row["revoked_via"],
        "by": row["revoked_by"],
    }


def certificate_state(row: sqlite3.Row, serial_style: str, now: float) -> dict:
    """Describe a certificate's internal state for the control API, in snake_case keys.

    `now` is the simulator time that decides whether the certificate has expired.
    """
    return {
        "serial": shapes.format_serial(int(row["serial_hex"], 16), serial_style),
        "type": row["certificate_type"],
        "product": row["product"],
        "issued_via": row["issued_via"],
        "status": status_of(row, now),
        "names": json.loads(row["names"]),
        "common_name": row["common_name"],
        "subject_dn": row["subject_dn"],
        "issuer_dn": row["issuer_dn"],
        "key_type": row["key_type"],
        "not_before": format_iso(row["not_before"]),
        "not_after": format_iso(row["not_after"]),
        "transaction_id": row["transaction_id"],
        "organization_id": row["organization_id"],
        "requester_email": row["requester_email"],
        "requester_name": row["requester_name"],
        "friendly_name": row["friendly_name"],
        "revocation": revocation_state(row),
        "certificate_pem": row["pem"],
    }
