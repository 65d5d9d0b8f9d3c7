# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Raw HARICA records to the collection's normalised records.

Field names are looked up without regard to case, because HARICA's casing is irregular
(``dN``, ``sANS``) and its ASP.NET back end may send other casings. Lists may come bare
or wrapped in an object.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaResponseError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    HAS_CRYPTOGRAPHY,
    assemble_chain,
    certificate_details,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    days_remaining,
    format_timestamp,
    normalize_dns_name,
    parse_timestamp,
)

_SAN_ENTRY = re.compile(r"^\s*(?P<kind>[A-Za-z0-9 ]+?)\s*[=:]\s*(?P<value>.+?)\s*$")

# Keys under which a list response may be wrapped in an object.
LIST_WRAPPER_KEYS = ("certificates", "items", "results", "data", "requests", "value")

# Request status words as HARICA spells them, to the normalised words.
REQUEST_STATUSES = {
    "pending": "pending",
    "ready": "ready",
    "completed": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


class Record:
    """Read access to one raw record with case-insensitive field names."""

    def __init__(self, raw: t.Mapping[str, t.Any]) -> None:
        self.raw = raw
        self._lowered = {str(key).lower(): value for key, value in raw.items()}

    def get(self, *names: str, default: t.Any = None) -> t.Any:
        """Return the first of ``names`` that is present and not null."""
        for name in names:
            value = self._lowered.get(name.lower())
            if value is not None:
                return value
        return default

    def flag(self, *names: str) -> bool:
        value = self.get(*names, default=False)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def timestamp(self, *names: str) -> t.Any:
        value = self.get(*names)
        try:
            return parse_timestamp(value)
        except ValueError:
            raise HaricaResponseError(
                f"The server sent {value!r} in {names[0]}, which is not a timestamp.",
                method="GET",
                path="",
            ) from None


def extract_list(payload: t.Any, *, path: str) -> list[t.Mapping[str, t.Any]]:
    """Return the records of a list response: a bare array, or an array wrapped in an object."""
    if payload is None or payload == "":
        return []
    if isinstance(payload, dict):
        lowered = {str(key).lower(): value for key, value in payload.items()}
        for key in LIST_WRAPPER_KEYS:
            if isinstance(lowered.get(key), list):
                payload = lowered[key]
                break
        else:
            raise HaricaResponseError(
                f"GET {path} returned an object with the keys {sorted(payload)} where a list was"
                f" expected (a bare array, or one under {', '.join(LIST_WRAPPER_KEYS)}).",
                method="GET",
                path=path,
            )
    if not isinstance(payload, list):
        raise HaricaResponseError(
            f"GET {path} returned a {type(payload).__name__} where a list was expected.", method="GET", path=path
        )
    return [item for item in payload if isinstance(item, dict)]


def extract_one(payload: t.Any, *, path: str, record_keys: t.Sequence[str] = ()) -> t.Mapping[str, t.Any] | None:
    """Return the record of a lookup response, or None when it contains no record.

    An object with one of ``record_keys`` is the record itself, even when it also has a
    list under a wrapper key (a user record lists its certificates); any other object
    with a wrapper key is a wrapped list.
    """
    if isinstance(payload, dict):
        lowered = {str(key).lower() for key in payload}
        if lowered & {key.lower() for key in record_keys}:
            return payload
        if lowered & set(LIST_WRAPPER_KEYS):
            records = extract_list(payload, path=path)
            return records[0] if records else None
        return payload or None
    records = extract_list(payload, path=path)
    return records[0] if records else None


def normalize_request_status(value: t.Any) -> str:
    word = str(value or "").strip().lower()
    return REQUEST_STATUSES.get(word, word or "unknown")


def request_domains(record: Record) -> list[dict[str, t.Any]]:
    """Return the domains of a request as ``{"name", "includes_www"}``."""
    domains = record.get("domains", default=[])
    if isinstance(domains, str):
        domains = [part for part in domains.split(",") if part.strip()]
    result = []
    for item in domains if isinstance(domains, list) else []:
        if isinstance(item, dict):
            entry = Record(item)
            name = entry.get("fqdn", "domain", "name", default="")
            includes_www = entry.flag("includesWWW", "includes_www", "includeWWW")
        else:
            name, includes_www = str(item), False
        if name:
            result.append({"name": normalize_dns_name(name), "includes_www": includes_www})
    return result


def request_names(domains: t.Iterable[t.Mapping[str, t.Any]]) -> list[str]:
    """Return the names a request covers: each domain, and ``www.`` + it where flagged."""
    names: list[str] = []
    for domain in domains:
        candidates = [domain["name"]]
        if domain["includes_www"] and not domain["name"].startswith("www."):
            candidates.append("www." + domain["name"])
        names.extend(name for name in candidates if name not in names)
    return names


def parse_sans(text: t.Any) -> tuple[list[str], list[str]]:
    """Return the DNS names and email addresses of a ``sANS`` string.

    HARICA writes them as ``DNS Name=a.example.org, RFC822 Name=x@example.org``; the
    openssl forms ``DNS:`` and ``email:`` are read too.
    """
    dns_names: list[str] = []
    emails: list[str] = []
    entries = text if isinstance(text, list) else str(text or "").split(",")
    for entry in entries:
        match = _SAN_ENTRY.match(str(entry))
        if not match:
            continue
        kind = match["kind"].replace(" ", "").lower()
        if kind in ("dnsname", "dns"):
            dns_names.append(normalize_dns_name(match["value"]))
        elif kind in ("rfc822name", "email", "rfc822"):
            emails.append(match["value"].lower())
    return dns_names, emails


def normalize_request(raw: t.Mapping[str, t.Any], *, request_type: str, now: t.Any) -> dict[str, t.Any]:
    """Return the normalised form of a request record (transaction)."""
    record = Record(raw)
    domains = request_domains(record)
    san_dns, san_emails = parse_sans(record.get("sANS", "subjectAlternativeNames"))
    leaf, chain = assemble_chain(
        record.get("certificate", "pem", "certificatePem"), record.get("pemBundle", "bundle", "chain")
    )
    details = certificate_details(leaf) if leaf and HAS_CRYPTOGRAPHY else {}
    not_after = details.get("not_after") or record.timestamp("certificateValidTo", "validTo")
    return {
        "transaction_id": str(record.get("transactionId", "id", default="")),
        "type": request_type,
        "status": normalize_request_status(record.get("transactionStatus", "status")),
        "product": record.get("transactionTypeName", "transactionType", "productType"),
        "domains": domains,
        "names": request_names(domains) or san_dns or san_emails,
        "requester_email": record.get("userEmail", "email"),
        "requester_name": record.get("user", "userName", "fullName"),
        "friendly_name": record.get("friendlyName"),
        "requested_at": format_timestamp(record.timestamp("requestedAt", "createdAt")),
        "reviewed_at": format_timestamp(record.timestamp("reviewedAt")),
        "reviewed_by": record.get("reviewedBy"),
        "is_high_risk": record.flag("isHighRisk"),
        "is_revoked": record.flag("isRevoked"),
        "serial_number": details.get("serial_number"),
        "not_after": format_timestamp(not_after),
        "days_remaining": days_remaining(not_after, now=now),
        "certificate": leaf,
        "chain": chain,
        "raw": dict(raw),
    }


__all__ = (
    "LIST_WRAPPER_KEYS",
    "REQUEST_STATUSES",
    "Record",
    "extract_list",
    "extract_one",
    "normalize_request",
    "normalize_request_status",
    "parse_sans",
    "request_domains",
    "request_names",
)
