"""Seeding of certificates through the control API, as if HARICA had issued them earlier.

`POST /_sim/certificates` and the S/MIME and client-auth request seeds share the payload
parsing here. Every seeded certificate uses a key of the pool (see key_pool.py), so
seeding costs one signature and one insert.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

from . import certificates
from .accounts import seed_enterprise
from .certificates import CERTIFICATE_TYPES, ISSUANCE_METHODS, CertificateSpec
from .clock import parse_instant
from .errors import ApiError
from .names import is_within_domains, to_ascii_dns_name, to_ascii_email
from .revocation_reasons import check_reason_code
from .state import Simulator

PRODUCTS = {
    "ssl": ("DV", "OV", "EV"),
    "smime": ("email_only", "natural_legal_lcp"),
    "clientauth": ("CLIENT_AUTHENTICATION_IV", "CLIENT_AUTHENTICATION_OV"),
}
DEFAULT_PRODUCTS = {"ssl": "OV", "smime": "email_only", "clientauth": "CLIENT_AUTHENTICATION_IV"}
# Products whose subject names the enterprise (C and O before CN). The others carry CN only.
ORGANIZATION_PRODUCTS = ("OV", "EV", "natural_legal_lcp", "CLIENT_AUTHENTICATION_OV")
# NOTE: the validity of S/MIME and client-auth certificates is a guess, one year as
# HARICA's requests use. SSL certificates follow the ssl_validity_days setting.
EMAIL_VALIDITY_DAYS = 365
# X.509 upper bound of a common name (ub-common-name, RFC 5280 appendix A.1).
MAX_COMMON_NAME_LENGTH = 64
# Serials are at most 20 octets and positive (RFC 5280, section 4.1.2.2).
MAX_SERIAL = 2**159 - 1
CERTIFICATE_KEYS = {
    "type",
    "issued_via",
    "product",
    "names",
    "emails",
    "common_name",
    "requester_email",
    "requester_name",
    "friendly_name",
    "organization_id",
    "not_before",
    "not_after",
    "validity_days",
    "revoked",
    "with_transaction_id",
    "serial",
}


def reject_unknown_keys(payload: dict, known: set[str]) -> None:
    unknown = sorted(set(payload) - known)
    if unknown:
        raise ApiError(f"Unknown fields {unknown}: known fields are {', '.join(sorted(known))}.")


def choice(payload: dict, key: str, allowed: tuple, default):
    value = payload.get(key, default)
    if value not in allowed:
        raise ApiError(f"Invalid {key} {value!r}: allowed values are {', '.join(allowed)}.")
    return value


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def parse_names(certificate_type: str, payload: dict) -> tuple[str, list[str]]:
    """Return the first name as given and every name in ASCII form, without duplicates.

    SSL certificates take DNS names from `names`, and the other types take `emails`.
    """
    key, other = ("names", "emails") if certificate_type == "ssl" else ("emails", "names")
    if payload.get(other) is not None:
        raise ApiError(f"Invalid {other!r} for a {certificate_type} certificate: give {key!r} instead.")
    raw = payload.get(key)
    if not isinstance(raw, list) or not raw:
        raise ApiError(f"Missing or invalid {key!r}: expected a non-empty list.")
    if certificate_type == "ssl":
        converted = [to_ascii_dns_name(name) for name in raw]
    else:
        converted = [to_ascii_email(email) for email in raw]
    return raw[0].strip(), _unique(converted)


def _certificate_common_name(certificate_type: str, common_name: str) -> str:
    """Return the CN written in the certificate: the ASCII form when `common_name` is a DNS name or an email."""
    try:
        if certificate_type == "ssl":
            return to_ascii_dns_name(common_name)
        if "@" in common_name:
            return to_ascii_email(common_name)
    except ApiError:
        pass
    return common_name


def parse_common_name(certificate_type: str, payload: dict, first_name: str) -> tuple[str, str]:
    """Return (commonName as the caller gave it, CN in the certificate). The default is the first name."""
    common_name = payload.get("common_name", first_name)
    if not isinstance(common_name, str) or not common_name.strip():
        raise ApiError("Invalid 'common_name': expected a non-empty string.")
    common_name = common_name.strip()
    in_certificate = _certificate_common_name(certificate_type, common_name)
    if len(in_certificate) > MAX_COMMON_NAME_LENGTH:
        raise ApiError(
            f"The common name {in_certificate!r} is longer than {MAX_COMMON_NAME_LENGTH} characters,"
            " the X.509 limit: give a shorter 'common_name'."
        )
    return common_name, in_certificate


def check_enterprise_domains(enterprise: sqlite3.Row, ascii_names: list[str]) -> None:
    """Raise ApiError unless each DNS name is within the enterprise's domains (when it has any)."""
    domains = json.loads(enterprise["domains"])
    if not domains:
        return
    ascii_domains = []
    for domain in domains:
        try:
            ascii_domains.append(to_ascii_dns_name(domain, allow_wildcard=False))
        except ApiError:
            ascii_domains.append(domain)
    for name in ascii_names:
        if not is_within_domains(name, ascii_domains):
            raise ApiError(
                f"Domain {name} is not among the domains of enterprise {enterprise['name']}: {', '.join(domains)}."
            )


def _positive_integer(payload: dict, key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(f"Invalid {key} {value!r}: expected an integer >= 1.")
    return value


def parse_validity(sim: Simulator, certificate_type: str, payload: dict, settings: dict) -> tuple[datetime, datetime]:
    """Return (not_before, not_after) from `not_before`, `not_after` and `validity_days`.

    A missing end is derived from the other one and the validity (default: the
    ssl_validity_days setting for SSL, 365 days otherwise). With neither, the
    certificate starts now on the simulator clock.
    """
    days = _positive_integer(payload, "validity_days")
    has_start, has_end = payload.get("not_before") is not None, payload.get("not_after") is not None
    if has_start and has_end and days is not None:
        raise ApiError("Give at most two of 'not_before', 'not_after' and 'validity_days'.")
    if days is None:
        days = settings["ssl_validity_days"] if certificate_type == "ssl" else EMAIL_VALIDITY_DAYS
    validity = timedelta(days=days)
    if has_start:
        not_before = parse_instant(payload["not_before"], "not_before")
    elif has_end:
        not_before = parse_instant(payload["not_after"], "not_after") - validity
    else:
        not_before = datetime.fromtimestamp(sim.clock.now(), tz=timezone.utc)
    not_after = parse_instant(payload["not_after"], "not_after") if has_end else not_before + validity
    if not_after <= not_before:
        raise ApiError(
            f"Invalid validity: not_after {not_after.isoformat()} is not after not_before {not_before.isoformat()}."
        )
    return not_before, not_after


def subject_pairs(product: str | None, enterprise: sqlite3.Row, common_name: str) -> list[list[str]]:
    if product in ORGANIZATION_PRODUCTS:
        return [["C", enterprise["country"]], ["O", enterprise["name"]], ["CN", common_name]]
    return [["CN", common_name]]


def _requester_email(payload: dict, certificate_type: str, ascii_names: list[str]) -> str:
    email = payload.get("requester_email")
    if email is None:
        if certificate_type == "ssl":
            return "hostmaster@" + ascii_names[0].removeprefix("*.")
        return ascii_names[0]
    if not isinstance(email, str) or "@" not in email:
        raise ApiError("Invalid 'requester_email': expected an email address.")
    return email


def _optional_text(payload: dict, key: str, default: str) -> str:
    value = payload.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise ApiError(f"Invalid {key!r}: expected a non-empty string.")
    return value.strip()


def _serial(payload: dict) -> int | None:
    raw = payload.get("serial")
    if raw is None:
        return None
    try:
        serial = int(str(raw), 16)
    except ValueError:
        raise ApiError(f"Invalid serial {raw!r}: expected hexadecimal digits.") from None
    if not 0 < serial <= MAX_SERIAL:
        raise ApiError(f"Invalid serial {raw!r}: expected a positive number of at most 20 octets.")
    return serial


def build_spec(sim: Simulator, payload: dict, settings: dict, certificate_type: str) -> CertificateSpec:
    """Validate the certificate fields of a control payload into a CertificateSpec.

    The spec has no transaction id, so the caller sets one.
    """
    first_name, ascii_names = parse_names(certificate_type, payload)
    enterprise = seed_enterprise(sim.store, payload.get("organization_id"))
    if certificate_type == "ssl":
        check_enterprise_domains(enterprise, ascii_names)
    product = choice(payload, "product", PRODUCTS[certificate_type], DEFAULT_PRODUCTS[certificate_type])
    given_common_name, certificate_common_name = parse_common_name(certificate_type, payload, first_name)
    requester_email = _requester_email(payload, certificate_type, ascii_names)
    not_before, not_after = parse_validity(sim, certificate_type, payload, settings)
    return CertificateSpec(
        certificate_type=certificate_type,
        product=product,
        issued_via=choice(payload, "issued_via", ISSUANCE_METHODS, "single"),
        names=ascii_names,
        common_name=given_common_name,
        subject=subject_pairs(product, enterprise, certificate_common_name),
        enterprise_id=enterprise["id"],
        requester_email=requester_email,
        requester_name=_optional_text(payload, "requester_name", requester_email.split("@")[0]),
        friendly_name=_optional_text(payload, "friendly_name", given_common_name),
        not_before=not_before,
        not_after=not_after,
        serial=_serial(payload),
    )


def parse_seeded_revocation(sim: Simulator, raw) -> tuple[str, float, str | None] | None:
    """Return (reason code, time, message) from the `revoked` field, or None when it is absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ApiError('Invalid revoked: expected {"reason_code": ..., "at"?: ISO 8601, "message"?: ...}.')
    reason_code = check_reason_code(raw.get("reason_code"))
    at = sim.clock.now() if raw.get("at") is None else parse_instant(raw["at"], "revoked.at").timestamp()
    message = raw.get("message")
    if message is not None and not isinstance(message, str):
        raise ApiError("Invalid revoked.message: expected a string.")
    return reason_code, at, message


def seed_certificate(sim: Simulator, payload) -> int:
    """Issue and record a certificate from a `POST /_sim/certificates` payload and return its row id."""
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    reject_unknown_keys(payload, CERTIFICATE_KEYS)
    certificate_type = choice(payload, "type", CERTIFICATE_TYPES, "ssl")
    spec = build_spec(sim, payload, sim.settings.current(), certificate_type)
    with_transaction_id = payload.get("with_transaction_id", True)
    if not isinstance(with_transaction_id, bool):
        raise ApiError("Invalid 'with_transaction_id': expected true or false.")
    if with_transaction_id:
        spec.transaction_id = str(uuid.uuid4())
    revocation = parse_seeded_revocation(sim, payload.get("revoked"))
    certificate_id = issue_unless_taken(sim, spec)
    if revocation is not None:
        reason_code, at, message = revocation
        certificates.record_revocation(sim.store, certificate_id, reason_code, at, message=message)
    return certificate_id


def issue_unless_taken(sim: Simulator, spec: CertificateSpec) -> int:
    """Issue the spec's certificate. Raises ApiError (409) when its chosen serial is taken."""
    if spec.serial is not None and certificates.find_by_serial(sim.store, spec.serial) is not None:
        raise ApiError(f"A certificate with serial {spec.serial:X} already exists.", 409)
    return certificates.issue_certificate(sim, spec)
