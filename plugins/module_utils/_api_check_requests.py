# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Judges of the request paths and of the list and record formats (B1, B7, C1, C3, C4, C5, C8).

The ids are those of the API assumptions page, ``docs/api-assumptions.md``. The list shape
(C3) and timestamp (C4) judges serve both the approver and the admin readings. The others
read the request lists of one approver role.
"""

from __future__ import annotations

import collections
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_formats import (
    FieldGroup,
    count_of,
    distinct_words,
    field_report,
    json_type,
    list_shape,
    timestamp_format,
    timestamp_parses,
    word_list,
)
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import (
    CERTIFICATE_LISTS,
    DIFFERS,
    HELD,
    NOT_CHECKED,
    REQUEST_LISTS,
    Observations,
    Reading,
    RoleReadings,
    Verdict,
    failed_read,
    lookup_record,
    no_records,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaResponseError,
)
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    HAS_CRYPTOGRAPHY,
    assemble_chain,
    certificate_details,
    pem_blocks,
    to_pem,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import (
    REQUEST_STATUSES,
    Record,
    normalize_request_status,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import parse_timestamp

# Statuses that mean a path is not served as assumed (not found, not allowed, not built).
NOT_SERVED_STATUSES = (400, 404, 405, 410, 501)

# A record timestamp and the certificate's notAfter may differ by rounding, not more.
MAX_CLOCK_SKEW_SECONDS = 60


def not_served_reason(error: HaricaAPIError | None) -> str | None:
    """Return why a GET shows its path is not served as assumed, or None when it does not.

    A status of NOT_SERVED_STATUSES, a rejected key (on a path of the key's own role) and
    a success response whose body is not JSON all count.
    """
    if error is None:
        return None
    if isinstance(error, HaricaResponseError):
        return "the body is not JSON the client can read"
    if error.status in NOT_SERVED_STATUSES or isinstance(error, HaricaAuthError):
        return f"HTTP {error.status}"
    return None


def split_unread(sent: t.Sequence[t.Any]) -> tuple[dict[str, str], list[str]]:
    """Split the failed readings into paths not served as assumed (with why) and paths not read."""
    not_served = {}
    for reading in sent:
        reason = not_served_reason(reading.error)
        if reason:
            not_served[reading.template] = reason
    unread = [reading.template for reading in sent if not reading.ok and reading.template not in not_served]
    return not_served, unread


def _is_completed(record: Record) -> bool:
    return normalize_request_status(record.get("transactionStatus", "status")) == "completed"


def _is_reviewed(record: Record) -> bool:
    return normalize_request_status(record.get("transactionStatus", "status")) != "pending"


def _label(readings: RoleReadings) -> str:
    """Return the request type's label, such as ``SSL`` or ``client authentication``."""
    return _api.REQUEST_TYPES[readings.role.request_type or "ssl"].label


def request_fields(request_type: str) -> tuple[FieldGroup, ...]:
    """Return the fields that C1 expects in a request record, with the names the code also reads.

    S/MIME and client-auth requests name no domains, so their names may come from ``sANS``.
    """
    names = FieldGroup("domains") if request_type == "ssl" else FieldGroup("sANS", ("domains", "subjectAlternativeNames"))
    return (
        FieldGroup("transactionId", ("id",)),
        FieldGroup("transactionStatus", ("status",)),
        FieldGroup("transactionTypeName", ("transactionType", "productType")),
        names,
        FieldGroup("userEmail", ("email",)),
        FieldGroup("user", ("userName", "fullName")),
        FieldGroup("friendlyName"),
        FieldGroup("requestedAt", ("createdAt",)),
        FieldGroup("reviewedAt", (), _is_reviewed, "requests that are not pending"),
        FieldGroup("reviewedBy", (), _is_reviewed, "requests that are not pending"),
        FieldGroup("isHighRisk"),
        FieldGroup("isRevoked"),
        FieldGroup("certificateValidTo", ("validTo",), _is_completed, "completed requests"),
    )


# Timestamp fields that C4 reads, for each kind of record.
REQUEST_TIMESTAMPS = ("requestedAt", "createdAt", "reviewedAt", "certificateValidTo")
CERTIFICATE_TIMESTAMPS = ("validFrom", "validTo", "certificateValidTo", "revokedAt")
ENTERPRISE_TIMESTAMPS = ("validity",)
USER_TIMESTAMPS = ("createdAt",)

# Fields that C4 compares with the notAfter of the record's certificate.
VALIDITY_END_FIELDS = ("certificateValidTo", "validTo")


def request_records(readings: RoleReadings) -> list[t.Mapping[str, t.Any]]:
    """Return the request records of every list and of the lookup by id, without duplicates."""
    records = readings.records("all", *REQUEST_LISTS)
    looked_up = lookup_record(readings.reading("by_id"), ("transactionId",))
    if looked_up is not None and not any(record is looked_up for record in records):
        identifier = str(Record(looked_up).get("transactionId", "id", default="")).lower()
        known = {str(Record(record).get("transactionId", "id", default="")).lower() for record in records}
        if identifier not in known:
            records.append(looked_up)
    return records


def leaf_details(record: Record) -> dict[str, t.Any] | None:
    """Return the details of the certificate a record carries, or None when it has none."""
    if not HAS_CRYPTOGRAPHY:
        return None
    leaf, _chain = assemble_chain(
        record.get("certificate", "pem", "certificatePem"), record.get("pemBundle", "bundle", "chain")
    )
    if leaf is None:
        return None
    try:
        return certificate_details(leaf)
    except ValueError:
        return None


# B1


def judge_request_paths(observations: Observations, readings: RoleReadings) -> Verdict:
    """B1: the full list, the status lists and the lookup by id respond for the approver's type."""
    request_type = readings.role.request_type or ""
    sent = [reading for reading in readings.readings.values() if reading.name != "probe"]
    if not any(reading.answered for reading in sent):
        return failed_read(sent[0])
    if all(isinstance(reading.error, HaricaAuthError) for reading in sent):
        return failed_read(sent[0])
    answered = [reading.template for reading in sent if reading.ok]
    not_served, unread = split_unread(sent)
    observed: dict[str, t.Any] = {"answered": answered, "not_served": not_served, "not_read": unread}

    by_id = readings.reading("by_id")
    lookup_note = ""
    if by_id is None:
        lookup_note = " The lookup by id was not tried, because no request was listed."
    elif by_id.ok:
        lookup_problem = _lookup_problem(by_id, readings)
        observed["lookup_shape"] = _lookup_shape(by_id.payload)
        if lookup_problem:
            not_served[by_id.template] = lookup_problem
        else:
            lookup_note = f" The lookup by id returned {observed['lookup_shape']}."

    if not_served:
        listed = "; ".join(f"GET {template}: {why}" for template, why in not_served.items())
        return Verdict(DIFFERS, f"Some {_label(readings)} request paths are not served as assumed: {listed}.", observed)
    detail = f"GET {_api.requests_path(request_type)}, its status lists and the lookup by id returned JSON."
    if by_id is None:
        detail = f"GET {_api.requests_path(request_type)} and its status lists returned JSON."
    if unread:
        detail = (
            f"{len(answered)} of {len(sent)} {_label(readings)} request paths returned JSON. These gave no usable"
            f" response and are not judged: {', '.join(unread)}."
        )
    return Verdict(HELD, detail + lookup_note, observed)


def _lookup_problem(reading: Reading, readings: RoleReadings) -> str | None:
    record = lookup_record(reading, ("transactionId",))
    if record is None:
        return "it returned no record for a listed transaction id"
    found = str(Record(record).get("transactionId", "id", default=""))
    if _api.request_by_id_path(readings.role.request_type or "", found).lower() != reading.path.lower():
        return "it returned another request than the one asked for"
    return None


def _lookup_shape(payload: t.Any) -> str:
    shape = list_shape(payload)
    if shape.kind == "wrapped":
        return shape.describe()
    if isinstance(payload, dict):
        return "a bare JSON object"
    return shape.describe()


# B7


def judge_pagination(observations: Observations, readings: RoleReadings) -> Verdict:
    """B7: each request list returns every matching request in one response.

    NOTE: only the JSON body is read. Pagination announced in headers alone (Link,
    X-Total-Count) is not seen.
    """
    full = readings.reading("all")
    if full is None or not full.ok:
        return failed_read(full) if full else Verdict(NOT_CHECKED, "The full list was not read.")
    answered = [reading for reading in readings.list_readings() if reading.ok]
    keys = sorted({key for reading in answered for key in reading.shape().pagination_keys()})
    counts = {reading.template: len(reading.shape().records) for reading in answered}
    observed: dict[str, t.Any] = {"records_per_list": counts, "pagination_keys": keys}
    if keys:
        return Verdict(
            DIFFERS,
            f"The list objects carry keys that suggest pagination ({', '.join(keys)}). The module reads only"
            " the first response of each list.",
            observed,
        )
    in_full = {_transaction_id(record) for record in full.shape().records}
    in_status_lists = {_transaction_id(record) for record in readings.records(*REQUEST_LISTS)}
    if not in_full and not in_status_lists:
        return no_records(f"{_label(readings)} request")
    missing = in_status_lists - in_full
    if missing:
        observed["missing_from_full_list"] = len(missing)
        return Verdict(
            DIFFERS,
            f"The full list returned {count_of(len(in_full), 'request')} but left out {len(missing)} that the"
            " status lists returned, so it may be one page of a longer list.",
            observed,
        )
    return Verdict(
        HELD,
        f"The full list returned {count_of(len(in_full), 'request')}, every request of the status lists among"
        " them, and no list object carried pagination keys.",
        observed,
    )


def _transaction_id(record: t.Mapping[str, t.Any]) -> str:
    return str(Record(record).get("transactionId", "id", default="")).lower()


# C1


def judge_request_fields(observations: Observations, readings: RoleReadings) -> Verdict:
    """C1: request records carry the documented fields."""
    records = request_records(readings)
    if not records:
        full = readings.reading("all")
        if full is not None and not full.ok:
            return failed_read(full)
        return no_records(f"{_label(readings)} request")
    return fields_verdict(records, request_fields(readings.role.request_type or ""), "request")


def fields_verdict(records: t.Sequence[t.Mapping[str, t.Any]], groups: t.Sequence[FieldGroup], what: str) -> Verdict:
    """Judge the field names of records: held unless an expected field is missing from all of them."""
    report = field_report(records, groups)
    observed = {"records": len(records), **report.observed()}
    read = f"{count_of(len(records), what + ' record')} read, key casing {report.casing}"
    if report.missing:
        return Verdict(DIFFERS, f"No record has {word_list(report.missing, 'or')} ({read}).", observed)
    detail = f"Every expected field is present ({read})."
    if report.partial:
        detail += f" Only some records have {word_list(report.partial)}."
    renamed = observed["fields_under_other_names"]
    if renamed:
        detail += " Found under another name: " + ", ".join(f"{name} as {used}" for name, used in renamed.items()) + "."
    if report.not_applicable:
        detail += f" No record read needs {word_list(report.not_applicable)}."
    return Verdict(HELD, detail, observed)


# C3


def judge_list_shape(observations: Observations, readings: RoleReadings) -> Verdict:
    """C3: lists are bare arrays or arrays wrapped under a key the client reads."""
    lists = readings.list_readings()
    answered = [reading for reading in lists if reading.ok]
    if not answered:
        return failed_read(lists[0]) if lists else Verdict(NOT_CHECKED, "No list was read.")
    shapes = {reading.template: reading.shape() for reading in answered}
    wrappers = sorted({shape.wrapper_key for shape in shapes.values() if shape.wrapper_key})
    kinds = {shape.kind for shape in shapes.values()}
    observed = {
        "shapes": {template: shape.describe() for template, shape in shapes.items()},
        "wrapper_keys": wrappers,
    }

    unreadable = {template: shape.describe() for template, shape in shapes.items() if not shape.readable}
    for reading in lists:
        if isinstance(reading.error, HaricaResponseError):
            unreadable[reading.template] = "a body that is not JSON"
            observed["shapes"][reading.template] = "a body that is not JSON"
    if unreadable:
        listed = "; ".join(f"GET {template} returned {described}" for template, described in unreadable.items())
        return Verdict(DIFFERS, f"The client cannot read these lists: {listed}.", observed)
    if kinds <= {"array", "empty"}:
        detail = f"Every list ({len(answered)}) was a bare JSON array."
    elif kinds <= {"wrapped", "empty"} and len(wrappers) == 1:
        detail = f'Every list ({len(answered)}) was an object with the array under "{wrappers[0]}".'
    else:
        detail = "The lists came in several shapes: " + "; ".join(
            f"{template}: {shape.describe()}" for template, shape in shapes.items()
        ) + "."
    if "empty" in kinds:
        empty = [template for template, shape in shapes.items() if shape.kind == "empty"]
        detail += f" These had an empty body: {', '.join(empty)}."
    return Verdict(HELD, detail, observed)


# C4


def judge_timestamps(observations: Observations, readings: RoleReadings) -> Verdict:
    """C4: timestamps have a format the client reads, and they are UTC.

    UTC is tested where a record carries both the end of validity and the certificate:
    the two must agree within MAX_CLOCK_SKEW_SECONDS.
    """
    sources = _timestamp_sources(readings)
    values = [
        (field, value)
        for records, fields in sources
        for record in records
        for field in fields
        for value in [Record(record).get(field)]
        if value is not None and value != ""
    ]
    if not values:
        full = readings.reading("all")
        if full is not None and not full.ok:
            return failed_read(full)
        return Verdict(NOT_CHECKED, "No record carried a timestamp.")
    formats = collections.Counter(timestamp_format(value) for _field, value in values)
    unreadable = distinct_words(timestamp_format(value) for _field, value in values if not timestamp_parses(value))
    offsets = _validity_offsets(record for records, _fields in sources for record in records)
    observed: dict[str, t.Any] = {
        "formats": dict(formats.most_common()),
        "unreadable_formats": unreadable,
        "compared_with_certificate": len(offsets),
        "offsets_seconds": sorted({round(offset) for offset in offsets if abs(offset) > MAX_CLOCK_SKEW_SECONDS}),
    }
    formats_text = ", ".join(f"{pattern} ({count})" for pattern, count in formats.most_common())
    if unreadable:
        return Verdict(
            DIFFERS, f"Some timestamps have a format the client cannot read: {', '.join(unreadable)}.", observed
        )
    skewed = [offset for offset in offsets if abs(offset) > MAX_CLOCK_SKEW_SECONDS]
    if skewed:
        return Verdict(
            DIFFERS,
            f"The end of validity differs from the certificate's notAfter in {len(skewed)} of {len(offsets)}"
            f" records, by {_hours(skewed[0])}, so the timestamps may be local time and not UTC."
            f" Formats: {formats_text}.",
            observed,
        )
    detail = f"Every timestamp ({len(values)}) has a format the client reads: {formats_text}."
    if offsets:
        detail += (
            f" The end of validity matched the certificate's notAfter in {count_of(len(offsets), 'record')},"
            " so the timestamps are UTC."
        )
    else:
        detail += " No record carried both an end of validity and a certificate, so UTC was not confirmed."
    return Verdict(HELD, detail, observed)


def _timestamp_sources(readings: RoleReadings) -> list[tuple[list[t.Mapping[str, t.Any]], tuple[str, ...]]]:
    if readings.role.request_type is not None:
        return [(request_records(readings), REQUEST_TIMESTAMPS)]
    return [
        (readings.records("all", *CERTIFICATE_LISTS), CERTIFICATE_TIMESTAMPS),
        (readings.records("enterprises"), ENTERPRISE_TIMESTAMPS),
        (readings.records("users"), USER_TIMESTAMPS),
    ]


def _validity_offsets(records: t.Iterable[t.Mapping[str, t.Any]]) -> list[float]:
    """Return, per record with a certificate, its end of validity minus the PEM's notAfter in seconds."""
    offsets = []
    for raw in records:
        record = Record(raw)
        value = record.get(*VALIDITY_END_FIELDS)
        if value is None or not timestamp_parses(value):
            continue
        details = leaf_details(record)
        if details is None:
            continue
        stated = parse_timestamp(value)
        if stated is not None:
            offsets.append((stated - details["not_after"]).total_seconds())
    return offsets


def _hours(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = round(abs(seconds) / 60)
    return f"{sign}{minutes // 60}:{minutes % 60:02d} h"


# C5


def judge_status_words(observations: Observations, readings: RoleReadings) -> Verdict:
    """C5: request status words are Pending, Ready, Completed and Cancelled (or Canceled)."""
    records = request_records(readings)
    if not records:
        full = readings.reading("all")
        if full is not None and not full.ok:
            return failed_read(full)
        return no_records(f"{_label(readings)} request")
    words = distinct_words(Record(record).get("transactionStatus", "status") for record in records)
    unknown = [word for word in words if word.strip().lower() not in REQUEST_STATUSES]
    misplaced = {}
    by_list = {}
    for status in _api.REQUEST_LIST_STATUSES:
        listed = readings.records(f"list/{status}")
        by_list[status] = distinct_words(Record(record).get("transactionStatus", "status") for record in listed)
        others = [word for word in by_list[status] if normalize_request_status(word) != status]
        if others:
            misplaced[status] = others

    seen = {normalize_request_status(word) for word in words}
    observed = {
        "status_words": words,
        "words_by_list": by_list,
        "unknown_words": unknown,
        "not_seen": [status for status in _api.REQUEST_LIST_STATUSES if status not in seen],
    }
    if unknown:
        return Verdict(DIFFERS, f"Status words the module does not know: {', '.join(unknown)}.", observed)
    if misplaced:
        listed = "; ".join(f"list/{status} returned {', '.join(found)}" for status, found in misplaced.items())
        return Verdict(DIFFERS, f"Some status lists return requests of other statuses: {listed}.", observed)
    detail = f"Status words seen: {word_list(words)}, all known to the module."
    if observed["not_seen"]:
        detail += f" No request was {word_list(observed['not_seen'], 'or')}, so those words were not seen."
    return Verdict(HELD, detail, observed)


# C8


def judge_certificate_location(observations: Observations, readings: RoleReadings) -> Verdict:
    """C8: a completed request carries its PEM in ``certificate`` and ``pemBundle``."""
    completed = [record for record in request_records(readings) if _is_completed(Record(record))]
    if not completed:
        full = readings.reading("all")
        if full is not None and not full.ok:
            return failed_read(full)
        return no_records(f"completed {_label(readings)} request")
    forms: collections.Counter[str] = collections.Counter()
    bundle_blocks: collections.Counter[int] = collections.Counter()
    with_headers = 0
    without_certificate = 0
    elsewhere: set[str] = set()
    for raw in completed:
        record = Record(raw)
        forms[_certificate_form(record.get("certificate", "pem", "certificatePem"))] += 1
        bundle = record.get("pemBundle", "bundle", "chain")
        if isinstance(bundle, str) and bundle.strip():
            bundle_blocks[len(pem_blocks(bundle))] += 1
            if "subject=" in bundle and "issuer=" in bundle:
                with_headers += 1
        leaf, _chain = assemble_chain(
            record.get("certificate", "pem", "certificatePem"), record.get("pemBundle", "bundle", "chain")
        )
        if leaf is None:
            without_certificate += 1
        elsewhere.update(_pem_fields(raw))

    observed = {
        "completed_requests": len(completed),
        "certificate_forms": dict(forms),
        "bundle_block_counts": {str(count): number for count, number in sorted(bundle_blocks.items())},
        "bundles_with_openssl_headers": with_headers,
        "pem_in_other_fields": sorted(elsewhere),
    }
    other = f" A PEM was found in {', '.join(sorted(elsewhere))}." if elsewhere else ""
    if without_certificate:
        return Verdict(
            DIFFERS,
            f"{without_certificate} of {len(completed)} completed requests carry no certificate in certificate"
            f" or pemBundle, so the module returns none for them.{other}",
            observed,
        )
    forms_text = ", ".join(f"{form} ({count})" for form, count in forms.most_common())
    bundles = sum(bundle_blocks.values())
    detail = f"Every completed request ({len(completed)}) carries its certificate, in certificate as {forms_text}."
    if bundles:
        detail += (
            f" pemBundle is in {count_of(bundles, 'record')}, with {_block_counts(bundle_blocks)} PEM blocks,"
            f" and has subject= and issuer= lines in {count_of(with_headers, 'record')}."
        )
    else:
        detail += " No record has a pemBundle, so the module returns no chain."
    return Verdict(HELD, detail + other, observed)


def _certificate_form(value: t.Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "absent"
    if not isinstance(value, str):
        return json_type(value)
    if "-----BEGIN" in value:
        return "PEM" if to_pem(value) else "unreadable PEM"
    return "base64 DER" if to_pem(value) else "unreadable"


def _pem_fields(raw: t.Mapping[str, t.Any]) -> list[str]:
    """Return the names of fields other than certificate and pemBundle that contain a PEM."""
    skip = ("certificate", "pembundle", "pem", "certificatepem", "bundle", "chain")
    return [
        str(key)
        for key, value in raw.items()
        if str(key).lower() not in skip and isinstance(value, str) and "-----BEGIN CERTIFICATE" in value
    ]


def _block_counts(counts: t.Mapping[int, int]) -> str:
    return " or ".join(str(count) for count in sorted(counts))


__all__ = (
    "CERTIFICATE_TIMESTAMPS",
    "MAX_CLOCK_SKEW_SECONDS",
    "NOT_SERVED_STATUSES",
    "REQUEST_TIMESTAMPS",
    "fields_verdict",
    "judge_certificate_location",
    "judge_list_shape",
    "judge_pagination",
    "judge_request_fields",
    "judge_request_paths",
    "judge_status_words",
    "judge_timestamps",
    "leaf_details",
    "not_served_reason",
    "request_fields",
    "request_records",
    "split_unread",
)
