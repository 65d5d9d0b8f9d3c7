"""Request lifecycle shared by every request type: accept, cancel, release, issuance.

States: pending -> (accept) -> ready -> (issuance) -> completed, and pending or ready ->
(cancel) -> cancelled. A high-risk request stays pending after acceptance, held for
HARICA's own review, until the control API releases it.

Issuance is computed lazily: every read first settles the ready requests whose
`issue_at` has passed on the simulator clock. `issue_at` is set when a request becomes
ready, to that time plus the `issuance_delay_seconds` setting then in force.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from .accounts import User, user_enterprise_ids
from .errors import ApiError, NotFound
from .email_requests import issue_email_certificate, render_email_request_record
from .ssl_requests import issue_ssl_certificate, render_ssl_record
from .state import Simulator

# Per request type: the function that issues a Ready request's certificate and returns
# its certificates row id.
ISSUERS: dict[str, Callable[[Simulator, sqlite3.Row], int]] = {
    "ssl": issue_ssl_certificate,
    "smime": issue_email_certificate,
    "clientauth": issue_email_certificate,
}
RENDERERS: dict[str, Callable[[Simulator, sqlite3.Row, dict], dict]] = {
    "ssl": render_ssl_record,
    "smime": render_email_request_record,
    "clientauth": render_email_request_record,
}
LIST_STATUSES = ("pending", "completed", "cancelled", "ready")


def settle_due(sim: Simulator, request_type: str) -> None:
    """Issue every Ready request of the type whose issuance delay has passed.

    Ready requests seeded through the control API have no issuance time, so they stay Ready.
    """
    rows = sim.store.query(
        "SELECT * FROM requests WHERE request_type = ? AND status = 'ready' AND issue_at <= ?",
        (request_type, sim.clock.now()),
    )
    for row in rows:
        with sim.store.transaction() as conn:
            certificate_id = ISSUERS[request_type](sim, row)
            conn.execute(
                "UPDATE requests SET status = 'completed', certificate_id = ? WHERE id = ?",
                (certificate_id, row["id"]),
            )


def settle_all_due(sim: Simulator) -> None:
    """Settle every request type, so that the certificates table is up to date."""
    for request_type in ISSUERS:
        settle_due(sim, request_type)


def visible_requests_query(
    sim: Simulator, request_type: str, user: User, status: str | None = None
) -> tuple[str, tuple]:
    """Settle due requests, then return the SQL and parameters that select the user's requests, oldest first."""
    settle_due(sim, request_type)
    enterprise_ids = user_enterprise_ids(sim.store, user)
    placeholders = ",".join("?" * len(enterprise_ids)) or "NULL"
    sql = f"SELECT * FROM requests WHERE request_type = ? AND enterprise_id IN ({placeholders})"
    params: list = [request_type, *enterprise_ids]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    return sql + " ORDER BY requested_at, id", tuple(params)


def visible_requests(
    sim: Simulator, request_type: str, user: User, status: str | None = None
) -> list[sqlite3.Row]:
    """Return the requests of the user's enterprises, oldest first, optionally of one status."""
    return sim.store.query(*visible_requests_query(sim, request_type, user, status))


def find_request(sim: Simulator, request_type: str, transaction_id: str, user: User | None) -> sqlite3.Row:
    """Return one settled request. Raises NotFound when it is unknown or outside the user's enterprises."""
    settle_due(sim, request_type)
    row = sim.store.query_one(
        "SELECT * FROM requests WHERE transaction_id = ? AND request_type = ?",
        (transaction_id, request_type),
    )
    if row is None or (user is not None and row["enterprise_id"] not in user_enterprise_ids(sim.store, user)):
        raise NotFound(f"No {request_type} request with transaction id {transaction_id}.")
    return row


def _issue_time(sim: Simulator, ready_at: float) -> float:
    return ready_at + sim.settings.get("issuance_delay_seconds")


def render(sim: Simulator, request: sqlite3.Row, settings: dict) -> dict:
    return RENDERERS[request["request_type"]](sim, request, settings)


def _record_action(sim: Simulator, request: sqlite3.Row, action: str, actor: str | None, message, inform_user) -> None:
    sim.store.execute(
        "INSERT INTO request_actions (transaction_id, action, actor_email, at, message, inform_user)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (request["transaction_id"], action, actor, sim.clock.now(), message, inform_user),
    )


def _check_acceptable(request: sqlite3.Row, user: User) -> None:
    status = request["status"]
    if status == "cancelled":
        raise ApiError("The request was cancelled, so it cannot be accepted.")
    if status in ("ready", "completed"):
        raise ApiError(f"The request has already been accepted (status {status}).")
    if request["held"]:
        raise ApiError("The request has already been accepted and is held for review by HARICA.")
    if request["requester_email"].lower() == user.email.lower():
        raise ApiError("You cannot approve a request you submitted.")


def accept(sim: Simulator, request_type: str, user: User, transaction_id: str, message, inform_user) -> None:
    """Accept a pending request, or hold it for HARICA's review when it is high-risk."""
    request = find_request(sim, request_type, transaction_id, user)
    _check_acceptable(request, user)
    now = sim.clock.now()
    with sim.store.transaction() as conn:
        if request["high_risk"]:
            conn.execute(
                "UPDATE requests SET held = 1, reviewed_at = ?, reviewed_by = ? WHERE id = ?",
                (now, user.email, request["id"]),
            )
        else:
            conn.execute(
                "UPDATE requests SET status = 'ready', ready_at = ?, issue_at = ?, reviewed_at = ?, reviewed_by = ?"
                " WHERE id = ?",
                (now, _issue_time(sim, now), now, user.email, request["id"]),
            )
        _record_action(sim, request, "accept", user.email, message, inform_user)


def cancel(sim: Simulator, request_type: str, user: User, transaction_id: str, message, inform_user) -> None:
    """Cancel a pending or ready request."""
    request = find_request(sim, request_type, transaction_id, user)
    if request["status"] == "completed":
        raise ApiError("The request is completed and its certificate was issued, so it cannot be cancelled.")
    if request["status"] == "cancelled":
        raise ApiError("The request is already cancelled.")
    now = sim.clock.now()
    with sim.store.transaction() as conn:
        conn.execute(
            "UPDATE requests SET status = 'cancelled', held = 0, reviewed_at = ?, reviewed_by = ? WHERE id = ?",
            (now, user.email, request["id"]),
        )
        _record_action(sim, request, "cancel", user.email, message, inform_user)


def release(sim: Simulator, transaction_id: str) -> None:
    """Clear HARICA's review hold of an accepted high-risk request, making it Ready."""
    row = sim.store.query_one("SELECT * FROM requests WHERE transaction_id = ?", (transaction_id,))
    if row is None:
        raise NotFound(f"No request with transaction id {transaction_id}.")
    if not row["held"]:
        raise ApiError(f"The request is not held for review (status {row['status']}), so there is nothing to release.")
    with sim.store.transaction() as conn:
        now = sim.clock.now()
        conn.execute(
            "UPDATE requests SET status = 'ready', held = 0, ready_at = ?, issue_at = ? WHERE id = ?",
            (now, _issue_time(sim, now), row["id"]),
        )
        _record_action(sim, row, "release", None, None, None)


def request_history(sim: Simulator, transaction_id: str) -> list[sqlite3.Row]:
    return sim.store.query(
        "SELECT * FROM request_actions WHERE transaction_id = ? ORDER BY id", (transaction_id,)
    )
