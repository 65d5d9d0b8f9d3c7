# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The task behind the request modules: select, decide, act, wait, write files, report.

One implementation serves the SSL, S/MIME and client-auth request modules. Each module
only names its request type and the option that selects requests by their names.
"""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _approvals
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import connection_argument_spec
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._files import write_file

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

# The files a task can write, in the order they are written.
FILE_OPTIONS = ("certificate_path", "chain_path", "fullchain_path")


def request_module_kwargs(names_option: str) -> dict[str, t.Any]:
    """Return the AnsibleModule keyword arguments of a request module."""
    spec = connection_argument_spec()
    spec.update(
        {
            "transaction_id": {"type": "str"},
            names_option: {"type": "list", "elements": "str"},
            "state": {"type": "str", "default": "accepted", "choices": ["accepted", "cancelled"]},
            "comment": {"type": "str", "default": ""},
            "inform_user": {"type": "bool", "default": True},
            "wait": {"type": "bool", "default": False},
            "wait_timeout": {"type": "int", "default": 600},
            "wait_interval": {"type": "int", "default": 10},
            "certificate_path": {"type": "path"},
            "chain_path": {"type": "path"},
            "fullchain_path": {"type": "path"},
            "backup": {"type": "bool", "default": False},
        }
    )
    return {
        "argument_spec": spec,
        "supports_check_mode": True,
        "add_file_common_args": True,
        "mutually_exclusive": [("transaction_id", names_option)],
        "required_one_of": [("transaction_id", names_option)],
    }


class RequestTask:
    """One run of a request module against one request type."""

    def __init__(
        self,
        module: AnsibleModule,
        client: HaricaClient,
        *,
        request_type: str,
        names: list[str] | None,
    ) -> None:
        self.module = module
        self.params = module.params
        self.state = self.params["state"]
        self.names = names
        self.store = _approvals.RequestStore(client, request_type)

    def run(self) -> dict[str, t.Any]:
        """Bring the request to the desired state and return the module result."""
        self._check_options()
        request = _approvals.select_request(
            self.store, state=self.state, transaction_id=self.params["transaction_id"], names=self.names
        )
        if request is None:
            return self._not_found()
        plan = _approvals.plan_transition(self.store, request, self.state)
        after = self._act(request, plan)
        changed = plan.action is not None
        if self._should_wait(after):
            after = self._wait(after, changed)
        files = self._write_files(after)
        changed = changed or any(item["changed"] for item in files)
        return self._report(request, after, plan, changed, files)

    # Steps

    def _check_options(self) -> None:
        if self.params["wait_timeout"] < 0:
            raise HaricaError(f"wait_timeout {self.params['wait_timeout']!r} is invalid: give 0 or more seconds.")
        if self.params["wait_interval"] <= 0:
            raise HaricaError(f"wait_interval {self.params['wait_interval']!r} is invalid: give 1 or more seconds.")
        wanted_files = [option for option in FILE_OPTIONS if self.params[option]]
        if wanted_files and self.state != _approvals.ACCEPTED:
            raise HaricaError(f"{', '.join(wanted_files)} can only be used with state=accepted.")

    def _act(self, request: dict[str, t.Any], plan: _approvals.Plan) -> dict[str, t.Any]:
        if plan.action is None:
            return request
        if self.module.check_mode:
            return _predicted(request, plan)
        after, warning = _approvals.apply_transition(
            self.store, request, plan, message=self.params["comment"], inform_user=self.params["inform_user"]
        )
        if warning:
            self.module.warn(warning)
        return after

    def _should_wait(self, request: t.Mapping[str, t.Any]) -> bool:
        # Check mode never waits: the accept it predicts was not sent.
        wanted = self.params["wait"] and self.state == _approvals.ACCEPTED
        return wanted and not self.module.check_mode and request["status"] != "completed"

    def _wait(self, request: dict[str, t.Any], changed: bool) -> dict[str, t.Any]:
        try:
            return _approvals.wait_for_issuance(
                self.store,
                request,
                timeout=self.params["wait_timeout"],
                interval=self.params["wait_interval"],
            )
        except _approvals.WaitError as exc:
            exc.details["changed"] = changed
            raise

    def _write_files(self, request: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
        wanted = [option for option in FILE_OPTIONS if self.params[option]]
        certificate = request.get("certificate")
        if not wanted or not certificate:
            return []
        chain = "".join(request["chain"])
        contents = {
            "certificate_path": certificate,
            "chain_path": chain,
            "fullchain_path": certificate + chain,
        }
        written = []
        for option in wanted:
            if option == "chain_path" and not chain:
                self.module.warn(f"The server sent no chain for this request, so {self.params[option]} was not written.")
                continue
            result = write_file(
                self.module,
                self.params[option],
                contents[option].encode("ascii"),
                backup=self.params["backup"],
                diff=self.module._diff,
            )
            written.append({"option": option, **result})
        return written

    def _not_found(self) -> dict[str, t.Any]:
        wanted = self._selection()
        if self.state == _approvals.CANCELLED:
            self.module.warn(f"No {self.store.type.label} request matches {wanted}, so there is nothing to cancel.")
            return {"changed": False, "result": "not_found", "request": None, "msg": f"No request matches {wanted}."}
        message = f"No pending, ready or completed {self.store.type.label} request matches {wanted}."
        cancelled = self._cancelled_matches()
        if cancelled:
            message += (
                f" The cancelled request {', '.join(cancelled)} has these names, and a cancelled request"
                " cannot be accepted: the requester must submit a new request."
            )
        else:
            message += " Check the selection, or ask the requester to submit the request first."
        raise HaricaError(message, result="not_found")

    def _cancelled_matches(self) -> list[str]:
        if self.names is None:
            return []
        wanted = set(self.names)
        return [r["transaction_id"] for r in self.store.list(_approvals.CANCELLED) if set(r["names"]) == wanted]

    def _selection(self) -> str:
        if self.params["transaction_id"] is not None:
            return f"transaction_id {self.params['transaction_id']!r}"
        return f"the names {self.names}"

    # Reporting

    def _report(
        self,
        before: t.Mapping[str, t.Any],
        after: dict[str, t.Any],
        plan: _approvals.Plan,
        changed: bool,
        files: list[dict[str, t.Any]],
    ) -> dict[str, t.Any]:
        result: dict[str, t.Any] = {
            "changed": changed,
            "result": plan.result,
            "request": after,
            "certificate": after.get("certificate"),
            "chain": "".join(after["chain"]) or None,
            "files": files,
            "msg": self._message(after, plan),
        }
        if self.module._diff:
            status_diff = {
                "before": {"transaction_id": before["transaction_id"], "status": before["status"]},
                "after": {"transaction_id": after["transaction_id"], "status": after["status"]},
            }
            result["diff"] = [status_diff] + [item.pop("diff") for item in files if "diff" in item]
        for item in files:
            item.pop("diff", None)
        return result

    def _message(self, request: t.Mapping[str, t.Any], plan: _approvals.Plan) -> str:
        what = self.store.describe(request["transaction_id"])
        verbs = {
            "accepted": "would be accepted" if self.module.check_mode else "was accepted",
            "already_accepted": "was already accepted",
            "held": "is accepted and held for HARICA's own review (high risk)",
            "cancelled": "would be cancelled" if self.module.check_mode else "was cancelled",
            "already_cancelled": "was already cancelled",
        }
        tense = "would then be" if self.module.check_mode and plan.action else "is"
        message = f"{what} {verbs[plan.result]}; its status {tense} {request['status']}."
        if self.state == _approvals.ACCEPTED and request["status"] == "completed" and not request.get("certificate"):
            message += " The server returned no certificate PEM to this API key, so no file was written."
        return message


def _predicted(request: t.Mapping[str, t.Any], plan: _approvals.Plan) -> dict[str, t.Any]:
    """Return the request as a real run would leave it right after the POST."""
    if plan.action == "cancel":
        return {**request, "status": _approvals.CANCELLED}
    # HARICA keeps an accepted high-risk request pending for its own review.
    status = "pending" if request["is_high_risk"] else "ready"
    return {**request, "status": status}


__all__ = ("FILE_OPTIONS", "RequestTask", "request_module_kwargs")
