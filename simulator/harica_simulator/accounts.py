"""Enterprises, users, roles and API keys.

Only the SHA-256 digest of an API key is stored, so a key is shown once, when created.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass

from .enterprise_records import details_state, parse_details
from .errors import ApiError, NotFound
from .store import Store

ROLES = ("enterprise_admin", "ssl_approver", "smime_approver", "clientauth_approver")
# HARICA allows at most three API keys per user.
MAX_KEYS_PER_USER = 3


@dataclass
class User:
    id: int
    email: str
    name: str
    roles: list[str]
    all_enterprises: bool
    given_name: str | None = None
    surname: str | None = None
    # Simulator time of creation, or None for users created by schema version 2.
    created_at: float | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "User":
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            roles=json.loads(row["roles"]),
            all_enterprises=bool(row["all_enterprises"]),
            given_name=row["given_name"],
            surname=row["surname"],
            created_at=row["created_at"],
        )


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def enterprise_record(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "organization_id": row["organization_id"],
        "name": row["name"],
        "country": row["country"],
        "domains": json.loads(row["domains"]),
        **details_state(row),
    }


def _require_text(payload: dict, key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(f"Missing or invalid {key!r}: expected a non-empty string.")
    return value.strip()


def _organization_id(payload: dict) -> str:
    value = payload.get("organization_id")
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError(f"Invalid organization_id {value!r}: expected a UUID.") from None


def create_enterprise(store: Store, payload: dict, now: float | None = None) -> dict:
    """Insert an enterprise from a control payload. `now` (simulator time) starts the default domain validity."""
    name = _require_text(payload, "name")
    domains = payload.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise ApiError("Invalid 'domains': expected a list of domain names.")
    country = payload.get("country", "GR")
    if not isinstance(country, str) or len(country) != 2:
        raise ApiError(f"Invalid country {country!r}: expected a two-letter country code.")
    organization_id = _organization_id(payload)
    domains = [d.lower() for d in domains]
    details = parse_details(payload, domains, time.time() if now is None else now)
    try:
        store.execute(
            "INSERT INTO enterprises (organization_id, name, country, domains, localized_name, state, locality,"
            " organizational_unit, domain_validity, group_id) VALUES (:organization_id, :name, :country, :domains,"
            " :localized_name, :state, :locality, :organizational_unit, :domain_validity, :group_id)",
            {
                "organization_id": organization_id,
                "name": name,
                "country": country.upper(),
                "domains": json.dumps(domains),
                **details,
            },
        )
    except sqlite3.IntegrityError:
        raise ApiError(f"An enterprise with organization_id {organization_id} already exists.", 409) from None
    return get_enterprise(store, organization_id)


def get_enterprise(store: Store, organization_id: str) -> dict:
    row = store.query_one("SELECT * FROM enterprises WHERE organization_id = ?", (organization_id,))
    if row is None:
        raise NotFound(f"No enterprise with organization_id {organization_id}.")
    return enterprise_record(row)


def seed_enterprise(store: Store, organization_id) -> sqlite3.Row:
    """Return the enterprise row that a seeded object belongs to.

    `organization_id` may be left out (None) only when there is exactly one enterprise.
    """
    if organization_id is not None:
        row = store.query_one("SELECT * FROM enterprises WHERE organization_id = ?", (str(organization_id),))
        if row is None:
            raise ApiError(f"No enterprise with organization_id {organization_id}.", 404)
        return row
    rows = store.query("SELECT * FROM enterprises")
    if len(rows) != 1:
        raise ApiError(f"There are {len(rows)} enterprises, so 'organization_id' is required.")
    return rows[0]


def list_enterprises(store: Store) -> list[dict]:
    return [enterprise_record(row) for row in store.query("SELECT * FROM enterprises ORDER BY id")]


def _validate_roles(roles) -> list[str]:
    if not isinstance(roles, list) or not roles:
        raise ApiError(f"Missing or invalid 'roles': expected a non-empty list of {', '.join(ROLES)}.")
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ApiError(f"Unknown roles {unknown}: allowed roles are {', '.join(ROLES)}.")
    return sorted(set(roles), key=ROLES.index)


def _enterprise_row_ids(store: Store, organization_ids) -> list[int]:
    if not isinstance(organization_ids, list) or not organization_ids:
        raise ApiError("Invalid 'enterprise_ids': expected a non-empty list of organization ids.")
    ids = []
    for organization_id in organization_ids:
        ids.append(get_enterprise(store, str(organization_id))["id"])
    return ids


def _optional_name(payload: dict, key: str) -> str | None:
    value = payload.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ApiError(f"Invalid {key!r}: expected a non-empty string.")
    return value.strip() if value is not None else None


def _display_name(payload: dict, email: str, given_name: str | None, surname: str | None) -> str:
    """Return `name`, else the given name and surname, else the part of the email before `@`."""
    if payload.get("name"):
        return str(payload["name"])
    joined = " ".join(part for part in (given_name, surname) if part)
    return joined or email.split("@")[0]


def create_user(store: Store, payload: dict, now: float | None = None) -> dict:
    """Create a user with one API key and return the key with the user's email and roles.

    `now` is the simulator time recorded as the creation time.
    """
    email = _require_text(payload, "email")
    given_name = _optional_name(payload, "given_name")
    surname = _optional_name(payload, "surname")
    name = _display_name(payload, email, given_name, surname)
    roles = _validate_roles(payload.get("roles"))
    organization_ids = payload.get("enterprise_ids")
    enterprise_ids = [] if organization_ids is None else _enterprise_row_ids(store, organization_ids)
    with store.transaction() as conn:
        try:
            cursor = conn.execute(
                "INSERT INTO users (email, name, roles, all_enterprises, given_name, surname, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    email,
                    name,
                    json.dumps(roles),
                    int(organization_ids is None),
                    given_name,
                    surname,
                    time.time() if now is None else now,
                ),
            )
        except sqlite3.IntegrityError:
            raise ApiError(f"A user with email {email} already exists.", 409) from None
        user_id = cursor.lastrowid
        for enterprise_id in enterprise_ids:
            conn.execute("INSERT INTO user_enterprises VALUES (?, ?)", (user_id, enterprise_id))
        api_key = _insert_key(store, user_id, payload.get("api_key"))
    return {"email": email, "roles": roles, "api_key": api_key}


def _insert_key(store: Store, user_id: int, chosen: str | None) -> str:
    if chosen is not None and (not isinstance(chosen, str) or not chosen):
        raise ApiError("Invalid 'api_key': expected a non-empty string.")
    api_key = chosen or secrets.token_urlsafe(32)
    count = store.query_one("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?", (user_id,))["n"]
    if count >= MAX_KEYS_PER_USER:
        raise ApiError(f"The user already has {MAX_KEYS_PER_USER} API keys, the maximum.")
    try:
        store.execute(
            "INSERT INTO api_keys (user_id, key_sha256, created_at) VALUES (?, ?, strftime('%s', 'now'))",
            (user_id, hash_api_key(api_key)),
        )
    except sqlite3.IntegrityError:
        raise ApiError("That API key is already in use.", 409) from None
    return api_key


def add_api_key(store: Store, email: str, chosen: str | None) -> dict:
    user = find_user_by_email(store, email)
    with store.transaction():
        api_key = _insert_key(store, user.id, chosen)
    return {"email": user.email, "api_key": api_key}


def find_user_by_email(store: Store, email: str) -> User:
    row = store.query_one("SELECT * FROM users WHERE email = ?", (email,))
    if row is None:
        raise NotFound(f"No user with email {email}.")
    return User.from_row(row)


def find_user_by_key(store: Store, api_key: str) -> User | None:
    row = store.query_one(
        "SELECT users.* FROM users JOIN api_keys ON api_keys.user_id = users.id "
        "WHERE api_keys.key_sha256 = ?",
        (hash_api_key(api_key),),
    )
    return None if row is None else User.from_row(row)


def list_users(store: Store) -> list[dict]:
    users = []
    for row in store.query("SELECT * FROM users ORDER BY id"):
        user = User.from_row(row)
        users.append(
            {
                "email": user.email,
                "name": user.name,
                "given_name": user.given_name,
                "surname": user.surname,
                "roles": user.roles,
                "enterprise_ids": user_organization_ids(store, user),
            }
        )
    return users


def user_enterprise_ids(store: Store, user: User) -> list[int]:
    """Return the row ids of the enterprises whose requests the user may see."""
    if user.all_enterprises:
        rows = store.query("SELECT id FROM enterprises")
    else:
        rows = store.query("SELECT enterprise_id AS id FROM user_enterprises WHERE user_id = ?", (user.id,))
    return [row["id"] for row in rows]


def user_organization_ids(store: Store, user: User) -> list[str] | None:
    """Return the user's organization ids, or None for a user of every enterprise."""
    if user.all_enterprises:
        return None
    rows = store.query(
        "SELECT e.organization_id FROM enterprises e JOIN user_enterprises ue "
        "ON ue.enterprise_id = e.id WHERE ue.user_id = ? ORDER BY e.id",
        (user.id,),
    )
    return [row["organization_id"] for row in rows]


def backfill_version_2_enterprises(store: Store, now: float) -> None:
    """Give enterprises created by schema version 2 a group id and a domain validity from `now`."""
    rows = store.query("SELECT id, domains FROM enterprises WHERE group_id IS NULL")
    for row in rows:
        details = parse_details({}, json.loads(row["domains"]), now)
        store.execute(
            "UPDATE enterprises SET domain_validity = ?, group_id = ? WHERE id = ?",
            (details["domain_validity"], details["group_id"], row["id"]),
        )
