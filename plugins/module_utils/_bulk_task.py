# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The task behind harica_bulk_issue: rows in, certificates and files out, exactly once.

The task reads the enterprise's valid certificates first and uploads only the rows that
have none. An upload is never sent twice by the module: when its outcome is lost, the
task reads the certificates again and reports what the server issued.
"""

from __future__ import annotations

import os
import time
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils import _bulk_rows as rows_
from ansible_collections.harica.certmanager.plugins.module_utils import _bulk_zip as zip_
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import connection_argument_spec
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_csv import rows_from_csv
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_delivery import Deliverer
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_matching import CertificateIndex
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_text import count, one_line, row_numbers
from ansible_collections.harica.certmanager.plugins.module_utils._enterprises import EnterpriseStore
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaAPIError, HaricaError

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

# The results a row can end with.
ISSUED = "issued"
SKIPPED = "skipped"
UNDELIVERED = "undelivered"
FAILED = "failed"
UNKNOWN = "unknown"
NOT_SENT = "not_sent"

# The words of the summary for each result, in the order they are listed. In check mode
# the summary uses "would be issued" instead of "issued".
SUMMARY_WORDS = {ISSUED: "issued", SKIPPED: "skipped", UNDELIVERED: "undelivered", FAILED: "failed",
                 UNKNOWN: "unknown", NOT_SENT: "not sent"}

# The module that shows which rows have a certificate when the task cannot tell.
INFO_MODULE = "harica.certmanager.harica_certificate_info"


def bulk_module_kwargs() -> dict[str, t.Any]:
    """Return the AnsibleModule keyword arguments of harica_bulk_issue."""
    entry_options: dict[str, dict[str, t.Any]] = {key: {"type": "str"} for key in rows_.ENTRY_KEYS}
    entry_options["csr_path"] = {"type": "path"}
    entry_options["pickup_password"] = {"type": "str", "no_log": True}
    spec = connection_argument_spec()
    spec.update(
        {
            "certificate_type": {"type": "str", "required": True, "choices": ["smime", "clientauth"]},
            "organization_id": {"type": "str"},
            "enterprise": {"type": "str"},
            "entries": {"type": "list", "elements": "dict", "options": entry_options},
            "csv_path": {"type": "path"},
            "profile": {"type": "str"},
            "dest": {"type": "path", "required": True},
            "zip_path": {"type": "path"},
            "renew_before_days": {"type": "int", "default": 0},
            "force": {"type": "bool", "default": False},
            "batch_size": {"type": "int", "default": 100},
            "settle_timeout": {"type": "int", "default": 120},
            "settle_interval": {"type": "int", "default": 5},
        }
    )
    return {
        "argument_spec": spec,
        "supports_check_mode": True,
        "add_file_common_args": True,
        "mutually_exclusive": [("organization_id", "enterprise"), ("entries", "csv_path")],
        "required_one_of": [("organization_id", "enterprise"), ("entries", "csv_path")],
    }


class BulkTask:
    """One run of harica_bulk_issue."""

    def __init__(
        self,
        module: AnsibleModule,
        client: HaricaClient,
        *,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.module = module
        self.params = module.params
        self.client = client
        self.type = self.params["certificate_type"]
        self.sleep = sleep
        self.clock = clock
        self.results: dict[int, dict[str, t.Any]] = {}
        self.batches: list[dict[str, t.Any]] = []
        self.batch_total = 0
        # Failures that no row's result shows, such as a zip that could not be kept.
        self.errors: list[str] = []
        # Whether an upload issued certificates, or may have, whatever the rows' results.
        self.server_changed = False
        # The batch that HARICA rejected for the problems of some rows: its number, its rows,
        # HARICA's message and those problems by row number. The task stops at that batch, so
        # there is at most one.
        self.rejection: tuple[int, list[rows_.Row], str, dict[int, list[str]]] | None = None
        self.deliverer = Deliverer(module, client, self.type, self.params["dest"])

    def run(self) -> dict[str, t.Any]:
        """Issue what is missing, deliver what exists, and return the module result."""
        self._check_options()
        rows = self._read_rows()
        # The enterprise comes first, because its domains are part of the row checks.
        enterprise = EnterpriseStore(self.client).resolve(
            organization_id=self.params["organization_id"], enterprise=self.params["enterprise"]
        )
        rows_.validate_rows(rows, self.type, self.params["profile"], self._enterprise_domains(enterprise))
        self._create_dest()
        index = CertificateIndex.read(self.client, self.type, [row.email for row in rows])
        to_issue = self._plan(rows, index)
        rows_.assign_friendly_names(to_issue)
        if self.module.check_mode:
            for row in to_issue:
                self._finish(row, ISSUED, detail="Would be issued; check mode sends no upload.")
        else:
            self._issue(to_issue, enterprise["organization_id"], index)
        return self._report(rows)

    # Reading and planning

    def _check_options(self) -> None:
        for option, minimum in (("batch_size", 1), ("settle_timeout", 0), ("settle_interval", 1),
                                ("renew_before_days", 0)):
            if self.params[option] < minimum:
                raise HaricaError(f"{option} {self.params[option]!r} is invalid: give {minimum} or more.")
        dest = self.params["dest"]
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise HaricaError(f"dest {dest} exists and is not a directory: give the path of a directory.")
        self._check_zip_path(dest)

    def _check_zip_path(self, dest: str) -> None:
        # Checked before any upload, because a zip that cannot be kept may hold the only copy of keys.
        zip_path = self.params["zip_path"]
        if zip_path is None:
            return
        directory = os.path.dirname(os.path.abspath(zip_path))
        if os.path.isdir(zip_path) or not (os.path.isdir(directory) or directory == os.path.abspath(dest)):
            raise HaricaError(f"zip_path {zip_path} is invalid: give a file path in an existing directory.")

    def _create_dest(self) -> None:
        dest = self.params["dest"]
        if not os.path.exists(dest) and not self.module.check_mode:
            # The directory will hold private keys, so only its owner may read it.
            os.makedirs(dest, mode=0o700)
            self.deliverer.changed = True

    def _read_rows(self) -> list[rows_.Row]:
        if self.params["entries"] is not None:
            return rows_.rows_from_entries(self.params["entries"])
        rows = rows_from_csv(self.params["csv_path"])
        # Passwords read from a file are secrets like those given as options.
        self.module.no_log_values.update(row.pickup_password for row in rows if row.pickup_password)
        return rows

    def _enterprise_domains(self, enterprise: t.Mapping[str, t.Any]) -> list[str] | None:
        domains = [domain["name"] for domain in enterprise["domains"]]
        if domains:
            return domains
        self.module.warn(
            f"The record of enterprise {enterprise['name']} ({enterprise['organization_id']}) lists no domains, so"
            " the module did not check that the rows' addresses are in the enterprise's domains. HARICA checks"
            " them when the rows are uploaded."
        )
        return None

    def _plan(self, rows: list[rows_.Row], index: CertificateIndex) -> list[rows_.Row]:
        to_issue = []
        for row in rows:
            current = index.match(row)
            reason = self._reissue_reason(current)
            if reason is None:
                self._deliver_existing(row, current)
            else:
                to_issue.append(row)
        return to_issue

    def _reissue_reason(self, current: t.Mapping[str, t.Any] | None) -> str | None:
        if current is None:
            return "no valid certificate"
        if self.params["force"]:
            return "force"
        remaining = current["days_remaining"]
        if self.params["renew_before_days"] and remaining is not None and remaining < self.params["renew_before_days"]:
            return "renew"
        return None

    def _deliver_existing(self, row: rows_.Row, certificate: t.Mapping[str, t.Any]) -> None:
        outcome = self.deliverer.existing(row, certificate)
        self._finish(row, outcome.result, certificate=certificate, files=outcome.files, detail=outcome.detail)

    # Uploading

    def _issue(self, rows: list[rows_.Row], organization_id: str, index: CertificateIndex) -> None:
        size = self.params["batch_size"]
        batches = [rows[start : start + size] for start in range(0, len(rows), size)]
        self.batch_total = len(batches)
        for number, batch in enumerate(batches, start=1):
            try:
                result = self._upload(number, batch, organization_id, index)
            except (HaricaError, OSError) as exc:
                # A failure after the upload must not lose the results of the earlier
                # batches, so this batch is reported unknown and the module returns every row.
                result = self._unknown_after_upload(number, batch, exc)
            numbers = [row.number for row in batch]
            self.batches.append({"batch": number, "rows": numbers, "result": result})
            if result != ISSUED:
                detail = _not_sent_detail(number, numbers, result)
                for later in batches[number:]:
                    for row in later:
                        self._finish(row, NOT_SENT, detail=detail)
                return

    def _upload(self, number: int, batch: list[rows_.Row], organization_id: str, index: CertificateIndex) -> str:
        data, files = _api.bulk_form(organization_id, rows_.build_csv(batch, self.type))
        try:
            response = self.client.post(
                _api.bulk_create_path(self.type),
                action=f"upload bulk batch {number} ({count(len(batch), 'row')})",
                data=data,
                files=files,
                accept="application/zip, application/json",
            )
        except HaricaAPIError as exc:
            if exc.outcome_unknown:
                return self._settle(batch, index, exc.message)
            return self._fail_batch(number, batch, exc.message, rows_.server_row_errors(exc.document, batch))
        body = response.content
        try:
            zip_.check_response(body, response.headers.get("Content-Type", ""))
            deliveries = zip_.read_zip(body, batch)
        except zip_.EmptyAnswerError as exc:
            return self._settle(batch, index, exc.message)
        except zip_.NotAZipError as exc:
            return self._fail_batch(number, batch, exc.message)
        except zip_.ZipCheckError as exc:
            return self._keep_unknown(number, batch, body, f"{exc.message} Nothing was extracted.")
        return self._deliver(number, batch, body, deliveries)

    def _deliver(self, number: int, batch: list[rows_.Row], body: bytes, deliveries: dict[int, zip_.Delivery]) -> str:
        self.server_changed = True
        for row in batch:
            try:
                outcome = self.deliverer.from_zip(deliveries[row.number])
            except (HaricaError, OSError) as exc:
                unwritten = [later for later in batch if later.number not in self.results]
                problem = f"Writing the files of row {row.number} failed: {_error_text(exc)}"
                return self._keep_unknown(number, unwritten, body, problem)
            self._finish(row, ISSUED, delivery=deliveries[row.number], files=outcome.files)
        try:
            self.deliverer.keep_zip(body, self.params["zip_path"], number, self.batch_total)
        except (HaricaError, OSError) as exc:
            self.errors.append(f"Keeping the zip of batch {number} failed: {_error_text(exc)} The files of its"
                               " rows are written.")
        return ISSUED

    def _fail_batch(
        self, number: int, batch: list[rows_.Row], message: str, row_errors: dict[int, list[str]] | None = None
    ) -> str:
        if row_errors:
            self.rejection = (number, batch, message, row_errors)
        for row in batch:
            detail = message
            if row_errors and row.number in row_errors:
                detail = f"{message} HARICA rejected this row: {'; '.join(row_errors[row.number])}"
            elif row_errors:
                rejected = row_numbers(sorted(row_errors))
                detail = f"{message} HARICA rejected {rejected} of the batch, so this row was not issued."
            self._finish(row, FAILED, detail=detail)
        return FAILED

    def _keep_unknown(self, number: int, batch: list[rows_.Row], body: bytes, problem: str) -> str:
        # A zip arrived, so HARICA most likely issued certificates, although the zip cannot be used.
        self.server_changed = True
        path = self.deliverer.keep_zip(body, self.params["zip_path"], number, self.batch_total, failed=True)
        detail = (
            f"{problem} The zip is kept at {path} (mode 0600), so that no server-generated key is lost. Check it"
            " by hand, or revoke the certificates of this batch and upload again."
        )
        for row in batch:
            self._finish(row, UNKNOWN, detail=detail)
        return UNKNOWN

    def _unknown_after_upload(self, number: int, batch: list[rows_.Row], exc: HaricaError | OSError) -> str:
        detail = (
            f"{_error_text(exc)} Batch {number} was uploaded, so HARICA may have issued its certificates. Check"
            f" with {INFO_MODULE} which rows have one before running the task again."
        )
        self.server_changed = True
        unfinished = [row for row in batch if row.number not in self.results]
        for row in unfinished:
            self._finish(row, UNKNOWN, detail=detail)
        if not unfinished:
            self.errors.append(detail)
        return UNKNOWN

    def _settle(self, batch: list[rows_.Row], index: CertificateIndex, reason: str) -> str:
        """Find out which rows of a batch whose response was lost now have certificates.

        ``reason`` is one or more sentences that describe how the response was lost.
        """
        reason = _sentence(reason)
        deadline = self.clock() + self.params["settle_timeout"]
        found: dict[int, dict[str, t.Any]] = {}
        while True:
            try:
                fresh = CertificateIndex.read(self.client, self.type, [row.email for row in batch])
            except HaricaError as exc:
                self.server_changed = True
                detail = (
                    f"{reason} Reading the certificates again failed too: {_sentence(exc.message)} Check with"
                    f" {INFO_MODULE} which rows have a certificate before running the task again."
                )
                for row in batch:
                    self._finish(row, UNKNOWN, detail=detail)
                return UNKNOWN
            found = {row.number: match for row in batch if (match := fresh.match_new(row, index)) is not None}
            if len(found) == len(batch) or self.clock() >= deadline:
                break
            self.sleep(min(self.params["settle_interval"], max(deadline - self.clock(), 0)))
        for row in batch:
            self._settle_row(row, found.get(row.number), reason)
        return UNKNOWN

    def _settle_row(self, row: rows_.Row, certificate: dict[str, t.Any] | None, reason: str) -> None:
        if certificate is not None:
            self.server_changed = True
        if certificate is None:
            self._finish(row, FAILED, detail=(
                f"Not issued. {reason} No certificate for {row.email} appeared within settle_timeout"
                f" ({self.params['settle_timeout']} s), so the next run uploads the row again."))
        elif row.uses_csr:
            outcome = self.deliverer.existing(row, certificate)
            self._finish(row, ISSUED, certificate=certificate, files=outcome.files, detail=(
                f"Issued. {reason} Reading the certificates again found this row's certificate, and its files"
                " were downloaded by serial."))
        else:
            self._finish(row, UNDELIVERED, certificate=certificate, detail=(
                f"Issued, but the PKCS#12 with the key HARICA generated was lost. {reason} Revoke certificate"
                f" {certificate['serial_number']}, then run again (only this row is issued again), or issue with"
                " a CSR."))

    # Reporting

    def _finish(
        self,
        row: rows_.Row,
        result: str,
        *,
        certificate: t.Mapping[str, t.Any] | None = None,
        delivery: zip_.Delivery | None = None,
        files: list[str] | None = None,
        detail: str | None = None,
    ) -> None:
        details = delivery.details if delivery else None
        self.results[row.number] = {
            "row": row.number,
            "email": row.email,
            "result": result,
            "serial_number": (details or certificate or {}).get("serial_number"),
            "not_after": _timestamp((details or certificate or {}).get("not_after")),
            "files": files or [],
            "detail": detail,
        }

    def _report(self, rows: list[rows_.Row]) -> dict[str, t.Any]:
        entries = [self.results[row.number] for row in rows]
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry["result"]] = counts.get(entry["result"], 0) + 1
            if entry["result"] == UNDELIVERED:
                self.module.warn(f"Row {entry['row']} ({entry['email']}): {entry['detail']}")
        changed = bool(counts.get(ISSUED)) or self.deliverer.changed or self.server_changed
        words = dict(SUMMARY_WORDS, **({ISSUED: "would be issued"} if self.module.check_mode else {}))
        summary = ", ".join(f"{counts[result]} {word}" for result, word in words.items() if counts.get(result))
        result = {"changed": changed, "entries": entries, "batches": self.batches, "msg": f"Rows: {summary}."}
        failure = self._failure(entries)
        if failure is None:
            return result
        message = f"{result['msg']} {failure}"
        raise HaricaError(message, **{key: value for key, value in result.items() if key != "msg"})

    def _failure(self, entries: list[dict[str, t.Any]]) -> str | None:
        """Describe why the task failed, or return None when it did not."""
        if self.rejection is not None:
            return _rejection_text(*self.rejection)
        problems = [entry for entry in entries if entry["result"] in (FAILED, UNKNOWN, NOT_SENT)]
        if problems:
            return f"First problem, row {problems[0]['row']} ({problems[0]['email']}): {problems[0]['detail']}"
        if self.errors:
            return f"First problem, {self.errors[0]}"
        return None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _rejection_text(number: int, batch: list[rows_.Row], message: str, row_errors: dict[int, list[str]]) -> str:
    """Describe a batch that HARICA rejected on one line, then give each problem it named on a line of its own.

    The first line counts the rejected rows, quotes HARICA's message and counts the other
    rows of the batch. Each later line is ``row <n> (<email>): <problem>``.
    """
    rejected = [row for row in batch if row.number in row_errors]
    text = f"HARICA rejected batch {number} because of {count(len(rejected), 'row')}."
    text += f" {_sentence(one_line(message))}"
    others = len(batch) - len(rejected)
    if others == 1:
        text += " HARICA named no problem in the other row of the batch, but it was not issued either."
    elif others:
        text += f" HARICA named no problem in the other {others} rows of the batch, but none of them was issued."
    lines = [f"row {row.number} ({row.email}): {problem}" for row in rejected for problem in row_errors[row.number]]
    return "\n".join([f"{text} Fix the problems on the following lines and run the task again.", *lines])


def _not_sent_detail(number: int, numbers: list[int], result: str) -> str:
    whose = "that row" if len(numbers) == 1 else "those rows"
    return f"Not sent, because batch {number} ({row_numbers(numbers)}) ended {result}. The detail of {whose} says why."


def _error_text(exc: HaricaError | OSError) -> str:
    if isinstance(exc, HaricaError):
        return _sentence(exc.message)
    where = f" ({exc.filename})" if exc.filename else ""
    return _sentence(f"{exc.strerror or exc}{where}")


def _timestamp(value: t.Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ("BulkTask", "bulk_module_kwargs")
