# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Revocation: select certificates, check every limit before any POST, revoke, report.

Each selected certificate becomes a ``Target``. Selection and the checks only read; the
POSTs start once every target has passed them, so a bad selection revokes nothing.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._approvals import RequestStore
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    CertificateStore,
    certificate_names,
    name_matches,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaAPIError, HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._values import format_serial

# Readable reason names to HARICA's codes. Only 4.9.1.1.1.1 is confirmed (every public
# client sends it); the others follow the numbering of the CA/Browser Forum Baseline
# Requirements, section 4.9.1.1, and are inferred.
REASON_CODES = {
    "unspecified": "4.9.1.1.1.1",
    "privilege_withdrawn": "4.9.1.1.1.2",
    "key_compromise": "4.9.1.1.1.3",
    "superseded": "4.9.1.1.1.5",
    "cessation_of_operation": "4.9.1.1.2.9",
}

# Server messages that mean the certificate was revoked before this call, and the statuses
# that may carry them: 400 (what the simulator sends) and 409 Conflict. Which one HARICA
# sends is not confirmed. A 401, 403 or 404 with such a message still fails the target,
# because those statuses reject the call itself, not the revoke.
_ALREADY_REVOKED = re.compile(r"already\s+(?:been\s+)?revoked", re.IGNORECASE)
_ALREADY_REVOKED_STATUSES = (400, 409)
_REASON_WORD = re.compile(r"reason", re.IGNORECASE)

# The results a target can end with.
REVOKED = "revoked"
ALREADY_REVOKED = "already_revoked"
EXPIRED = "expired"
SKIPPED = "skipped"
NOT_FOUND = "not_found"
FAILED = "failed"


class Target:
    """One selected certificate (or one selector that matched none) and its outcome."""

    def __init__(self, selected_by: str, certificate: dict[str, t.Any] | None, *, transaction_id: str | None = None):
        self.selected_by = selected_by
        self.certificate = certificate
        self.transaction_id = transaction_id or (certificate or {}).get("transaction_id")
        self.result: str | None = None
        self.detail: str | None = None
        self.shared_names: list[str] = []
        self.matched_names: list[str] = []
        self.path: str | None = None

    @property
    def serial(self) -> str | None:
        return (self.certificate or {}).get("serial_number")

    def finish(self, result: str, detail: str | None = None) -> None:
        self.result = result
        self.detail = detail

    def report(self) -> dict[str, t.Any]:
        """Return the target as the module reports it, without PEMs and the raw record."""
        record = {key: value for key, value in (self.certificate or {"serial_number": None, "status": None}).items()
                  if key not in ("certificate", "chain", "raw")}
        record.update(
            {
                "selected_by": self.selected_by,
                "result": self.result,
                "detail": self.detail,
                "shared_names": self.shared_names,
            }
        )
        if self.transaction_id and not record.get("transaction_id"):
            record["transaction_id"] = self.transaction_id
        return record


# Selection


def select_by_serials(store: CertificateStore, numbers: t.Sequence[int]) -> list[Target]:
    found = store.find_serials(numbers)
    targets = []
    for number in numbers:
        target = Target(f"serial {format_serial(number)}", found[number])
        if found[number] is None:
            target.certificate = {"serial_number": format_serial(number), "status": None}
            target.finish(NOT_FOUND, "No certificate of the enterprise has this serial number.")
        targets.append(target)
    return targets


def select_by_hostnames(
    store: CertificateStore, hostnames: t.Sequence[str], *, match_wildcards: bool
) -> tuple[list[Target], list[str]]:
    """Return the certificates that cover any of the names, and the names none covers."""
    targets = []
    seen = set()
    for certificate in store.all():
        names = certificate_names(certificate)
        matched = [host for host in hostnames if _covers(names, host, match_wildcards)]
        if not matched or certificate["serial_number"] in seen:
            continue
        seen.add(certificate["serial_number"])
        target = Target(f"hostname {', '.join(matched)}", certificate)
        target.matched_names = matched
        target.shared_names = [name for name in names if name not in hostnames]
        targets.append(target)
    covered = {host for target in targets for host in target.matched_names}
    return targets, [host for host in hostnames if host not in covered]


def _covers(names: t.Sequence[str], host: str, match_wildcards: bool) -> bool:
    return any(name_matches(name, host, match_wildcards=match_wildcards) for name in names)


def select_by_transactions(client: t.Any, certificate_type: str, transaction_ids: t.Sequence[str],
                           store: CertificateStore) -> list[Target]:
    requests = RequestStore(client, certificate_type)
    targets = []
    for transaction_id in transaction_ids:
        request = requests.get(transaction_id)
        selected_by = f"transaction {transaction_id}"
        if request is None:
            target = Target(selected_by, None, transaction_id=transaction_id)
            target.finish(NOT_FOUND, f"No {requests.type.label} request has this transaction id.")
        elif request["status"] != "completed":
            target = Target(selected_by, None, transaction_id=transaction_id)
            target.finish(NOT_FOUND, f"The request is {request['status']}, so it has no certificate to revoke.")
        else:
            target = Target(selected_by, store.normalize(request["raw"]), transaction_id=transaction_id)
        target.path = _api.approver_revoke_path(certificate_type)
        targets.append(target)
    return targets


# Checks before any POST


def classify(targets: t.Iterable[Target]) -> None:
    """Settle the targets that need no POST: already revoked and expired certificates."""
    for target in targets:
        if target.result is not None:
            continue
        status = target.certificate["status"]
        if status == "revoked":
            target.finish(ALREADY_REVOKED, "The certificate was already revoked.")
        elif status == "expired":
            target.finish(EXPIRED, "The certificate has expired, so it is left as it is.")


def apply_shared_policy(targets: t.Iterable[Target], policy: str) -> None:
    """Apply the ``shared`` option to certificates that also cover names not selected."""
    shared = [target for target in targets if target.result is None and target.shared_names]
    if policy == "fail" and shared:
        listed = "; ".join(f"{target.serial} also covers {', '.join(target.shared_names)}" for target in shared)
        raise HaricaError(
            f"Some selected certificates also cover names that were not given, so they may serve"
            f" other hosts: {listed}. Nothing was revoked. Set shared to revoke to revoke them"
            " anyway, or to skip to leave them.",
            certificates=[target.report() for target in targets],
        )
    if policy == "skip":
        for target in shared:
            target.finish(SKIPPED, f"The certificate also covers {', '.join(target.shared_names)}, and shared is skip.")


def check_limit(targets: t.Sequence[Target], maximum: int) -> None:
    pending = [target for target in targets if target.result is None]
    if len(pending) > maximum:
        raise HaricaError(
            f"The selection would revoke {len(pending)} certificates, more than max_certificates"
            f" ({maximum}). Nothing was revoked. Check the selection, or raise max_certificates.",
            certificates=[target.report() for target in targets],
        )


def choose_paths(targets: t.Iterable[Target], revoke_type: str) -> None:
    """Give each admin target its revoke path; raise for one that cannot be revoked."""
    problems = []
    for target in targets:
        if target.result is not None or target.path is not None:
            continue
        method = target.certificate.get("issued_via") if revoke_type == "auto" else revoke_type
        if method is None:
            problems.append(f"{target.serial}: the record does not tell how it was issued; set revoke_type")
        elif not target.transaction_id:
            problems.append(f"{target.serial}: the record has no transaction id, which the revoke call needs")
        else:
            target.path = _api.admin_revoke_path(method)
    if problems:
        raise HaricaError(f"Cannot revoke: {'; '.join(problems)}. Nothing was revoked.")


# Revoking


def revoke(client: t.Any, target: Target, *, reason_code: str, message: str, inform_user: bool,
           reread: t.Callable[[Target], dict[str, t.Any] | None]) -> None:
    """Send one revoke and settle the target; a failure is recorded, not raised."""
    body = _api.revoke_body(target.transaction_id, message=message, reason_code=reason_code, inform_user=inform_user)
    try:
        client.post_json(target.path, action=f"revoke certificate {target.serial}", json_body=body)
    except HaricaAPIError as exc:
        _settle_failure(target, exc, reason_code, reread)
        return
    target.finish(REVOKED)
    if target.certificate is not None:
        target.certificate = {**target.certificate, "status": "revoked"}


def _settle_failure(target: Target, exc: HaricaAPIError, reason_code: str,
                    reread: t.Callable[[Target], dict[str, t.Any] | None]) -> None:
    server = exc.server_message or ""
    if not exc.outcome_unknown and exc.status in _ALREADY_REVOKED_STATUSES and _ALREADY_REVOKED.search(server):
        target.finish(ALREADY_REVOKED, f"The server answered that the certificate is already revoked: {server}")
        target.certificate = {**target.certificate, "status": "revoked"}
        return
    if exc.outcome_unknown:
        _settle_unknown(target, exc, reread)
        return
    detail = exc.message
    if exc.status == 400 and _REASON_WORD.search(server):
        detail += (
            f" HARICA may not accept the reason code {reason_code}: set reason_code to the code"
            " HARICA expects, or use reason unspecified (4.9.1.1.1.1, the only confirmed code)."
        )
    target.finish(FAILED, detail)


def _settle_unknown(target: Target, exc: HaricaAPIError, reread: t.Callable[[Target], dict[str, t.Any] | None]) -> None:
    try:
        current = reread(target)
    except HaricaAPIError as reread_error:
        target.finish(FAILED, f"{exc.message} Reading the certificate again failed as well, so its state is"
                              f" unknown: {reread_error.message}")
        return
    if current is not None and current["status"] == "revoked":
        target.certificate = current
        target.finish(REVOKED, f"The response was lost ({exc.message}), but the server now shows the certificate"
                               " revoked, so the revoke took effect.")
        return
    if current is not None:
        target.certificate = current
    status = current["status"] if current else "not found"
    advice = " Run the task again." if exc.transient else ""
    target.finish(FAILED, f"{exc.message} A re-read shows the certificate is {status}, so the revoke did not take"
                          f" effect.{advice}")


__all__ = (
    "ALREADY_REVOKED",
    "EXPIRED",
    "FAILED",
    "NOT_FOUND",
    "REASON_CODES",
    "REVOKED",
    "SKIPPED",
    "Target",
    "apply_shared_policy",
    "check_limit",
    "choose_paths",
    "classify",
    "revoke",
    "select_by_hostnames",
    "select_by_serials",
    "select_by_transactions",
)
