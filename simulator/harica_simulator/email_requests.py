"""S/MIME and client-auth requests: seeding, issuance on completion, and the HARICA record.

The control API seeds these requests completed with a certificate (the default), or
pending, ready or cancelled without one. A seeded Pending request goes through the
approver API's accept and cancel like an SSL request, and lifecycle.py calls
issue_email_certificate when it completes. A seeded Ready request has no issuance time,
so it stays Ready. Both types name their holders by email address, as RFC822 names.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from . import shapes
from .ca import load_csr
from .certificate_records import add_certificate_fields, san_text
from .certificate_seeds import EMAIL_VALIDITY_DAYS, build_spec, choice, issue_unless_taken, reject_unknown_keys
from .certificates import (
    EXTENDED_KEY_USAGES,
    CertificateSpec,
    insert_certificate,
    subject_alternative_names,
    subject_name,
)
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
    "high_risk",
    "csr",
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


def _seeded_csr(payload: dict) -> str | None:
    """Return the payload's PEM CSR after checking its signature, or None when there is none."""
    csr_pem = payload.get("csr")
    if csr_pem is None:
        return None
    if not isinstance(csr_pem, str):
        raise ApiError("Invalid 'csr': expected a PEM text.")
    try:
        load_csr(csr_pem)
    except ValueError as error:
        raise ApiError(f"Invalid 'csr': {error}.") from None
    return csr_pem


def _high_risk(payload: dict) -> bool:
    high_risk = payload.get("high_risk", False)
    if not isinstance(high_risk, bool):
        raise ApiError("Invalid 'high_risk': expected true or false.")
    return high_risk


def _request_fields(
    request_type: str, spec: CertificateSpec, csr_pem: str, high_risk: bool, requested_at: float
) -> dict:
    """Return the `requests` columns of a seeded request."""
    return {
        "request_type": request_type,
        "product": spec.product,
        "enterprise_id": spec.enterprise_id,
        "requester_email": spec.requester_email,
        "requester_name": spec.requester_name,
        "friendly_name": spec.friendly_name,
        "domains": "[]",
        "subject": json.dumps(spec.subject),
        "csr_pem": csr_pem,
        "private_key_pem": None,
        "high_risk": int(high_risk),
        "requested_at": requested_at,
    }


def seed_email_request(sim: Simulator, request_type: str, payload) -> str:
    """Insert an S/MIME or client-auth request from a control payload and return its transaction id."""
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    reject_unknown_keys(payload, REQUEST_KEYS)
    _requester_email(payload)
    status = choice(payload, "status", SEED_STATUSES, "completed")
    high_risk = _high_risk(payload)
    csr_pem = _seeded_csr(payload)
    spec = build_spec(sim, payload, sim.settings.current(), request_type)
    requested_at = sim.clock.now()
    if payload.get("requested_at") is not None:
        requested_at = parse_instant(payload["requested_at"], "requested_at").timestamp()
    # Without a seeded CSR, the request gets a CSR of a pool key, and every certificate
    # issued for it, at once or after acceptance, certifies that key.
    if csr_pem is None:
        spec.key_index = sim.key_pool.pick()
        csr_pem = _csr_pem(sim.key_pool.keys[spec.key_index], spec)
    else:
        spec.public_key = load_csr(csr_pem).public_key()
    fields = _request_fields(request_type, spec, csr_pem, high_risk, requested_at)
    transaction_id = insert_pending_request(sim.store, fields)

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


def issue_email_certificate(sim: Simulator, request: sqlite3.Row) -> int:
    """Issue the certificate of a Ready S/MIME or client-auth request and return its `certificates` row id.

    The certificate certifies the public key of the request's CSR. Its subject is the
    request's, and it lasts EMAIL_VALIDITY_DAYS from now on the simulator clock.
    """
    request_type = request["request_type"]
    emails = json.loads(request["emails"])
    pairs = json.loads(request["subject"])
    not_before = datetime.fromtimestamp(sim.clock.now(), tz=timezone.utc)
    certificate = sim.ca.issue_leaf(
        load_csr(request["csr_pem"]).public_key(),
        subject_name(pairs),
        subject_alternative_names(request_type, emails),
        EXTENDED_KEY_USAGES[request_type],
        not_before,
        not_before + timedelta(days=EMAIL_VALIDITY_DAYS),
    )
    # NOTE: the request keeps only the certificate's CN, so `commonName` is its ASCII
    # form here, while a seed completed at once keeps the common name as given.
    common_name = next(value for short_name, value in pairs if short_name == "CN")
    return insert_certificate(
        sim.store,
        certificate,
        certificate_type=request_type,
        product=request["product"],
        issued_via="single",
        names=emails,
        common_name=common_name,
        transaction_id=request["transaction_id"],
        enterprise_id=request["enterprise_id"],
        requester_email=request["requester_email"],
        requester_name=request["requester_name"],
        friendly_name=request["friendly_name"],
    )


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
