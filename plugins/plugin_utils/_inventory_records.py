# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This plugin_util is private to harica.certmanager and runs on the controller only.

"""Certificate records for the inventory: trimmed to what hosts need, and host names.

The trimmed record is what the inventory cache stores. It holds no time-dependent value
(status and days remaining are computed on every run) and no secret.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    certificate_status,
    certificate_type,
    parse_sans,
)
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    HAS_CRYPTOGRAPHY,
    assemble_chain,
    certificate_details,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    days_remaining,
    format_timestamp,
    normalize_dns_name,
    normalize_serial,
    parse_timestamp,
)

# Characters that Ansible host patterns treat specially, replaced in host names.
_PATTERN_CHARACTERS = re.compile(r"[,:\[\]!&\s]")
_DN_CN = re.compile(r"(?:^|,)\s*CN\s*=\s*(?P<cn>[^,]+)", re.IGNORECASE)


def trim_certificate(raw: t.Mapping[str, t.Any], *, include_pem: bool) -> dict[str, t.Any]:
    """Return the fields hosts need from a raw record.

    The record's own fields are read first and the PEM is parsed only when one of them is
    missing, because parsing 100,000 PEMs would dominate the inventory's run time.
    """
    record = Record(raw)
    dns_names, emails = parse_sans(record.get("sANS", "subjectAlternativeNames"))
    serial = normalize_serial(record.get("serial", "serialNumber"))
    not_after = record.timestamp("validTo", "certificateValidTo", "notAfter")
    pem = record.get("certificate", "pem")
    details: dict[str, t.Any] = {}
    if (serial is None or not_after is None or not (dns_names or emails)) and pem and HAS_CRYPTOGRAPHY:
        leaf = assemble_chain(pem, record.get("pemBundle"))[0]
        details = certificate_details(leaf) if leaf else {}
    trimmed = {
        "serial_number": serial or details.get("serial_number"),
        "type": certificate_type(record.get("certificateType", "type"), details.get("extended_key_usages", ())),
        "common_name": record.get("commonName") or details.get("common_name") or _dn_cn(record.get("dN")),
        "dns_names": dns_names or details.get("dns_names", []),
        "emails": emails or details.get("emails", []),
        "not_before": format_timestamp(record.timestamp("validFrom", "notBefore") or details.get("not_before")),
        "not_after": format_timestamp(not_after or details.get("not_after")),
        "revoked": record.flag("isRevoked") or record.get("revokedAt") is not None,
        "issuer": record.get("issuerDN", "issuer") or details.get("issuer"),
        "requester": record.get("userEmail", "email"),
        "enterprise": record.get("organizationId", "groupId"),
        "transaction_id": record.get("transactionId"),
    }
    if include_pem:
        trimmed["certificate"] = assemble_chain(pem, None)[0] if pem else None
    return trimmed


def _dn_cn(dn: t.Any) -> str | None:
    match = _DN_CN.search(str(dn or ""))
    return match["cn"].strip() if match else None


def status_of(record: t.Mapping[str, t.Any], now: datetime.datetime) -> str:
    return certificate_status(record["revoked"], parse_timestamp(record["not_after"]), now)


def host_variables(record: t.Mapping[str, t.Any], now: datetime.datetime) -> dict[str, t.Any]:
    """Return the hostvars of a certificate, with the time-dependent values for ``now``."""
    variables = {
        "harica_serial_number": record["serial_number"],
        "harica_common_name": record["common_name"],
        "harica_names": list(record["dns_names"]) + list(record["emails"]),
        "harica_type": record["type"],
        "harica_status": status_of(record, now),
        "harica_not_before": record["not_before"],
        "harica_not_after": record["not_after"],
        "harica_days_remaining": days_remaining(parse_timestamp(record["not_after"]), now=now),
        "harica_issuer": record["issuer"],
        "harica_requester": record["requester"],
        "harica_enterprise": record["enterprise"],
        "harica_transaction_id": record["transaction_id"],
    }
    if "certificate" in record:
        variables["harica_certificate"] = record["certificate"]
    return variables


# Host names


def primary_name(record: t.Mapping[str, t.Any]) -> str:
    """Return a certificate's primary name: its first DNS name for SSL, its email for S/MIME
    and client authentication, its common name otherwise, and its serial as a last resort."""
    if record["type"] == "ssl" and record["dns_names"]:
        return record["dns_names"][0]
    if record["type"] in ("smime", "clientauth") and record["emails"]:
        return record["emails"][0]
    return record["common_name"] or (record["dns_names"] or record["emails"] or [record["serial_number"] or ""])[0]


def host_label(name: str) -> str:
    """Turn a name into a host name that Ansible host patterns read as one host.

    Lower case, no trailing dot, internationalised labels in ASCII, ``*`` written as
    ``wildcard``, and ``,``, ``:``, ``[``, ``]``, ``!``, ``&``, spaces and a leading ``@``
    replaced by ``_``.
    """
    local, at, domain = name.rpartition("@")
    if at:
        label = f"{local.strip().lower()}@{normalize_dns_name(domain)}"
    else:
        label = normalize_dns_name(name)
    label = label.replace("*", "wildcard")
    label = _PATTERN_CHARACTERS.sub("_", label)
    if label.startswith("@"):
        label = "_" + label[1:]
    return label or "unnamed"


def assign_host_names(
    records: t.Sequence[dict[str, t.Any]], *, now: datetime.datetime, source: str
) -> list[tuple[str, dict[str, t.Any]]]:
    """Return (host name, record) pairs: one rule for every certificate.

    With ``source="serial"`` a host is named by its serial. Otherwise several
    certificates may share a primary name (every renewal does): the newest valid one gets
    the plain name and the others ``<name>_<serial>``, so a renewal moves the plain name.
    """
    if source == "serial":
        return [(record["serial_number"], record) for record in records]
    groups: dict[str, list[dict[str, t.Any]]] = {}
    for record in records:
        groups.setdefault(host_label(primary_name(record)), []).append(record)
    named = []
    for label, members in groups.items():
        members.sort(key=lambda item: (status_of(item, now) == "valid", item["not_before"] or "",
                                       item["serial_number"] or ""), reverse=True)
        named.append((label, members[0]))
        named.extend((f"{label}_{member['serial_number']}", member) for member in members[1:])
    return named


__all__ = ("assign_host_names", "host_label", "host_variables", "primary_name", "status_of", "trim_certificate")
