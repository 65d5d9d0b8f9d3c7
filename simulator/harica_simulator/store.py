"""SQLite state of the simulator: schema, connection and the key-value meta table.

Every table lives in `<state dir>/simulator.db`. Settings, the clock offset, faults and
the request log are stored there too, so a restarted simulator keeps all of them.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

SCHEMA_VERSION = 3

# Times are Unix seconds (REAL) on the simulator clock, except request_log.received_at
# and api_keys.created_at, which are real wall-clock time. Lists are JSON text.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enterprises (
    id INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    domains TEXT NOT NULL,
    localized_name TEXT,
    state TEXT,
    locality TEXT,
    organizational_unit TEXT,
    domain_validity TEXT,
    group_id TEXT
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    all_enterprises INTEGER NOT NULL,
    given_name TEXT,
    surname TEXT,
    created_at REAL
);
CREATE TABLE IF NOT EXISTS user_enterprises (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, enterprise_id)
);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    transaction_id TEXT NOT NULL UNIQUE,
    request_type TEXT NOT NULL,
    product TEXT NOT NULL,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    requester_email TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    domains TEXT NOT NULL,
    emails TEXT,
    subject TEXT NOT NULL,
    csr_pem TEXT NOT NULL,
    private_key_pem TEXT,
    high_risk INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    requested_at REAL NOT NULL,
    reviewed_at REAL,
    reviewed_by TEXT,
    ready_at REAL,
    issue_at REAL,
    certificate_id INTEGER REFERENCES certificates(id)
);
CREATE INDEX IF NOT EXISTS requests_by_status ON requests (request_type, status);
CREATE TABLE IF NOT EXISTS request_actions (
    id INTEGER PRIMARY KEY,
    transaction_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_email TEXT,
    at REAL NOT NULL,
    message TEXT,
    inform_user INTEGER
);
CREATE INDEX IF NOT EXISTS request_actions_by_request ON request_actions (transaction_id);
CREATE TABLE IF NOT EXISTS certificates (
    id INTEGER PRIMARY KEY,
    serial_hex TEXT NOT NULL UNIQUE,
    certificate_type TEXT NOT NULL,
    product TEXT,
    issued_via TEXT NOT NULL DEFAULT 'single',
    status TEXT NOT NULL,
    pem TEXT NOT NULL,
    names TEXT NOT NULL,
    common_name TEXT,
    subject_dn TEXT NOT NULL,
    issuer_dn TEXT,
    key_type TEXT,
    not_before REAL NOT NULL,
    not_after REAL NOT NULL,
    transaction_id TEXT,
    enterprise_id INTEGER REFERENCES enterprises(id),
    requester_email TEXT,
    requester_name TEXT,
    friendly_name TEXT,
    revoked_at REAL,
    revocation_reason TEXT,
    revocation_message TEXT,
    revocation_inform_user INTEGER,
    revoked_via TEXT,
    revoked_by TEXT
);
CREATE INDEX IF NOT EXISTS certificates_by_status ON certificates (status, not_after);
CREATE INDEX IF NOT EXISTS certificates_by_transaction ON certificates (transaction_id);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    action TEXT NOT NULL,
    params TEXT NOT NULL,
    remaining INTEGER,
    applied INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER,
    fault TEXT,
    user TEXT,
    connection TEXT,
    body TEXT,
    handler_seconds REAL
);
"""

# Columns added in schema version 2, with their declarations, for databases created by
# version 1. SQLite's ALTER TABLE ADD COLUMN adds them to the existing rows as NULL or
# as the default.
VERSION_2_COLUMNS = {
    "requests": [("emails", "TEXT")],
    "certificates": [
        ("product", "TEXT"),
        ("issued_via", "TEXT NOT NULL DEFAULT 'single'"),
        ("common_name", "TEXT"),
        ("issuer_dn", "TEXT"),
        ("key_type", "TEXT"),
        ("requester_name", "TEXT"),
        ("friendly_name", "TEXT"),
        ("revocation_message", "TEXT"),
        ("revocation_inform_user", "INTEGER"),
        ("revoked_via", "TEXT"),
        ("revoked_by", "TEXT"),
    ],
}

# Columns added in schema version 3. enterprises.domain_validity is JSON text mapping
# each domain to the Unix time when its validation expires.
VERSION_3_COLUMNS = {
    "enterprises": [
        ("localized_name", "TEXT"),
        ("state", "TEXT"),
        ("locality", "TEXT"),
        ("organizational_unit", "TEXT"),
        ("domain_validity", "TEXT"),
        ("group_id", "TEXT"),
    ],
    "users": [("given_name", "TEXT"), ("surname", "TEXT"), ("created_at", "REAL")],
    "request_log": [("handler_seconds", "REAL")],
}

# Tables emptied by a reset, children first. The meta table is handled separately
# because it also stores the schema version.
RESET_TABLES = (
    "request_log",
    "faults",
    "request_actions",
    "requests",
    "certificates",
    "api_keys",
    "user_enterprises",
    "users",
    "enterprises",
)


# Read-only connections kept open for reuse by Store.reader.
MAX_IDLE_READERS = 4


class Store:
    """Connection to the simulator database, used from the event loop thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle_readers: list[sqlite3.Connection] = []
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)
        self._add_missing_columns()
        self.set_meta("schema_version", SCHEMA_VERSION)

    def _add_missing_columns(self) -> None:
        """Bring a version 1 or 2 database to the current columns. New databases have them all."""
        for added in (VERSION_2_COLUMNS, VERSION_3_COLUMNS):
            for table, columns in added.items():
                present = {row["name"] for row in self.query(f"PRAGMA table_info({table})")}
                for name, declaration in columns:
                    if name not in present:
                        self.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")

    def close(self) -> None:
        for reader in self._idle_readers:
            reader.close()
        self.conn.close()

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """Lend a read-only connection of its own, for a cursor that stays open across awaits.

        In WAL mode its reads see one committed snapshot, unaffected by the writes that
        other requests make meanwhile on the main connection.
        """
        if self._idle_readers:
            conn = self._idle_readers.pop()
        else:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only=ON")
        try:
            yield conn
        finally:
            if len(self._idle_readers) < MAX_IDLE_READERS:
                self._idle_readers.append(conn)
            else:
                conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction, committed on success and rolled back on error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        if row is None:
            return default
        return json.loads(row["value"])

    def set_meta(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def delete_meta(self, key: str) -> None:
        self.execute("DELETE FROM meta WHERE key = ?", (key,))

    def reset(self) -> None:
        """Delete every record, setting and clock offset. The schema version stays."""
        with self.transaction() as conn:
            for table in RESET_TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM meta WHERE key != 'schema_version'")


def open_store(state_dir: Path) -> Store:
    return Store(state_dir / "simulator.db")
