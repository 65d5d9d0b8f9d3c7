# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The certificate audit: compare what each service serves with HARICA's records.

Everything here is a pure function of the services, the probe results, HARICA's
certificates and the current time, and every list is sorted, so the same inputs give
the same report. The report contains no time of the run and no value that counts from it
(such as days remaining), so that a rerun on the same certificates gives the same file.
"""

from __future__ import annotations

import base64
import datetime
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._audit_probe import ProbeResult
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    certificate_names,
    filter_certificates,
    name_matches,
    normalize_certificate,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import to_pem
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    UTC,
    normalize_dns_name,
    parse_timestamp,
)

# Version of the report's layout; increase it when a key changes meaning or goes away.
REPORT_FORMAT = 1

# Finding codes in the order in which findings are listed for a service.
FINDING_CODES = (
    "unreachable",
    "not_from_harica",
    "revoked",
    "expired",
    "name_mismatch",
    "not_newest",
    "no_harica_certificate",
)

DEFAULT_PORT = 443

_OLDEST = datetime.datetime.min.replace(tzinfo=UTC)


class Service(t.NamedTuple):
    """One audited service: SNI and host name, TCP port, and the address to connect to."""

    name: str
    port: int
    address: str


def parse_services(entries: t.Sequence[t.Mapping[str, t.Any]]) -> list[Service]:
    """Validate and normalise the ``services`` option, sorted by name, port and address.

    Names are normalised as DNS names (lower case, ASCII form). The address defaults to
    the normalised name. Two entries with the same name, port and address are rejected,
    because they would be the same probe.
    """
    services = []
    for index, entry in enumerate(entries):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip().rstrip("."):
            raise HaricaInputError(f"services[{index}].name is {name!r}, which is not a DNS name.")
        normalized = normalize_dns_name(name)
        if normalized.startswith("*"):
            raise HaricaInputError(
                f"services[{index}].name {name!r} is a wildcard: give the host name that clients connect to."
            )
        port = entry.get("port")
        port = DEFAULT_PORT if port is None else port
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise HaricaInputError(f"services[{index}].port {port!r} is invalid: give a TCP port from 1 to 65535.")
        address = entry.get("address")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise HaricaInputError(f"services[{index}].address {address!r} is invalid: give a host name or an IP address.")
        services.append(Service(normalized, port, address.strip() if address else normalized))

    seen: set[Service] = set()
    for service in services:
        if service in seen:
            raise HaricaInputError(
                f"services lists {service.name} on port {service.port} at {service.address} more than once."
            )
        seen.add(service)
    return sorted(services)


def served_certificate(der: bytes, *, now: datetime.datetime) -> dict[str, t.Any]:
    """Return the normalised record of a served DER certificate.

    The record goes through the same normalisation as HARICA's records, so serials,
    names and times have the same forms on both sides.
    """
    pem = to_pem(base64.b64encode(der).decode("ascii"))
    if pem is None:
        raise ValueError("the served certificate is not DER")
    return normalize_certificate({"certificate": pem}, now=now)


def serial_key(record: t.Mapping[str, t.Any]) -> int:
    """Return the serial as an integer, or -1 when the record has no hex serial."""
    try:
        return int(record.get("serial_number") or "", 16)
    except ValueError:
        return -1


def age_key(record: t.Mapping[str, t.Any]) -> tuple[datetime.datetime, int]:
    """Return the sort key "older first": start of validity, then serial."""
    return parse_timestamp(record.get("not_before")) or _OLDEST, serial_key(record)


def certificate_summary(record: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Return the fields of a certificate that the report shows; none depends on the run time."""
    return {
        "serial_number": record.get("serial_number"),
        "common_name": record.get("common_name"),
        "dns_names": sorted(certificate_names(record)),
        "issuer": record.get("issuer"),
        "not_before": record.get("not_before"),
        "not_after": record.get("not_after"),
        "status": record.get("status"),
    }


def covers(record: t.Mapping[str, t.Any], name: str, *, match_wildcards: bool) -> bool:
    return any(name_matches(pattern, name, match_wildcards=match_wildcards) for pattern in certificate_names(record))


def _finding(code: str, message: str, **details: t.Any) -> dict[str, t.Any]:
    return {"code": code, "message": message, **details}


def audit_service(
    service: Service,
    probe_result: ProbeResult,
    harica_certificates: t.Sequence[dict[str, t.Any]],
    *,
    now: datetime.datetime,
    match_wildcards: bool,
) -> dict[str, t.Any]:
    """Compare the certificate one service serves with HARICA's records.

    ``harica_certificates`` are every certificate HARICA lists, normalised. The result
    names the served certificate, the expected one (HARICA's newest valid certificate
    for the name, by start of validity, then serial), the findings and the superseded
    certificates: HARICA's other valid certificates for the name, which are no finding.
    """
    for_name = filter_certificates(harica_certificates, now=now, hostnames=[service.name], match_wildcards=match_wildcards)
    valid = sorted((record for record in for_name if record["status"] == "valid"), key=age_key, reverse=True)
    expected = valid[0] if valid else None
    superseded = valid[1:]

    findings = []
    served_summary = None
    if probe_result.der is None:
        findings.append(
            _finding(
                "unreachable",
                f"Reading the certificate of {service.name} from {service.address}:{service.port} failed:"
                f" {probe_result.error}.",
                error=probe_result.error,
            )
        )
    else:
        served = served_certificate(probe_result.der, now=now)
        harica_record = _find_by_serial(harica_certificates, serial_key(served))
        served_summary = certificate_summary(served)
        served_summary["from_harica"] = harica_record is not None
        served_summary["status"] = harica_record["status"] if harica_record else served["status"]
        findings.extend(
            _served_findings(service, served, harica_record, expected, now=now, match_wildcards=match_wildcards)
        )

    if expected is None:
        findings.append(
            _finding("no_harica_certificate", f"HARICA has no valid certificate for {service.name}.")
        )

    findings.sort(key=lambda finding: FINDING_CODES.index(finding["code"]))
    return {
        "name": service.name,
        "port": service.port,
        "address": service.address,
        "served": served_summary,
        "expected_serial": expected["serial_number"] if expected else None,
        "expected": certificate_summary(expected) if expected else None,
        "findings": findings,
        "superseded": [certificate_summary(record) for record in superseded],
        "harica_serials": [record["serial_number"] for record in sorted(for_name, key=age_key, reverse=True)],
    }


def _find_by_serial(records: t.Sequence[dict[str, t.Any]], number: int) -> dict[str, t.Any] | None:
    if number < 0:
        return None
    for record in records:
        if serial_key(record) == number:
            return record
    return None


def _served_findings(
    service: Service,
    served: dict[str, t.Any],
    harica_record: dict[str, t.Any] | None,
    expected: dict[str, t.Any] | None,
    *,
    now: datetime.datetime,
    match_wildcards: bool,
) -> list[dict[str, t.Any]]:
    serial = served["serial_number"]
    findings = []
    if harica_record is None:
        findings.append(
            _finding(
                "not_from_harica",
                f"The served certificate {serial}, issued by {served['issuer']}, is not in HARICA's records.",
                serial_number=serial,
            )
        )
    elif harica_record["status"] == "revoked":
        revoked_at = harica_record.get("revoked_at")
        when = f" at {revoked_at}" if revoked_at else ""
        findings.append(
            _finding("revoked", f"The served certificate {serial} was revoked{when}.", serial_number=serial)
        )

    # The served certificate's own end of validity decides, whatever status HARICA's record has.
    # NOTE: a served certificate whose validity has not started yet gets no finding.
    not_after = parse_timestamp(served["not_after"])
    if not_after is not None and not_after <= now:
        findings.append(
            _finding("expired", f"The served certificate {serial} expired at {served['not_after']}.", serial_number=serial)
        )

    name_covered = covers(served, service.name, match_wildcards=match_wildcards)
    if not name_covered:
        names = ", ".join(sorted(certificate_names(served))) or "no DNS name"
        findings.append(
            _finding(
                "name_mismatch",
                f"The served certificate {serial} does not cover {service.name}: it covers {names}.",
                serial_number=serial,
            )
        )

    served_is_valid_for_name = harica_record is not None and harica_record["status"] == "valid" and name_covered
    if served_is_valid_for_name and expected is not None and serial_key(expected) != serial_key(served):
        findings.append(
            _finding(
                "not_newest",
                f"The served certificate {serial} is valid, but HARICA has a newer valid certificate for"
                f" {service.name}: {expected['serial_number']}.",
                serial_number=serial,
                newer_serial_number=expected["serial_number"],
            )
        )
    return findings


def build_report(entries: t.Sequence[dict[str, t.Any]], harica_certificates: t.Sequence[dict[str, t.Any]]) -> dict[str, t.Any]:
    """Return the report that the role renders: the services, their findings and a certificate list.

    ``certificates`` has one entry per certificate that the report mentions, served or
    HARICA's for an audited name, sorted by end of validity, then serial. It is the data
    of the expiry chart.
    """
    findings = [
        {"name": entry["name"], "port": entry["port"], "address": entry["address"], **finding}
        for entry in entries
        for finding in entry["findings"]
    ]
    counts = {code: 0 for code in FINDING_CODES}
    for finding in findings:
        counts[finding["code"]] += 1
    return {
        "format": REPORT_FORMAT,
        "services": list(entries),
        "findings": findings,
        "findings_count": len(findings),
        "finding_counts": counts,
        "certificates": _chart_certificates(entries, harica_certificates),
    }


def _chart_certificates(
    entries: t.Sequence[dict[str, t.Any]], harica_certificates: t.Sequence[dict[str, t.Any]]
) -> list[dict[str, t.Any]]:
    by_serial: dict[str, dict[str, t.Any]] = {}

    def entry_for(summary: t.Mapping[str, t.Any], from_harica: bool) -> dict[str, t.Any]:
        key = summary["serial_number"] or ""
        if key not in by_serial:
            by_serial[key] = {
                **{field: summary[field] for field in ("serial_number", "common_name", "dns_names", "not_before", "not_after", "status")},
                "from_harica": from_harica,
                "served_by": [],
                "expected_for": [],
                "superseded_for": [],
            }
        return by_serial[key]

    harica_by_serial = {record["serial_number"]: record for record in harica_certificates}
    for entry in entries:
        for serial in entry["harica_serials"]:
            entry_for(certificate_summary(harica_by_serial[serial]), True)
        if entry["expected"]:
            entry_for(entry["expected"], True)["expected_for"].append(entry["name"])
        for summary in entry["superseded"]:
            entry_for(summary, True)["superseded_for"].append(entry["name"])
        if entry["served"]:
            served = entry_for(entry["served"], entry["served"]["from_harica"])
            served["served_by"].append(f"{entry['name']}:{entry['port']}")

    for item in by_serial.values():
        for field in ("served_by", "expected_for", "superseded_for"):
            item[field] = sorted(set(item[field]))
    return sorted(
        by_serial.values(),
        key=lambda item: (parse_timestamp(item["not_after"]) or _OLDEST, serial_key(item), item["serial_number"] or ""),
    )


def audit(
    services: t.Sequence[Service],
    probe_results: t.Sequence[ProbeResult],
    harica_certificates: t.Sequence[dict[str, t.Any]],
    *,
    now: datetime.datetime,
    match_wildcards: bool,
) -> dict[str, t.Any]:
    """Audit every service and return its entries together with the report."""
    entries = [
        audit_service(service, result, harica_certificates, now=now, match_wildcards=match_wildcards)
        for service, result in zip(services, probe_results)
    ]
    report = build_report(entries, harica_certificates)
    return {"services": entries, "findings_count": report["findings_count"], "report": report}


__all__ = (
    "DEFAULT_PORT",
    "FINDING_CODES",
    "REPORT_FORMAT",
    "Service",
    "age_key",
    "audit",
    "audit_service",
    "build_report",
    "certificate_summary",
    "covers",
    "parse_services",
    "serial_key",
    "served_certificate",
)
