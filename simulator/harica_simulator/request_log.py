"""Log of the requests that reached the HARICA API paths and /login.

An entry is written when a request arrives and completed with its status when the
response is sent, so a dropped connection leaves `status` null. Sequence numbers keep
growing across clears and resets, so a reader's `since` stays valid.
"""

from __future__ import annotations

import hashlib
import json
import time

from .bulk_csv import count_data_rows
from .multipart_form import FormPart
from .store import Store

# Maximum number of characters of a non-JSON body kept in the log.
TEXT_BODY_LIMIT = 200


def summarize_body(raw: bytes) -> object:
    """Return the parsed JSON body, the first 200 characters of a text body, or None."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text[:TEXT_BODY_LIMIT]


def summarize_form(parts: list[FormPart]) -> dict:
    """Describe a multipart form without its contents, which may hold pickup passwords.

    Keeps the field names and, for the first file, its name, its number of CSV data rows
    (null when it is not readable CSV) and its SHA-256 digest.
    """
    summary: dict = {"form_fields": [part.name for part in parts]}
    files = [part for part in parts if part.filename is not None]
    if files:
        summary["file_name"] = files[0].filename
        summary["csv_rows"] = count_data_rows(files[0].content)
        summary["csv_sha256"] = hashlib.sha256(files[0].content).hexdigest()
    return summary


def start_entry(store: Store, method: str, path: str, query: str, connection: str | None, body: object) -> int:
    cursor = store.execute(
        "INSERT INTO request_log (received_at, method, path, query, connection, body) VALUES (?, ?, ?, ?, ?, ?)",
        (time.time(), method, path, query, connection, json.dumps(body)),
    )
    return cursor.lastrowid


def finish_entry(
    store: Store, seq: int, *, status: int | None, fault: str | None, user: str | None, handler_seconds: float
) -> None:
    store.execute(
        "UPDATE request_log SET status = ?, fault = ?, user = ?, handler_seconds = ? WHERE seq = ?",
        (status, fault, user, handler_seconds, seq),
    )


def entries_since(store: Store, since: int) -> dict:
    rows = store.query("SELECT * FROM request_log WHERE seq > ? ORDER BY seq", (since,))
    entries = [
        {
            "seq": row["seq"],
            "received_at": row["received_at"],
            "method": row["method"],
            "path": row["path"],
            "query": row["query"],
            "status": row["status"],
            "fault": row["fault"],
            "user": row["user"],
            "connection": row["connection"],
            "body": json.loads(row["body"]),
            "handler_seconds": row["handler_seconds"],
        }
        for row in rows
    ]
    last = store.query_one("SELECT seq FROM sqlite_sequence WHERE name = 'request_log'")
    return {"entries": entries, "last_seq": last["seq"] if last else 0}


def clear(store: Store) -> None:
    store.execute("DELETE FROM request_log")
