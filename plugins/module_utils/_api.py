# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Facts about the HARICA CertManager API: paths, roles and request bodies.

Each path, role and body field that the collection depends on is written here once, so
that a difference found on HARICA's staging service is one small change. The API
assumptions page in ``docs/`` lists which of these facts are confirmed and which guessed.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

API_PREFIX = "/cm/v1"

ENTERPRISE_ADMIN = "Enterprise Admin"


class RequestType(t.NamedTuple):
    """One kind of certificate request that approvers handle."""

    name: str
    label: str
    approver_role: str


REQUEST_TYPES: dict[str, RequestType] = {
    "ssl": RequestType("ssl", "SSL", "SSL Enterprise Approver"),
    "smime": RequestType("smime", "S/MIME", "S/MIME Enterprise Approver"),
    "clientauth": RequestType("clientauth", "client authentication", "Client Auth Enterprise Approver"),
}

# The status words of the approver list paths, as the API spells them in URLs.
REQUEST_LIST_STATUSES = ("pending", "ready", "completed", "cancelled")

# The status words of the admin certificate list paths.
CERTIFICATE_STATUSES = ("valid", "revoked", "expired")

# How a certificate was issued; each is revoked through its own admin path.
ISSUANCE_METHODS = ("single", "bulk", "acme")


def _segment(value: str) -> str:
    return quote(value, safe="")


def requests_path(request_type: str) -> str:
    """Return the path that lists every request of a type."""
    return f"{API_PREFIX}/enterprise/requests/{request_type}"


def request_by_id_path(request_type: str, transaction_id: str) -> str:
    return f"{requests_path(request_type)}/id/{_segment(transaction_id)}"


def requests_by_status_path(request_type: str, status: str) -> str:
    return f"{requests_path(request_type)}/list/{_segment(status)}"


def accept_path(request_type: str) -> str:
    return f"{API_PREFIX}/enterprise/accept/{request_type}"


def cancel_path(request_type: str) -> str:
    return f"{API_PREFIX}/enterprise/cancel/{request_type}"


def accept_body(transaction_id: str, message: str) -> dict[str, t.Any]:
    """Build the accept body; its casing follows HARICA's integration manual."""
    return {"transactionId": transaction_id, "message": message}


def cancel_body(transaction_id: str, message: str, inform_user: bool) -> dict[str, t.Any]:
    """Build the cancel body. The manual spells these keys in PascalCase."""
    return {"TransactionId": transaction_id, "Message": message, "InformUser": inform_user}


def certificates_path() -> str:
    """Return the path that lists every certificate of the admin's enterprises."""
    return f"{API_PREFIX}/admin/certificates"


def certificates_by_status_path(status: str) -> str:
    return f"{certificates_path()}/list/{_segment(status)}"


def certificate_by_serial_path(serial: str) -> str:
    return f"{certificates_path()}/serial/{_segment(serial)}"


def admin_revoke_path(issuance_method: str) -> str:
    return f"{API_PREFIX}/admin/revoke/{issuance_method}"


def approver_revoke_path(request_type: str) -> str:
    return f"{API_PREFIX}/enterprise/revoke/{request_type}"


def revoke_body(transaction_id: str, *, message: str, reason_code: str, inform_user: bool) -> dict[str, t.Any]:
    """Build a revoke body. The manual shows it for the approver path; the admin path is
    assumed to take the same fields."""
    return {"transactionId": transaction_id, "message": message, "value": reason_code, "informUser": inform_user}


def enterprises_path() -> str:
    return f"{API_PREFIX}/admin/enterprises"


def users_path() -> str:
    return f"{API_PREFIX}/admin/users"


def user_by_email_path(email: str) -> str:
    return f"{users_path()}/email/{_segment(email)}"


def bulk_create_path(certificate_type: str) -> str:
    return f"{API_PREFIX}/bulk/create/{certificate_type}"


def bulk_form(organization_id: str, csv_bytes: bytes) -> tuple[dict[str, str], dict[str, t.Any]]:
    """Return the multipart fields of a bulk upload: ``Value`` is the enterprise id and
    ``File`` the CSV, as HARICA's integration manual names them."""
    return {"Value": organization_id}, {"File": ("harica-bulk.csv", csv_bytes, "text/csv")}


def required_role(path: str) -> str | None:
    """Return the HARICA role that a path needs, or None for a path outside the API."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if parts[:2] != API_PREFIX.strip("/").split("/"):
        return None
    area = parts[2:3]
    if area in (["admin"], ["bulk"]):
        return ENTERPRISE_ADMIN
    if area == ["enterprise"] and len(parts) > 4 and parts[4] in REQUEST_TYPES:
        return REQUEST_TYPES[parts[4]].approver_role
    return None


__all__ = (
    "API_PREFIX",
    "CERTIFICATE_STATUSES",
    "ENTERPRISE_ADMIN",
    "ISSUANCE_METHODS",
    "REQUEST_LIST_STATUSES",
    "REQUEST_TYPES",
    "RequestType",
    "accept_body",
    "accept_path",
    "admin_revoke_path",
    "approver_revoke_path",
    "bulk_create_path",
    "bulk_form",
    "cancel_body",
    "cancel_path",
    "certificate_by_serial_path",
    "certificates_by_status_path",
    "certificates_path",
    "enterprises_path",
    "request_by_id_path",
    "requests_by_status_path",
    "requests_path",
    "required_role",
    "revoke_body",
    "user_by_email_path",
    "users_path",
)
