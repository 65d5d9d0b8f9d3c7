# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Enterprise certificates: the admin lookups and the normalised certificate record."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaNotFoundError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    HAS_CRYPTOGRAPHY,
    assemble_chain,
    certificate_details,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import (
    LIST_WRAPPER_KEYS,
    Record,
    extract_one,
    parse_sans,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    days_remaining,
    format_serial,
    format_timestamp,
    normalize_dns_name,
    normalize_serial,
    parse_timestamp,
)

if t.TYPE_CHECKING:  # pragma: no cover
    import datetime

    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

# Words in HARICA's certificateType to the collection's type, checked in this order.
TYPE_WORDS = (
    ("client", "clientauth"),
    ("s/mime", "smime"),
    ("smime", "smime"),
    ("email", "smime"),
    ("ssl", "ssl"),
    ("tls", "ssl"),
)

# Extended key usages to the type, when the record names none.
TYPE_BY_USAGE = (("serverAuth", "ssl"), ("emailProtection", "smime"), ("clientAuth", "clientauth"))

# Fields that tell how a certificate was issued, and so which admin revoke path it needs.
# Values are matched without regard to case.
ISSUANCE_FIELDS = ("issuanceType", "issuanceMethod", "issuedVia", "issuedThrough", "source")
ISSUANCE_WORDS = {"single": "single", "bulk": "bulk", "acme": "acme"}
ISSUANCE_FLAGS = (("isAcme", "acme"), ("isBulk", "bulk"))

_DN_CN = re.compile(r"(?:^|,)\s*CN\s*=\s*(?P<cn>[^,]+)", re.IGNORECASE)


class CertificateStore:
    """Read enterprise certificates through the admin endpoints."""

    def __init__(self, client: HaricaClient, *, now: datetime.datetime) -> None:
        self.client = client
        self.now = now

    def all(self) -> list[dict[str, t.Any]]:
        return self._list(_api.certificates_path(), "list the enterprise certificates")

    def by_status(
        self, status: str, *, prefilter: t.Callable[[Record], bool] | None = None
    ) -> list[dict[str, t.Any]]:
        """Return the certificates in one status; the status is checked here as well.

        ``prefilter`` sees each raw record before it is normalised, so that a caller that
        needs a few certificates of a long list does not parse every PEM.
        """
        path = _api.certificates_by_status_path(status)
        records = self._list(path, f"list the {status} certificates", prefilter=prefilter)
        return [record for record in records if record["status"] == status]

    def by_serial(self, number: int) -> dict[str, t.Any] | None:
        """Return the certificate with this serial, or None when the server has none."""
        path = _api.certificate_by_serial_path(format_serial(number))
        try:
            payload = self.client.get_json(path, action=f"look up certificate {format_serial(number)}")
        except HaricaNotFoundError:
            return None
        raw = extract_one(payload, path=path, record_keys=("serial", "serialNumber", "certificate"))
        record = self.normalize(raw) if raw else None
        if record is not None and record["serial_number"] != format_serial(number):
            return None
        return record

    def find_serials(self, numbers: t.Sequence[int]) -> dict[int, dict[str, t.Any] | None]:
        """Return the certificate of each serial, None for a serial that matches nothing.

        A serial the search path does not find is looked for once more in the full list,
        compared as an integer, because the form in which HARICA stores serials (case,
        leading zeros) is not documented.
        """
        found = {number: self.by_serial(number) for number in numbers}
        missing = [number for number, record in found.items() if record is None]
        if missing:
            by_number = {int(record["serial_number"], 16): record for record in self.all() if record["serial_number"]}
            found.update({number: by_number.get(number) for number in missing})
        return found

    def normalize(self, raw: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        return normalize_certificate(raw, now=self.now)

    def _list(
        self, path: str, action: str, *, prefilter: t.Callable[[Record], bool] | None = None
    ) -> list[dict[str, t.Any]]:
        normalized = []
        for raw in self.client.iter_list(path, action=action, wrapper_keys=LIST_WRAPPER_KEYS):
            if isinstance(raw, dict) and (prefilter is None or prefilter(Record(raw))):
                normalized.append(self.normalize(raw))
        return normalized


def certificate_type(word: t.Any, usages: t.Sequence[str] = ()) -> str | None:
    """Return ``ssl``, ``smime`` or ``clientauth`` for HARICA's type word or the usages."""
    lowered = str(word or "").lower()
    for fragment, kind in TYPE_WORDS:
        if fragment in lowered:
            return kind
    if lowered in ("dv", "ov", "ev") or lowered.startswith(("dv ", "ov ", "ev ")):
        return "ssl"
    for usage, kind in TYPE_BY_USAGE:
        if usage in usages:
            return kind
    return None


def issuance_method(record: Record) -> str | None:
    """Return how a certificate was issued (single, bulk or acme), or None when unknown."""
    for field in ISSUANCE_FIELDS:
        word = str(record.get(field, default="")).strip().lower()
        if word in ISSUANCE_WORDS:
            return ISSUANCE_WORDS[word]
    flags_present = False
    for field, method in ISSUANCE_FLAGS:
        value = record.get(field)
        if value is None:
            continue
        flags_present = True
        if record.flag(field):
            return method
    return "single" if flags_present else None


def certificate_status(revoked: bool, not_after: t.Any, now: datetime.datetime) -> str:
    if revoked:
        return "revoked"
    if not_after is not None and not_after <= now:
        return "expired"
    return "valid"


def normalize_certificate(raw: t.Mapping[str, t.Any], *, now: datetime.datetime) -> dict[str, t.Any]:
    """Return the normalised form of a certificate record.

    Names, serial and validity come from the PEM when the record carries one, because
    the certificate is authoritative; the record's own fields fill the gaps.
    """
    record = Record(raw)
    leaf, chain = assemble_chain(record.get("certificate", "pem"), record.get("pemBundle", "bundle"))
    details = certificate_details(leaf) if leaf and HAS_CRYPTOGRAPHY else {}
    san_dns, san_emails = parse_sans(record.get("sANS", "subjectAlternativeNames"))
    not_after = details.get("not_after") or record.timestamp("validTo", "certificateValidTo", "notAfter")
    not_before = details.get("not_before") or record.timestamp("validFrom", "notBefore")
    revoked = record.flag("isRevoked") or record.get("revokedAt") is not None
    return {
        "serial_number": details.get("serial_number") or normalize_serial(record.get("serial", "serialNumber")),
        "type": certificate_type(record.get("certificateType", "type"), details.get("extended_key_usages", ())),
        "product": record.get("certificateType", "type"),
        "common_name": record.get("commonName") or details.get("common_name") or _dn_common_name(record.get("dN")),
        "dns_names": details.get("dns_names") or san_dns,
        "emails": details.get("emails") or san_emails,
        "given_name": details.get("given_name"),
        "surname": details.get("surname"),
        "subject": record.get("dN", "subject") or details.get("subject"),
        "issuer": record.get("issuerDN", "issuer") or details.get("issuer"),
        "status": certificate_status(revoked, not_after, now),
        "not_before": format_timestamp(not_before),
        "not_after": format_timestamp(not_after),
        "days_remaining": days_remaining(not_after, now=now),
        "revoked_at": format_timestamp(record.timestamp("revokedAt")),
        "revocation_code": record.get("revocationCode", "revocationReason"),
        "requester_email": record.get("userEmail", "email"),
        "requester_name": record.get("user", "userName"),
        "friendly_name": record.get("friendlyName"),
        "enterprise_id": record.get("organizationId", "groupId"),
        "transaction_id": record.get("transactionId"),
        "issued_via": issuance_method(record),
        "certificate": leaf,
        "chain": chain,
        "raw": dict(raw),
    }


def _dn_common_name(dn: t.Any) -> str | None:
    match = _DN_CN.search(str(dn or ""))
    return match["cn"].strip() if match else None


def certificate_names(certificate: t.Mapping[str, t.Any]) -> list[str]:
    """Return the DNS names a certificate covers: its SANs and, if a DNS name, its CN."""
    names = list(certificate["dns_names"])
    common_name = certificate.get("common_name")
    if common_name and "@" not in common_name and " " not in common_name.strip():
        name = normalize_dns_name(common_name)
        if name not in names:
            names.append(name)
    return names


def name_matches(pattern: str, name: str, *, match_wildcards: bool) -> bool:
    """Tell whether a certificate name covers a host name; both are normalised.

    A wildcard covers exactly one label (RFC 6125, section 6.4.3), so ``*.example.org``
    covers ``www.example.org`` but neither ``example.org`` nor ``a.b.example.org``.
    """
    if pattern == name:
        return True
    if not match_wildcards or not pattern.startswith("*."):
        return False
    head, separator, rest = name.partition(".")
    return bool(head and separator) and rest == pattern[2:]


def filter_certificates(
    certificates: t.Iterable[dict[str, t.Any]],
    *,
    now: datetime.datetime,
    statuses: t.Collection[str] | None = None,
    hostnames: t.Collection[str] | None = None,
    emails: t.Collection[str] | None = None,
    types: t.Collection[str] | None = None,
    expires_within_days: int | None = None,
    match_wildcards: bool = False,
) -> list[dict[str, t.Any]]:
    """Return the certificates that pass every given filter; None means no filter.

    The filters run here even when the server was asked to filter too, because the
    server may ignore filters.
    """
    selected = []
    for certificate in certificates:
        if statuses is not None and certificate["status"] not in statuses:
            continue
        if types is not None and certificate["type"] not in types:
            continue
        if hostnames is not None and not _covers_any(certificate, hostnames, match_wildcards):
            continue
        if emails is not None and not set(certificate["emails"]) & set(emails):
            continue
        if expires_within_days is not None and not _expires_within(certificate, expires_within_days, now):
            continue
        selected.append(certificate)
    return selected


def _covers_any(certificate: t.Mapping[str, t.Any], hostnames: t.Collection[str], match_wildcards: bool) -> bool:
    names = certificate_names(certificate)
    return any(name_matches(name, host, match_wildcards=match_wildcards) for name in names for host in hostnames)


def _expires_within(certificate: t.Mapping[str, t.Any], days: int, now: datetime.datetime) -> bool:
    """Tell whether a valid certificate's validity ends within ``days`` days from now."""
    not_after = parse_timestamp(certificate["not_after"])
    if certificate["status"] != "valid" or not_after is None:
        return False
    return (not_after - now).total_seconds() <= days * 86400


__all__ = (
    "ISSUANCE_FIELDS",
    "ISSUANCE_FLAGS",
    "TYPE_WORDS",
    "CertificateStore",
    "certificate_names",
    "certificate_status",
    "certificate_type",
    "filter_certificates",
    "issuance_method",
    "name_matches",
    "normalize_certificate",
    "parse_sans",
)
