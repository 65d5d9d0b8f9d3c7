# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Judges of the admin reads: certificates (C9, D1 to D6, D8), enterprises (E9) and users (E10).

The ids are those of the API assumptions page, ``docs/api-assumptions.md``.
"""

from __future__ import annotations

import collections
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_formats import (
    FieldGroup,
    count_of,
    distinct_words,
    san_labels,
    serial_digits,
    serial_format,
    short_word,
    word_list,
)
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import (
    CERTIFICATE_LISTS,
    DIFFERS,
    HELD,
    Observations,
    Reading,
    RoleReadings,
    Verdict,
    failed_read,
    serial_to_search,
    lookup_record,
    no_records,
)
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_requests import (
    fields_verdict,
    leaf_details,
    split_unread,
)
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    ISSUANCE_FIELDS,
    ISSUANCE_FLAGS,
    certificate_type,
    issuance_method,
    normalize_certificate,
    parse_sans,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaAuthError, HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record
from ansible_collections.harica.certmanager.plugins.module_utils._values import normalize_serial, utc_now

SERIAL_RECORD_KEYS = ("serial", "serialNumber", "certificate")

# Parts of field names that may tell how a certificate was issued, when no known field does.
ISSUANCE_NAME_PARTS = ("issuance", "issued", "bulk", "acme", "method", "origin", "channel", "source")


def _is_revoked(record: Record) -> bool:
    return record.flag("isRevoked")


CERTIFICATE_FIELDS = (
    FieldGroup("serial", ("serialNumber",)),
    FieldGroup("certificateType", ("type",)),
    FieldGroup("commonName"),
    FieldGroup("dN", ("subject",)),
    FieldGroup("issuerDN", ("issuer",)),
    FieldGroup("sANS", ("subjectAlternativeNames",)),
    FieldGroup("validFrom", ("notBefore",)),
    FieldGroup("validTo", ("certificateValidTo", "notAfter")),
    FieldGroup("isRevoked"),
    FieldGroup("revokedAt", (), _is_revoked, "revoked certificates"),
    FieldGroup("revocationCode", ("revocationReason",), _is_revoked, "revoked certificates"),
    FieldGroup("userEmail", ("email",)),
    FieldGroup("user", ("userName",)),
    FieldGroup("friendlyName"),
    FieldGroup("transactionId"),
    FieldGroup("certificate", ("pem",)),
    FieldGroup("pemBundle", ("bundle",)),
)

ENTERPRISE_FIELDS = (
    FieldGroup("organizationId", ("id",)),
    FieldGroup("organization", ("organizationName", "name")),
    FieldGroup("organizationLocalized"),
    FieldGroup("domain", ("domains",)),
    FieldGroup("validity", ("validTo",)),
    FieldGroup("country"),
    FieldGroup("state"),
    FieldGroup("locality"),
)

USER_FIELDS = (
    FieldGroup("email", ("userEmail",)),
    FieldGroup("givenName", ("firstName",)),
    FieldGroup("surname", ("lastName",)),
    FieldGroup("fullName", ("name", "user")),
    FieldGroup("roles", ("role",)),
    FieldGroup("isActive"),
    FieldGroup("organizationId", ("groupId",)),
)


def certificate_records(readings: RoleReadings) -> list[t.Mapping[str, t.Any]]:
    return readings.records("all", *CERTIFICATE_LISTS)


def _list_failure(readings: RoleReadings, name: str, what: str) -> Verdict:
    reading = readings.reading(name)
    if reading is not None and not reading.ok:
        return failed_read(reading)
    return no_records(what)


# C9


def judge_serial_format(observations: Observations, readings: RoleReadings) -> Verdict:
    """C9: serials are hex strings that match the certificate's serial number."""
    serials = [
        (record, value)
        for record in certificate_records(readings)
        for value in [Record(record).get("serial", "serialNumber")]
        if value is not None
    ]
    if not serials:
        return _list_failure(readings, "all", "certificate with a serial")
    formats = collections.Counter(serial_format(value) for _record, value in serials)
    matching = decimal = other = 0
    for record, value in serials:
        details = leaf_details(Record(record))
        if details is None:
            continue
        if normalize_serial(value) == details["serial_number"]:
            matching += 1
        elif str(value).strip() == str(int(details["serial_number"], 16)):
            decimal += 1
        else:
            other += 1

    not_hex = sum(1 for _record, value in serials if serial_digits(value) is None)
    observed = {
        "formats": dict(formats.most_common()),
        "match_certificate": matching,
        "decimal_of_certificate": decimal,
        "differ_from_certificate": other,
        "not_hexadecimal": not_hex,
    }
    formats_text = "; ".join(f"{form} ({count})" for form, count in formats.most_common())
    if decimal:
        return Verdict(
            DIFFERS,
            f"{decimal} serials are the decimal form of the certificate's serial number, not hex. Formats: {formats_text}.",
            observed,
        )
    if other or not_hex:
        return Verdict(
            DIFFERS,
            f"{other + not_hex} serials are not the hex form of the certificate's serial number. Formats: {formats_text}.",
            observed,
        )
    detail = f"Serials are written as: {formats_text}."
    if matching:
        detail += f" They match the certificate's serial number in {count_of(matching, 'record')}."
    else:
        detail += " No record carried a certificate to compare them with."
    return Verdict(HELD, detail, observed)


# D1 and D6


def _search_found(reading: Reading | None, normalized: str) -> bool:
    record = lookup_record(reading, SERIAL_RECORD_KEYS)
    if record is None:
        return False
    found = normalize_serial(Record(record).get("serial", "serialNumber"))
    if found is None:
        details = leaf_details(Record(record))
        found = details["serial_number"] if details else None
    return found == normalized


def _search_conclusive(reading: Reading | None) -> bool:
    """Tell whether a serial search shows found or not found, rather than failing."""
    return reading is not None and (reading.ok or (reading.error is not None and reading.error.status == 404))


def judge_certificate_paths(observations: Observations, readings: RoleReadings) -> Verdict:
    """D1: the admin certificate list, its status lists and the serial search respond."""
    lists = [readings.reading(name) for name in ("all", *CERTIFICATE_LISTS)]
    sent = [reading for reading in lists if reading is not None]
    if not any(reading.answered for reading in sent) or all(isinstance(r.error, HaricaAuthError) for r in sent):
        return failed_read(sent[0])
    not_served, unread = split_unread(sent)

    normalized_search = readings.reading("serial/normalized")
    note = ""
    if normalized_search is None:
        note = " The serial search was not tried, because no certificate with a serial was listed."
    else:
        serial = normalize_serial(serial_to_search(certificate_records(readings))) or ""
        found = _search_found(normalized_search, serial) or _search_found(readings.reading("serial/listed"), serial)
        if found:
            note = " The serial search found a listed certificate."
        elif _search_conclusive(normalized_search) or _search_conclusive(readings.reading("serial/listed")):
            not_served[normalized_search.template] = "it found no listed certificate by its normalised or listed serial"
        else:
            unread.append(normalized_search.template)
    observed = {"not_served": not_served, "not_read": unread}
    if not_served:
        listed = "; ".join(f"GET {template}: {why}" for template, why in not_served.items())
        return Verdict(DIFFERS, f"Some admin certificate paths are not served as assumed: {listed}.", observed)
    detail = f"GET {_api.certificates_path()} and its status lists returned JSON.{note}"
    if unread:
        detail = (
            f"These gave no usable response and are not judged: {', '.join(unread)}. The other certificate paths"
            f" returned JSON.{note}"
        )
    return Verdict(HELD, detail, observed)


def judge_serial_search(observations: Observations, readings: RoleReadings) -> Verdict:
    """D6: the serial search finds a listed certificate by the module's normalised serial."""
    listed_serial = serial_to_search(certificate_records(readings))
    normalized_search = readings.reading("serial/normalized")
    if listed_serial is None or normalized_search is None:
        return _list_failure(readings, "all", "certificate with a serial")
    normalized = normalize_serial(listed_serial) or ""
    observed = {"listed_format": serial_format(listed_serial), "searched_format": serial_format(normalized)}

    if _search_found(normalized_search, normalized):
        return Verdict(
            HELD,
            "The serial search found a listed certificate by the module's normalised serial"
            f" ({observed['searched_format']}).",
            observed,
        )
    if not _search_conclusive(normalized_search):
        return failed_read(normalized_search)

    listed_search = readings.reading("serial/listed")
    fallback = " The module then looks for the serial in the full certificate list, which costs one more GET."
    if listed_search is not None and _search_found(listed_search, normalized):
        return Verdict(
            DIFFERS,
            "The serial search found the certificate only by its serial as listed"
            f" ({observed['listed_format']}), not by the normalised form ({observed['searched_format']}).{fallback}",
            observed,
        )
    return Verdict(
        DIFFERS,
        f"The serial search found no listed certificate by its serial ({observed['listed_format']}).{fallback}",
        observed,
    )


# D2


def judge_certificate_fields(observations: Observations, readings: RoleReadings) -> Verdict:
    """D2: certificate records carry the documented fields."""
    records = certificate_records(readings)
    if not records:
        return _list_failure(readings, "all", "certificate")
    return fields_verdict(records, CERTIFICATE_FIELDS, "certificate")


# D3


def judge_san_format(observations: Observations, readings: RoleReadings) -> Verdict:
    """D3: ``sANS`` is one string of ``DNS Name=`` and ``RFC822 Name=`` entries."""
    values = [
        (record, value)
        for record in certificate_records(readings)
        for value in [Record(record).get("sANS", "subjectAlternativeNames")]
        if value not in (None, "")
    ]
    if not values:
        return _list_failure(readings, "all", "certificate with sANS")
    labels: list[str] = []
    unknown: list[str] = []
    forms: collections.Counter[str] = collections.Counter()
    agree = disagree = 0
    for record, value in values:
        found = san_labels(value)
        forms[found.form] += 1
        labels.extend(label for label in found.labels if label not in labels)
        unknown.extend(label for label in found.unknown if label not in unknown)
        details = leaf_details(Record(record))
        if details is None:
            continue
        dns_names, emails = parse_sans(value)
        if set(dns_names) == set(details["dns_names"]) and set(emails) == set(details["emails"]):
            agree += 1
        else:
            disagree += 1

    observed = {
        "forms": dict(forms),
        "labels": labels,
        "unknown_labels": unknown,
        "agree_with_certificate": agree,
        "disagree_with_certificate": disagree,
    }
    labels_text = ", ".join(labels)
    if unknown:
        return Verdict(DIFFERS, f"sANS has labels the client does not read: {', '.join(unknown)}.", observed)
    if disagree:
        return Verdict(
            DIFFERS,
            f"In {disagree} of {agree + disagree} records, the names read from sANS differ from the certificate's"
            f" subject alternative names. Labels: {labels_text}.",
            observed,
        )
    if set(forms) != {"one string"}:
        return Verdict(
            DIFFERS,
            f"sANS comes as {', '.join(forms)}, not as one string; the client reads a JSON array too."
            f" Labels: {labels_text}.",
            observed,
        )
    detail = f"sANS is one string with the labels {labels_text}."
    if agree:
        detail += f" It lists the certificate's names in {count_of(agree, 'record')}."
    return Verdict(HELD, detail, observed)


# D4


def judge_certificate_type_words(observations: Observations, readings: RoleReadings) -> Verdict:
    """D4: ``certificateType`` contains a word that names the type, agreeing with the certificate."""
    records = certificate_records(readings)
    words: dict[str, str | None] = {}
    agree = conflicts = 0
    for raw in records:
        record = Record(raw)
        word = record.get("certificateType", "type")
        if word is None:
            continue
        kind = certificate_type(word)
        words.setdefault(short_word(word), kind)
        details = leaf_details(record)
        by_usage = certificate_type(None, details["extended_key_usages"]) if details else None
        if kind is not None and by_usage is not None:
            if kind == by_usage:
                agree += 1
            else:
                conflicts += 1

    if not words:
        return _list_failure(readings, "all", "certificate with a certificateType")
    unmapped = [word for word, kind in words.items() if kind is None]
    observed = {"words": words, "agree_with_usages": agree, "conflict_with_usages": conflicts}
    words_text = ", ".join(f"{word} ({kind or 'no type'})" for word, kind in words.items())
    if unmapped:
        return Verdict(
            DIFFERS,
            f"Some certificateType words name no type: {', '.join(unmapped)}. The module then decides by the"
            f" certificate's extended key usages. Words seen: {words_text}.",
            observed,
        )
    if conflicts:
        return Verdict(
            DIFFERS,
            f"In {conflicts} records, the type that certificateType names differs from the one the extended key"
            f" usages name. Words seen: {words_text}.",
            observed,
        )
    detail = f"certificateType words seen: {words_text}."
    if agree:
        detail += f" They agree with the certificate's extended key usages in {count_of(agree, 'record')}."
    return Verdict(HELD, detail, observed)


# D5


def judge_status_lists(observations: Observations, readings: RoleReadings) -> Verdict:
    """D5: the certificates of each status list have that status by the module's rule."""
    now = utc_now()
    misfiled: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    unreadable = 0
    for status in _api.CERTIFICATE_STATUSES:
        records = readings.records(f"list/{status}")
        counts[status] = len(records)
        for raw in records:
            try:
                judged = normalize_certificate(raw, now=now)["status"]
            except (HaricaError, ValueError):
                unreadable += 1
                continue
            if judged != status:
                misfiled.setdefault(status, collections.Counter())[judged] += 1

    observed = {"records_per_list": counts, "other_status": {k: dict(v) for k, v in misfiled.items()}}
    if not any(counts.values()):
        failed = [readings.reading(name) for name in CERTIFICATE_LISTS]
        failures = [reading for reading in failed if reading is not None and not reading.ok]
        return failed_read(failures[0]) if failures else no_records("certificate in the status lists")
    counts_text = ", ".join(f"{status} {count}" for status, count in counts.items())
    if misfiled:
        listed = "; ".join(
            f"list/{status} has {', '.join(f'{count} {judged}' for judged, count in found.items())}"
            for status, found in misfiled.items()
        )
        return Verdict(DIFFERS, f"Some certificates are listed under another status than the module's rule gives: {listed}.", observed)
    detail = f"Every certificate of the status lists has that status by the module's rule ({counts_text})."
    if unreadable:
        detail += f" Not judged, because they could not be read: {count_of(unreadable, 'record')}."
    return Verdict(HELD, detail, observed)


# D8


def judge_issuance_hint(observations: Observations, readings: RoleReadings) -> Verdict:
    """D8: a certificate record names how it was issued (Single, Bulk, ACME)."""
    records = certificate_records(readings)
    if not records:
        return _list_failure(readings, "all", "certificate")
    known_fields = {name.lower() for name in ISSUANCE_FIELDS} | {name.lower() for name, _method in ISSUANCE_FLAGS}
    fields_seen: list[str] = []
    related: list[str] = []
    values: list[t.Any] = []
    unknown = 0
    for raw in records:
        for key, value in raw.items():
            lowered = str(key).lower()
            if lowered in known_fields:
                if key not in fields_seen:
                    fields_seen.append(str(key))
                values.append(value)
            elif any(part in lowered for part in ISSUANCE_NAME_PARTS) and key not in related:
                related.append(str(key))
        if issuance_method(Record(raw)) is None:
            unknown += 1

    observed = {"fields": fields_seen, "values": distinct_words(values), "related_fields": related, "unknown": unknown}
    seen = ", ".join(fields_seen) or "no known field"
    if unknown:
        hint = f" Fields whose names may be related: {', '.join(related)}." if related else ""
        return Verdict(
            DIFFERS,
            f"Records that name no issuance method the module reads: {unknown} of {len(records)} (fields seen:"
            f" {seen}). Revoking their certificates needs the revoke_type option.{hint}",
            observed,
        )
    return Verdict(
        HELD,
        f"Every certificate record ({len(records)}) names how it was issued, in {seen}:"
        f" {word_list(observed['values'])}.",
        observed,
    )


# E9


def judge_enterprise_fields(observations: Observations, readings: RoleReadings) -> Verdict:
    """E9: enterprise rows carry the documented fields, one row per (enterprise, domain)."""
    records = readings.records("enterprises")
    if not records:
        return _list_failure(readings, "enterprises", "enterprise")
    verdict = fields_verdict(records, ENTERPRISE_FIELDS, "enterprise")
    enterprises = {str(Record(record).get("organizationId", "id", default="")).lower() for record in records}
    rows = f" The list has {count_of(len(records), 'row')} for {count_of(len(enterprises), 'enterprise')}."
    observed = {**verdict.observed, "rows": len(records), "enterprises": len(enterprises)}
    return Verdict(verdict.status, verdict.detail + rows, observed)


# E10


def judge_user_fields(observations: Observations, readings: RoleReadings) -> Verdict:
    """E10: user records, and the lookup by email with its certificates, carry the documented fields."""
    records = readings.records("users")
    if not records:
        return _list_failure(readings, "users", "user")
    verdict = fields_verdict(records, USER_FIELDS, "user")
    roles = []
    for record in records:
        value = Record(record).get("roles", "role", default=[])
        roles.extend(value if isinstance(value, list) else [value])
    observed = {**verdict.observed, "role_words": distinct_words(str(role) for role in roles)}
    lookup_reading = readings.reading("user_by_email")
    looked_up = lookup_record(lookup_reading, ("email", "userEmail"))
    status, detail = verdict.status, verdict.detail
    if lookup_reading is None:
        detail += " The lookup by email was not tried, because no listed user has an email."
    elif not lookup_reading.answered:
        detail += f" The lookup by email got no response: {lookup_reading.failure()}"
    elif looked_up is None:
        status = DIFFERS
        detail += f" GET {_api.users_path()}/email/{{email}} returned no record for a listed user."
    elif isinstance(Record(looked_up).get("certificates"), list):
        detail += " The lookup by email lists the user's certificates."
    else:
        status = DIFFERS
        detail += " The lookup by email has no certificates list."
    observed["lookup_has_certificates"] = looked_up is not None and isinstance(Record(looked_up).get("certificates"), list)
    if status == HELD and observed["role_words"]:
        detail += f" Role names seen: {word_list(observed['role_words'])}."
    return Verdict(status, detail, observed)


__all__ = (
    "CERTIFICATE_FIELDS",
    "ENTERPRISE_FIELDS",
    "USER_FIELDS",
    "judge_certificate_fields",
    "judge_certificate_paths",
    "judge_certificate_type_words",
    "judge_enterprise_fields",
    "judge_issuance_hint",
    "judge_san_format",
    "judge_serial_format",
    "judge_serial_search",
    "judge_status_lists",
    "judge_user_fields",
)
