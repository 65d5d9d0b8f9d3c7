# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Enterprises (organizations) and users of an Enterprise Admin's account."""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError, HaricaNotFoundError
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record, extract_list, extract_one
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    format_timestamp,
    normalize_dns_name,
    normalize_serial,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient


def normalize_enterprises(raws: t.Iterable[t.Mapping[str, t.Any]]) -> list[dict[str, t.Any]]:
    """Return one record per enterprise from HARICA's rows, which may come one per domain."""
    enterprises: dict[str, dict[str, t.Any]] = {}
    for raw in raws:
        record = Record(raw)
        organization_id = str(record.get("organizationId", "id", default=""))
        entry = enterprises.setdefault(organization_id, _enterprise(record, organization_id))
        entry["raw"].append(dict(raw))
        for domain in _domains(record):
            if domain["name"] not in [known["name"] for known in entry["domains"]]:
                entry["domains"].append(domain)
    return sorted(enterprises.values(), key=lambda entry: (entry["name"] or "", entry["organization_id"]))


def _enterprise(record: Record, organization_id: str) -> dict[str, t.Any]:
    return {
        "organization_id": organization_id,
        "name": record.get("organization", "organizationName", "name"),
        "localized_name": record.get("organizationLocalized"),
        "country": record.get("country"),
        "state": record.get("state"),
        "locality": record.get("locality"),
        "organizational_unit": record.get("organizationalUnit"),
        "dn": record.get("dn"),
        "group_id": record.get("groupId"),
        "domains": [],
        "raw": [],
    }


def _domains(record: Record) -> list[dict[str, t.Any]]:
    values = record.get("domains", "domain", default=[])
    if isinstance(values, str):
        values = [values]
    validity = format_timestamp(record.timestamp("validity", "validTo"))
    domains = []
    for value in values:
        name = value.get("domain", value.get("name")) if isinstance(value, dict) else value
        if name:
            domains.append({"name": normalize_dns_name(str(name)), "validated_until": validity})
    return domains


class EnterpriseStore:
    """Read the account's enterprises and users through the admin endpoints."""

    def __init__(self, client: HaricaClient) -> None:
        self.client = client

    def enterprises(self) -> list[dict[str, t.Any]]:
        path = _api.enterprises_path()
        payload = self.client.get_json(path, action="list the enterprises of the account")
        return normalize_enterprises(extract_list(payload, path=path))

    def resolve(self, *, organization_id: str | None = None, enterprise: str | None = None) -> dict[str, t.Any]:
        """Return the enterprise an id, a name or a domain names; raise when none or several match."""
        enterprises = self.enterprises()
        if organization_id is not None:
            matches = [entry for entry in enterprises if entry["organization_id"].lower() == organization_id.lower()]
            wanted = f"organization_id {organization_id!r}"
        else:
            key = (enterprise or "").strip().lower()
            matches = [entry for entry in enterprises if _names(entry) & {key, normalize_dns_name(key)}]
            wanted = f"enterprise {enterprise!r}"
        if len(matches) == 1:
            return matches[0]
        known = "; ".join(f"{entry['name']} ({entry['organization_id']}: {', '.join(d['name'] for d in entry['domains'])})"
                          for entry in (matches or enterprises))
        if not matches:
            raise HaricaError(f"No enterprise of the account matches {wanted}. The account has: {known or 'none'}.")
        raise HaricaError(f"Several enterprises match {wanted}: {known}. Give organization_id instead.",
                          candidates=[entry["organization_id"] for entry in matches])

    def users(self) -> list[dict[str, t.Any]]:
        path = _api.users_path()
        payload = self.client.get_json(path, action="list the enterprise users")
        return [normalize_user(raw) for raw in extract_list(payload, path=path)]

    def user(self, email: str) -> dict[str, t.Any] | None:
        path = _api.user_by_email_path(email)
        try:
            payload = self.client.get_json(path, action=f"look up user {email}")
        except HaricaNotFoundError:
            return None
        raw = extract_one(payload, path=path, record_keys=("email", "userEmail"))
        return normalize_user(raw) if raw else None


def _names(entry: t.Mapping[str, t.Any]) -> set[str]:
    names = {str(entry[key]).lower() for key in ("name", "localized_name") if entry.get(key)}
    return names | {domain["name"] for domain in entry["domains"]}


def normalize_user(raw: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    record = Record(raw)
    roles = record.get("roles", "role", default=[])
    certificates = record.get("certificates", default=[])
    return {
        "email": str(record.get("email", "userEmail", default="")).lower(),
        "given_name": record.get("givenName", "firstName"),
        "surname": record.get("surname", "lastName"),
        "full_name": record.get("fullName", "name", "user"),
        "roles": [roles] if isinstance(roles, str) else list(roles),
        "is_active": record.flag("isActive") if record.get("isActive") is not None else None,
        "enterprise_id": record.get("organizationId", "groupId"),
        "created_at": format_timestamp(record.timestamp("createdAt")),
        "certificates": [_user_certificate(Record(item)) for item in certificates if isinstance(item, dict)],
        "raw": dict(raw),
    }


def _user_certificate(record: Record) -> dict[str, t.Any]:
    return {
        "serial_number": normalize_serial(record.get("serial", "serialNumber")),
        "product": record.get("certificateType", "type"),
        "not_after": format_timestamp(record.timestamp("validTo", "certificateValidTo")),
        "is_revoked": record.flag("isRevoked"),
    }


__all__ = ("EnterpriseStore", "normalize_enterprises", "normalize_user")
