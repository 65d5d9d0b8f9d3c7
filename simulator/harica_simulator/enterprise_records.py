"""Enterprise details beyond name, country and domains: their seeding and the HARICA record.

`GET /cm/v1/admin/enterprises` returns one record per (enterprise, domain), as HARICA's
older session API does. `validity` is the expiry of the domain's validation.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

from . import shapes
from .clock import format_iso, parse_instant
from .errors import ApiError

# NOTE: the default validation lifetime is a guess: 398 days, the longest reuse period of
# a domain validation that the CA/Browser Forum Baseline Requirements allowed until 2026.
DEFAULT_VALIDATION_DAYS = 398
SECONDS_PER_DAY = 86400
# Optional text fields of POST /_sim/enterprises and their columns.
DETAIL_FIELDS = {
    "localized_name": "localized_name",
    "state": "state",
    "locality": "locality",
    "organizational_unit": "organizational_unit",
}


def _optional_text(payload: dict, key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(f"Invalid {key!r}: expected a non-empty string.")
    return value.strip()


def _group_id(payload: dict) -> str:
    value = payload.get("group_id")
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError(f"Invalid group_id {value!r}: expected a UUID.") from None


def parse_domain_validity(raw, domains: list[str], now: float) -> dict[str, float]:
    """Return each domain's validation expiry in Unix seconds.

    `raw` is None (now + 398 days for every domain), one ISO 8601 time for every domain,
    or an object mapping some domains to their own times.
    """
    default = now + DEFAULT_VALIDATION_DAYS * SECONDS_PER_DAY
    validity = {domain: default for domain in domains}
    if raw is None:
        return validity
    if isinstance(raw, str):
        instant = parse_instant(raw, "validity").timestamp()
        return {domain: instant for domain in domains}
    if not isinstance(raw, dict):
        raise ApiError("Invalid 'validity': expected an ISO 8601 time or an object of domain names and times.")
    for domain, value in raw.items():
        key = str(domain).lower()
        if key not in validity:
            raise ApiError(f"Invalid 'validity': {domain} is not one of the enterprise's domains.")
        validity[key] = parse_instant(value, f"validity of {domain}").timestamp()
    return validity


def parse_details(payload: dict, domains: list[str], now: float) -> dict:
    """Return the enterprise columns added in schema version 3, validated, from a control payload."""
    details = {column: _optional_text(payload, key) for key, column in DETAIL_FIELDS.items()}
    validity = parse_domain_validity(payload.get("validity"), domains, now)
    details["domain_validity"] = json.dumps(validity)
    details["group_id"] = _group_id(payload)
    return details


def stored_validity(row: sqlite3.Row) -> dict[str, float]:
    return json.loads(row["domain_validity"] or "{}")


def details_state(row: sqlite3.Row) -> dict:
    """Describe the details for the control API, in snake_case keys, validity as ISO 8601."""
    return {
        "localized_name": row["localized_name"],
        "state": row["state"],
        "locality": row["locality"],
        "organizational_unit": row["organizational_unit"],
        "validity": {domain: format_iso(at) for domain, at in stored_validity(row).items()},
        "group_id": row["group_id"],
    }


def enterprise_dn(row: sqlite3.Row) -> str:
    """Format the enterprise's name as a `dn`: `OU=…, O=…, L=…, ST=…, C=GR`, empty parts left out."""
    # NOTE: the attribute order and the leaving out of empty parts are guesses.
    parts = [
        ("OU", row["organizational_unit"]),
        ("O", row["name"]),
        ("L", row["locality"]),
        ("ST", row["state"]),
        ("C", row["country"]),
    ]
    return ", ".join(f"{label}={value}" for label, value in parts if value)


def render_enterprise_rows(row: sqlite3.Row) -> list[dict]:
    """Build the records of one enterprise, one per domain, in camelCase keys.

    An enterprise without domains gets one record with `domain` and `validity` null.
    """
    validity = stored_validity(row)
    domains = json.loads(row["domains"]) or [None]
    return [
        {
            "organizationId": row["organization_id"],
            "organization": row["name"],
            "organizationLocalized": row["localized_name"] or row["name"],
            "domain": domain,
            "dn": enterprise_dn(row),
            "country": row["country"],
            "state": row["state"],
            "locality": row["locality"],
            "organizationalUnit": row["organizational_unit"],
            "validity": shapes.format_timestamp(validity.get(domain)) if domain else None,
            "groupId": row["group_id"],
        }
        for domain in domains
    ]
