"""Users as the HARICA admin API shows them: the users list and the lookup by email.

NOTE: the record layout is a guess, because no public source shows a /cm/v1 user record.
"""

from __future__ import annotations

import sqlite3

from . import shapes
from .accounts import User, user_enterprise_ids
from .certificate_records import certificate_type_label
from .errors import NotFound
from .store import Store

# Readable role names in `roles`, in the order of accounts.ROLES.
ROLE_LABELS = {
    "enterprise_admin": "Enterprise Admin",
    "ssl_approver": "SSL Enterprise Approver",
    "smime_approver": "S/MIME Enterprise Approver",
    "clientauth_approver": "Client Auth Enterprise Approver",
}


def _placeholders(values: list) -> str:
    return ",".join("?" * len(values)) or "NULL"


def visible_users(store: Store, admin: User) -> list[tuple[User, str]]:
    """Return (user, organization id) for every user of the admin's enterprises, in creation order.

    The organization id is the first of the admin's enterprises that the user belongs to.
    """
    enterprise_ids = user_enterprise_ids(store, admin)
    if not enterprise_ids:
        return []
    marks = _placeholders(enterprise_ids)
    first = store.query_one(f"SELECT organization_id FROM enterprises WHERE id IN ({marks}) ORDER BY id", enterprise_ids)
    rows = store.query(
        "SELECT u.*, (SELECT e.organization_id FROM user_enterprises ue JOIN enterprises e ON e.id = ue.enterprise_id"
        f" WHERE ue.user_id = u.id AND e.id IN ({marks}) ORDER BY e.id LIMIT 1) AS shared_organization"
        " FROM users u ORDER BY u.id",
        enterprise_ids,
    )
    users = []
    for row in rows:
        if row["all_enterprises"]:
            users.append((User.from_row(row), first["organization_id"]))
        elif row["shared_organization"] is not None:
            users.append((User.from_row(row), row["shared_organization"]))
    return users


def find_visible_user(store: Store, admin: User, email: str) -> tuple[User, str]:
    """Return the user with `email` (any case) among the admin's users. Raises NotFound otherwise."""
    for user, organization_id in visible_users(store, admin):
        if user.email.lower() == email.lower():
            return user, organization_id
    raise NotFound(f"No user with email {email}.")


def _name_parts(user: User) -> tuple[str, str]:
    """Return (given name, surname): the seeded ones, else the display name split at its first space."""
    if user.given_name is not None or user.surname is not None:
        return user.given_name or "", user.surname or ""
    given, _, surname = user.name.partition(" ")
    return given, surname


def render_user(user: User, organization_id: str) -> dict:
    given_name, surname = _name_parts(user)
    return {
        "email": user.email,
        "givenName": given_name,
        "surname": surname,
        "fullName": user.name,
        "roles": [ROLE_LABELS[role] for role in user.roles],
        "isActive": True,
        "organizationId": organization_id,
        "createdAt": shapes.format_timestamp(user.created_at),
    }


def certificates_for_email(store: Store, admin: User, email: str) -> list[sqlite3.Row]:
    """Return the certificates of the admin's enterprises with `email` (any case) among their SAN emails."""
    enterprise_ids = user_enterprise_ids(store, admin)
    return store.query(
        "SELECT c.* FROM certificates c WHERE c.certificate_type != 'ssl'"
        f" AND c.enterprise_id IN ({_placeholders(enterprise_ids)})"
        " AND EXISTS (SELECT 1 FROM json_each(c.names) WHERE lower(json_each.value) = lower(?))"
        " ORDER BY c.id",
        [*enterprise_ids, email],
    )


def render_user_certificate(row: sqlite3.Row, settings: dict) -> dict:
    return {
        "serial": shapes.format_serial(int(row["serial_hex"], 16), settings["serial_style"]),
        "certificateType": certificate_type_label(row["certificate_type"], row["product"]),
        "validTo": shapes.format_timestamp(row["not_after"]),
        "isRevoked": row["revoked_at"] is not None,
    }
