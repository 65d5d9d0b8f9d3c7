"""Revocation of issued certificates through the admin and the approver revoke paths.

Both paths take the body `{"transactionId", "message", "value", "informUser"}` with keys
matched case-insensitively, where `value` is the reason code. The admin path finds the
certificate by its transaction id. The approver path finds the completed request and
revokes its certificate.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from . import certificates, lifecycle
from .accounts import User, user_enterprise_ids
from .clock import format_iso
from .errors import ApiError, NotFound
from .request_bodies import body_field, optional_field, required_transaction_id
from .revocation_reasons import check_reason_code
from .state import Simulator

ISSUANCE_WORDS = {"single": "singly", "bulk": "in bulk", "acme": "through ACME"}
ALREADY_REVOKED_MESSAGE = "The certificate is already revoked"


@dataclass
class Revocation:
    """A parsed revoke request body."""

    transaction_id: str
    reason_code: str
    message: str | None
    inform_user: bool | None


def parse_revocation(payload: dict) -> Revocation:
    """Validate a revoke body. Raises ApiError (400) naming the missing or invalid field."""
    transaction_id = required_transaction_id(payload)
    reason_code = check_reason_code(body_field(payload, "value"))
    return Revocation(
        transaction_id=transaction_id,
        reason_code=reason_code,
        message=optional_field(payload, "message", str, "a string"),
        inform_user=optional_field(payload, "informUser", bool, "true or false"),
    )


def admin_revoke(sim: Simulator, user: User, issued_via: str, revocation: Revocation, path: str) -> None:
    """Revoke the certificate with the transaction id, which must have been issued the `issued_via` way."""
    row = certificates.find_by_transaction(sim.store, revocation.transaction_id)
    if row is None or row["enterprise_id"] not in user_enterprise_ids(sim.store, user):
        raise NotFound(f"No certificate with transaction id {revocation.transaction_id}.")
    if row["issued_via"] != issued_via:
        actual = row["issued_via"]
        raise ApiError(
            f"The certificate was issued {ISSUANCE_WORDS[actual]}, so it can only be revoked through"
            f" /cm/v1/admin/revoke/{actual}."
        )
    _revoke(sim, row, revocation, path, user)


def approver_revoke(sim: Simulator, request_type: str, user: User, revocation: Revocation, path: str) -> None:
    """Revoke the certificate of a completed request of the type."""
    request = lifecycle.find_request(sim, request_type, revocation.transaction_id, user)
    if request["status"] != "completed":
        raise ApiError(
            f"The request is {request['status']}, not completed, so it has no certificate to revoke."
        )
    _revoke(sim, certificates.find_by_id(sim.store, request["certificate_id"]), revocation, path, user)


def _revoke(sim: Simulator, row: sqlite3.Row, revocation: Revocation, path: str, user: User) -> None:
    now = sim.clock.now()
    if row["revoked_at"] is not None:
        if sim.settings.get("already_revoked") == "success":
            return
        raise ApiError(ALREADY_REVOKED_MESSAGE)
    if row["not_after"] < now:
        raise ApiError(
            f"The certificate has expired (valid to {format_iso(row['not_after'])}), so it cannot be revoked."
        )
    certificates.record_revocation(
        sim.store,
        row["id"],
        revocation.reason_code,
        now,
        message=revocation.message,
        inform_user=revocation.inform_user,
        path=path,
        actor=user.email,
    )
