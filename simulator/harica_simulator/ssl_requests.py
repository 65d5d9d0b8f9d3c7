"""SSL (TLS server) requests: seeding, the HARICA record, and certificate issuance."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone

from . import shapes
from .accounts import seed_enterprise
from .ca import load_csr, make_key_and_csr
from .certificates import insert_certificate, subject_name
from .certificate_records import add_certificate_fields
from .errors import ApiError
from .request_rows import insert_pending_request
from .state import Simulator

PRODUCTS = ("DV", "OV", "EV")
DEFAULT_PRODUCT = "OV"
# One DNS name: labels of letters, digits and hyphens, optionally a leading "*." wildcard.
DNS_NAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def parse_domains(raw) -> list[dict]:
    """Normalize seed domains (strings or {"fqdn", "includes_www"}) to {"fqdn", "includesWWW"}."""
    if not isinstance(raw, list) or not raw:
        raise ApiError("Missing or invalid 'domains': expected a non-empty list.")
    domains = []
    for item in raw:
        if isinstance(item, str):
            item = {"fqdn": item}
        if not isinstance(item, dict) or not isinstance(item.get("fqdn"), str):
            raise ApiError(f"Invalid domain {item!r}: expected a name or an object with 'fqdn'.")
        fqdn = item["fqdn"].strip().lower().rstrip(".")
        if not DNS_NAME.match(fqdn):
            raise ApiError(f"Invalid domain name {fqdn!r}.")
        includes_www = item.get("includes_www", item.get("includesWWW", False))
        if not isinstance(includes_www, bool):
            raise ApiError(f"Invalid includes_www {includes_www!r} for {fqdn}: expected true or false.")
        domains.append({"fqdn": fqdn, "includesWWW": includes_www})
    return domains


def certificate_names(domains: list[dict]) -> list[str]:
    """Return each fqdn, plus www.<fqdn> where includesWWW is set, without duplicates."""
    names: list[str] = []
    for domain in domains:
        candidates = [domain["fqdn"]]
        if domain["includesWWW"]:
            candidates.append("www." + domain["fqdn"])
        names.extend(name for name in candidates if name not in names)
    return names


def _check_enterprise_domains(enterprise: sqlite3.Row, domains: list[dict]) -> None:
    allowed = json.loads(enterprise["domains"])
    if not allowed:
        return
    for domain in domains:
        name = domain["fqdn"].removeprefix("*.")
        if not any(name == base or name.endswith("." + base) for base in allowed):
            raise ApiError(
                f"Domain {name} is not among the domains of enterprise {enterprise['name']}: {', '.join(allowed)}."
            )


def _subject(product: str, enterprise: sqlite3.Row, common_name: str) -> list[list[str]]:
    """Return the subject as [short name, value] pairs in certificate order (C first)."""
    # NOTE: EV subjects of real certificates also carry jurisdiction, business category
    # and registration number attributes. The simulator leaves them out.
    if product == "DV":
        return [["CN", common_name]]
    return [["C", enterprise["country"]], ["O", enterprise["name"]], ["CN", common_name]]


def distinguished_name(pairs: list[list[str]]) -> str:
    """Format the subject as HARICA's `dN` field: `CN=host, O=Example, C=GR`."""
    attributes = list(subject_name(pairs))
    return ", ".join(attribute.rfc4514_string() for attribute in reversed(attributes))


def _requested_at(sim: Simulator, raw) -> float:
    if raw is None:
        return sim.clock.now()
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(f"Invalid requested_at {raw!r}: expected an ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _csr_and_key(raw_csr, names: list[str]) -> tuple[str, str | None]:
    if raw_csr is None:
        return make_key_and_csr(names)
    if not isinstance(raw_csr, str):
        raise ApiError("Invalid 'csr': expected a PEM text.")
    try:
        load_csr(raw_csr)
    except ValueError as error:
        raise ApiError(f"Invalid 'csr': {error}.") from None
    return raw_csr, None


def _product(payload: dict) -> str:
    product = payload.get("product", DEFAULT_PRODUCT)
    if product not in PRODUCTS:
        raise ApiError(f"Invalid product {product!r}: allowed values are {', '.join(PRODUCTS)}.")
    return product


def _requester_email(payload: dict) -> str:
    email = payload.get("requester_email")
    if not isinstance(email, str) or "@" not in email:
        raise ApiError("Missing or invalid 'requester_email': expected an email address.")
    return email


def _high_risk(payload: dict) -> bool:
    high_risk = payload.get("high_risk", False)
    if not isinstance(high_risk, bool):
        raise ApiError("Invalid 'high_risk': expected true or false.")
    return high_risk


def seed_ssl_request(sim: Simulator, payload: dict) -> str:
    """Insert a Pending SSL request from a control API payload and return its transaction id."""
    domains = parse_domains(payload.get("domains"))
    names = certificate_names(domains)
    email = _requester_email(payload)
    enterprise = seed_enterprise(sim.store, payload.get("organization_id"))
    _check_enterprise_domains(enterprise, domains)
    product = _product(payload)
    csr_pem, key_pem = _csr_and_key(payload.get("csr"), names)

    fields = {
        "request_type": "ssl",
        "product": product,
        "enterprise_id": enterprise["id"],
        "requester_email": email,
        "requester_name": str(payload.get("requester_name") or email.split("@")[0]),
        "friendly_name": str(payload.get("friendly_name") or names[0]),
        "domains": json.dumps(domains),
        "subject": json.dumps(_subject(product, enterprise, names[0])),
        "csr_pem": csr_pem,
        "private_key_pem": key_pem,
        "high_risk": int(_high_risk(payload)),
        "requested_at": _requested_at(sim, payload.get("requested_at")),
    }
    return insert_pending_request(sim.store, fields)


def issue_ssl_certificate(sim: Simulator, request: sqlite3.Row) -> int:
    """Issue the certificate of a Ready SSL request and return its `certificates` row id."""
    names = certificate_names(json.loads(request["domains"]))
    pairs = json.loads(request["subject"])
    now = sim.clock.now()
    not_before = datetime.fromtimestamp(now, tz=timezone.utc)
    certificate = sim.ca.issue_ssl(
        load_csr(request["csr_pem"]),
        subject_name(pairs),
        names,
        not_before,
        sim.settings.get("ssl_validity_days"),
    )
    return insert_certificate(
        sim.store,
        certificate,
        certificate_type="ssl",
        product=request["product"],
        issued_via="single",
        names=names,
        common_name=names[0],
        transaction_id=request["transaction_id"],
        enterprise_id=request["enterprise_id"],
        requester_email=request["requester_email"],
        requester_name=request["requester_name"],
        friendly_name=request["friendly_name"],
    )


def render_ssl_record(sim: Simulator, request: sqlite3.Row, settings: dict) -> dict:
    """Build the request as the HARICA approver API shows it, in camelCase keys."""
    organization = sim.store.query_one(
        "SELECT organization_id FROM enterprises WHERE id = ?", (request["enterprise_id"],)
    )
    record = {
        "transactionId": request["transaction_id"],
        "transactionStatus": shapes.status_word(request["status"], settings),
        "transactionTypeName": request["product"],
        "domains": json.loads(request["domains"]),
        "dN": distinguished_name(json.loads(request["subject"])),
        "userEmail": request["requester_email"],
        "user": request["requester_name"],
        "friendlyName": request["friendly_name"],
        "requestedAt": shapes.format_timestamp(request["requested_at"]),
        "reviewedAt": shapes.format_timestamp(request["reviewed_at"]),
        "reviewedBy": request["reviewed_by"],
        "isHighRisk": bool(request["high_risk"]),
        "isRevoked": False,
        "certificateValidTo": None,
        "certificate": None,
        "pemBundle": None,
        "organizationId": organization["organization_id"],
    }
    if request["certificate_id"] is not None:
        add_certificate_fields(sim, record, request["certificate_id"], settings)
    return record
