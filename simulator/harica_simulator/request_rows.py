"""Insertion of new rows in the `requests` table, shared by every request type."""

from __future__ import annotations

import uuid

from .store import Store

REQUEST_COLUMNS = (
    "request_type",
    "product",
    "enterprise_id",
    "requester_email",
    "requester_name",
    "friendly_name",
    "domains",
    "subject",
    "csr_pem",
    "private_key_pem",
    "high_risk",
    "requested_at",
)


def insert_pending_request(store: Store, fields: dict) -> str:
    """Insert a Pending request with a new transaction id and return that id.

    `fields` must contain every name in REQUEST_COLUMNS, already validated.
    """
    transaction_id = str(uuid.uuid4())
    columns = ", ".join(REQUEST_COLUMNS)
    placeholders = ", ".join(f":{name}" for name in REQUEST_COLUMNS)
    store.execute(
        f"INSERT INTO requests (transaction_id, status, {columns})"
        f" VALUES (:transaction_id, 'pending', {placeholders})",
        {**{name: fields[name] for name in REQUEST_COLUMNS}, "transaction_id": transaction_id},
    )
    return transaction_id
