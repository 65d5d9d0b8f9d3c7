# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The task behind harica_certificate_revoke."""

from __future__ import annotations

import collections
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _revocation as rv
from ansible_collections.harica.certmanager.plugins.module_utils._approvals import RequestStore
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import connection_argument_spec
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import CertificateStore
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    SERIAL_FORMATS,
    parse_dns_names,
    parse_serials,
    utc_now,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

SELECTORS = ("serial_numbers", "hostnames", "transaction_ids")


def revoke_module_kwargs() -> dict[str, t.Any]:
    """Return the AnsibleModule keyword arguments of harica_certificate_revoke."""
    spec = connection_argument_spec()
    spec.update(
        {
            # Raw, because a list option turns a lone number into a string, and a serial that
            # YAML read as a number must be rejected instead.
            "serial_numbers": {"type": "raw", "aliases": ["serial_number"]},
            "serial_format": {"type": "str", "choices": list(SERIAL_FORMATS)},
            "hostnames": {"type": "list", "elements": "str"},
            "match_wildcards": {"type": "bool", "default": False},
            "transaction_ids": {"type": "list", "elements": "str"},
            "certificate_type": {"type": "str", "choices": ["ssl", "smime", "clientauth"]},
            "shared": {"type": "str", "default": "fail", "choices": ["fail", "revoke", "skip"]},
            "revoke_type": {"type": "str", "default": "auto", "choices": ["auto", "single", "bulk", "acme"]},
            "reason": {"type": "str", "choices": list(rv.REASON_CODES)},
            "reason_code": {"type": "str"},
            "comment": {"type": "str", "default": ""},
            "inform_user": {"type": "bool", "default": True},
            "state": {"type": "str", "default": "revoked", "choices": ["revoked"]},
            "missing": {"type": "str", "default": "fail", "choices": ["fail", "ignore"]},
            "max_certificates": {"type": "int", "default": 10},
        }
    )
    return {
        "argument_spec": spec,
        "supports_check_mode": True,
        "mutually_exclusive": [SELECTORS, ("reason", "reason_code")],
        "required_one_of": [SELECTORS],
        "required_by": {"transaction_ids": "certificate_type"},
    }


class RevokeTask:
    """One run of harica_certificate_revoke."""

    def __init__(self, module: AnsibleModule, client: HaricaClient) -> None:
        self.module = module
        self.params = module.params
        self.client = client
        self.store = CertificateStore(client, now=utc_now())

    def run(self) -> dict[str, t.Any]:
        """Select, check every limit, revoke what is valid, and return the module result."""
        reason_code = self._reason_code()
        targets = self._select()
        before = {id(target): (target.certificate or {}).get("status") for target in targets}
        rv.classify(targets)
        self._check_missing(targets)
        if self.params["hostnames"] is not None:
            rv.apply_shared_policy(targets, self.params["shared"])
            self._warn_skipped_shared(targets)
        rv.check_limit(targets, self.params["max_certificates"])
        rv.choose_paths(targets, self.params["revoke_type"])
        for target in targets:
            if target.result is None:
                self._revoke(target, reason_code)
        return self._report(targets, before)

    # Selection

    def _warn_skipped_shared(self, targets: list[rv.Target]) -> None:
        # A skipped shared certificate stays valid for the given names too, so the play
        # that retires them must see it.
        for target in targets:
            if target.result == rv.SKIPPED and target.shared_names:
                self.module.warn(f"Certificate {target.serial} was not revoked and stays valid: it also covers"
                                 f" {', '.join(target.shared_names)}, and shared is skip. Revoke it when those"
                                 " names are retired too.")

    def _reason_code(self) -> str:
        code = self.params["reason_code"]
        if code is not None:
            if not code.strip():
                raise HaricaError("reason_code is empty: give a code such as 4.9.1.1.1.1, or use reason.")
            return code.strip()
        return rv.REASON_CODES[self.params["reason"] or "unspecified"]

    def _select(self) -> list[rv.Target]:
        if self.params["serial_numbers"] is not None:
            numbers = parse_serials(self.params["serial_numbers"], serial_format=self.params["serial_format"])
            return rv.select_by_serials(self.store, numbers)
        if self.params["hostnames"] is not None:
            hostnames = parse_dns_names(self.params["hostnames"], option="hostnames")
            targets, unseen = rv.select_by_hostnames(
                self.store, hostnames, match_wildcards=self.params["match_wildcards"]
            )
            for host in unseen:
                self.module.warn(f"No certificate of any status covers {host}; check the name for a typo.")
            return targets
        transaction_ids = [value.strip() for value in self.params["transaction_ids"]]
        return rv.select_by_transactions(self.client, self.params["certificate_type"], transaction_ids, self.store)

    def _check_missing(self, targets: list[rv.Target]) -> None:
        missing = [target for target in targets if target.result == rv.NOT_FOUND]
        if not missing or self.params["missing"] == "ignore":
            return
        for target in targets:
            if target.result is None:
                target.finish(rv.SKIPPED, "Not revoked, because another part of the selection matched nothing.")
        listed = ", ".join(target.selected_by for target in missing)
        raise HaricaError(
            f"Nothing was revoked, because the selection matched nothing for: {listed}. Correct the"
            " selection, or set missing to ignore.",
            certificates=[target.report() for target in targets],
        )

    # Revoking

    def _revoke(self, target: rv.Target, reason_code: str) -> None:
        if self.module.check_mode:
            target.finish(rv.REVOKED, "Would be revoked; check mode sends nothing.")
            target.certificate = {**target.certificate, "status": "revoked"}
            return
        rv.revoke(
            self.client,
            target,
            reason_code=reason_code,
            message=self.params["comment"],
            inform_user=self.params["inform_user"],
            reread=self._reread,
        )
        if target.result == rv.REVOKED and target.detail:
            self.module.warn(f"Certificate {target.serial}: {target.detail}")

    def _reread(self, target: rv.Target) -> dict[str, t.Any] | None:
        if self.params["transaction_ids"] is not None:
            request = RequestStore(self.client, self.params["certificate_type"]).get(target.transaction_id)
            return self.store.normalize(request["raw"]) if request else None
        return self.store.find_serials([int(target.serial, 16)])[int(target.serial, 16)]

    # Reporting

    def _report(self, targets: list[rv.Target], before: dict[int, t.Any]) -> dict[str, t.Any]:
        counts = collections.Counter(target.result for target in targets)
        records = [target.report() for target in targets]
        result: dict[str, t.Any] = {
            "changed": counts[rv.REVOKED] > 0,
            "certificates": records,
            "msg": _summary(counts, self.module.check_mode),
        }
        if self.module._diff:
            result["diff"] = {
                "before": {_key(target): before[id(target)] for target in targets},
                "after": {_key(target): (target.certificate or {}).get("status") for target in targets},
            }
        if counts[rv.FAILED]:
            first = next(target for target in targets if target.result == rv.FAILED)
            message = f"{result['msg']} First failure, certificate {_key(first)}: {first.detail}"
            raise HaricaError(message, **{key: value for key, value in result.items() if key != "msg"})
        return result


def _key(target: rv.Target) -> str:
    return target.serial or target.selected_by


def _summary(counts: collections.Counter, check_mode: bool) -> str:
    words = {
        rv.REVOKED: "would be revoked" if check_mode else "revoked",
        rv.ALREADY_REVOKED: "already revoked",
        rv.EXPIRED: "expired and left as they are",
        rv.SKIPPED: "skipped",
        rv.NOT_FOUND: "not found",
        rv.FAILED: "failed",
    }
    parts = [f"{counts[result]} {word}" for result, word in words.items() if counts[result]]
    if not parts:
        return "No certificate matched, so there is nothing to revoke."
    return "Certificates: " + ", ".join(parts) + "."


__all__ = ("RevokeTask", "revoke_module_kwargs")
