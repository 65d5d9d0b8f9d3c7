"""S/MIME and client-auth requests: seeding through the control API, and the HARICA record.

The approver API cannot accept or cancel these requests yet, so the control API seeds
them in the state a test needs: completed with a certificate (the default), or pending,
ready or cancelled without one. A seeded Ready request has no issuance time, so it
stays Ready. Both types name their holders by email address, as RFC822 names.
"""

from __future__ import annotations

import json
import sqlite3

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from . import shapes
from .certificate_records import add_certificate_fields, san_text
from .certificate_seeds import build_spec, choice, issue_unless_taken, reject_unknown_keys
from .certificates import CertificateSpec, subject_alternative_names, subject_name
from .clock import parse_instant
from .errors import ApiError
from .request_rows import insert_pending_request
from .state import Simulator

EMAIL_REQUEST_TYPES = ("smime", "clientauth")
SEED_STATUSES = ("completed", "pending", "ready", "cancelled")
REQUEST_KEYS = {
    "emails",
    "requester_email",
    "requester_name",
    "organization_id",
    "status",
    "issued_via",
    "friendly_name",
    "common_name",
    "product",
    "requested_at",
    "not_before",
    "not_after",
    "validity_days",
}


def _csr_pem(key, spec: CertificateSpec) -> str:
    """Build the request's CSR for the pool key that its certificate will certify."""
    san = x509.SubjectAlternativeName(subject_alternative_names(spec.certificate_type, spec.names))
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject_name(spec.subject))
    csr = builder.add_extension(san, critical=False).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def _requester_email(payload: dict) -> str:
    email = payload.get("requester_email")
    if not isinstance(email, str) or "@" not in email:
        raise ApiError("Missing or invalid 'requester_email': expected an email address.")
    return email


def _request_fields(sim: Simulator, request_type: str, spec: CertificateSpec, requested_at: float) -> dict:
    """Return the `requests` columns of a seeded request, with a CSR for the spec's pool key."""
    return {
        "request_type": request_type,
        "product": spec.product,
        "enterprise_id": spec.enterprise_id,
        "requester_email": spec.requester_email,
        "requester_name": spec.requester_name,
        "friendly_name": spec.friendly_name,
        "domains": "[]",
        "subject": json.dumps(spec.subject),
        "csr_pem": _csr_pem(sim.key_pool.keys[spec.key_index], spec),
        "private_key_pem": None,
        "high_risk": 0,
        "requested_at": requested_at,
    }


def seed_email_request(sim: Simulator, request_type: str, payload) -> str:
    """Insert an S/MIME or client-auth request from a control payload and return its transaction id."""
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    reject_unknown_keys(payload, REQUEST_KEYS)
    _requester_email(payload)
    status = choice(payload, "status", SEED_STATUSES, "completed")
    spec = build_spec(sim, payload, sim.settings.current(), request_type)
    requested_at = sim.clock.now()
    if payload.get("requested_at") is not None:
        requested_at = parse_instant(payload["requested_at"], "requested_at").timestamp()
    spec.key_index = sim.key_pool.pick()
    transaction_id = insert_pending_request(sim.store, _request_fields(sim, request_type, spec, requested_at))

    certificate_id = None
    if status == "completed":
        spec.transaction_id = transaction_id
        certificate_id = issue_unless_taken(sim, spec)
    ready_at = sim.clock.now() if status == "ready" else None
    sim.store.execute(
        "UPDATE requests SET status = ?, emails = ?, certificate_id = ?, ready_at = ? WHERE transaction_id = ?",
        (status, json.dumps(spec.names), certificate_id, ready_at, transaction_id),
    )
    return transaction_id


def render_email_request_record(sim: Simulator, request: sqlite3.Row, settings: dict) -> dict:
    """Build an S/MIME or client-auth request as the approver API shows it, in camelCase keys.

    These records carry `dN` and `sANS` (RFC822 names) and no `domains`.
    """
    organization = sim.store.query_one(
        "SELECT organization_id FROM enterprises WHERE id = ?", (request["enterprise_id"],)
    )
    record = {
        "transactionId": request["transaction_id"],
        "transactionStatus": shapes.status_word(request["status"], settings),
        "transactionTypeName": request["product"],
        "dN": shapes.harica_dn(subject_name(json.loads(request["subject"]))),
        "sANS": san_text(request["request_type"], json.loads(request["emails"] or "[]")),
        "userEmail": request["requester_email"],
        "user": request["requester_name"],
        "friendlyName": request["friendly_name"],
        "requestedAt": shapes.format_timestamp(request["requested_at"]),
        "reviewedAt": shapes.format_timestamp(request["reviewed_at"]),
        "reviewedBy": request["reviewed_by"],
        "isHighRisk": bool(request["high_risk"]),
        "isRevoked": False,
        "certificateValidTo": None,
        "certificate": None,
        "pemBundle": None,
        "organizationId": organization["organization_id"],
    }
    if request["certificate_id"] is not None:
        add_certificate_fields(sim, record, request["certificate_id"], settings)
    return record
