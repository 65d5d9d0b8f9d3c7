"""An in-memory stand-in for the client, serving the approver request paths.

It records every call, and a test can make the next call to a path raise an error,
optionally after applying the change (like a connection dropped after the server acted).
"""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaNotFoundError
from ansible_collections.harica.certmanager.plugins.module_utils._records import extract_list

PREFIX = "/cm/v1/enterprise"


def raw_request(transaction_id: str, status: str = "Pending", names: t.Sequence[str] = ("app.example.org",),
                **extra: t.Any) -> dict[str, t.Any]:
    record = {
        "transactionId": transaction_id,
        "transactionStatus": status,
        "domains": [{"fqdn": name, "includesWWW": False} for name in names],
        "userEmail": "dev@example.org",
        "requestedAt": "2026-06-30T08:00:00",
        "isHighRisk": False,
    }
    record.update(extra)
    return record


class Fault(t.NamedTuple):
    error: Exception
    apply_first: bool


class FakeApprovalAPI:
    def __init__(self, *requests: dict[str, t.Any], certificate: dict[str, t.Any] | None = None) -> None:
        self.requests = {request["transactionId"]: request for request in requests}
        self.calls: list[tuple[str, str, t.Any]] = []
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        # Fields a completed request gains, such as certificate and pemBundle.
        self.certificate = certificate or {}
        self.complete_on_accept = True
        self.hold_high_risk = True

    @property
    def posts(self) -> list[tuple[str, str, t.Any]]:
        return [call for call in self.calls if call[0] == "POST"]

    def fail_next(self, method: str, path: str, error: Exception, *, apply_first: bool = False) -> None:
        self.faults.setdefault((method, path), []).append(Fault(error, apply_first))

    def get_json(self, path: str, *, action: str) -> t.Any:
        self.calls.append(("GET", path, None))
        fault = self._fault("GET", path)
        if fault:
            raise fault.error
        parts = path[len(PREFIX):].strip("/").split("/")
        if parts[2] == "id":
            if parts[3] not in self.requests:
                raise HaricaNotFoundError("not found", method="GET", path=path, status=404)
            return dict(self.requests[parts[3]])
        wanted = {"cancelled": ("cancelled", "canceled")}.get(parts[3], (parts[3],))
        return [dict(r) for r in self.requests.values() if r["transactionStatus"].lower() in wanted]

    def iter_list(self, path: str, *, action: str, wrapper_keys: t.Collection[str]) -> t.Iterator[t.Any]:
        return iter(extract_list(self.get_json(path, action=action), path=path))

    def post_json(self, path: str, *, action: str, json_body: t.Any) -> t.Any:
        self.calls.append(("POST", path, json_body))
        fault = self._fault("POST", path)
        if fault and not fault.apply_first:
            raise fault.error
        body = {key.lower(): value for key, value in json_body.items()}
        request = self.requests[body["transactionid"]]
        if path.endswith(("/accept/ssl", "/accept/smime", "/accept/clientauth")):
            self._accept(request)
        else:
            request["transactionStatus"] = "Cancelled"
        if fault:
            raise fault.error
        return None

    def _accept(self, request: dict[str, t.Any]) -> None:
        request["reviewedAt"] = "2026-07-01T00:00:00"
        request["reviewedBy"] = "approver@example.org"
        if request.get("isHighRisk") and self.hold_high_risk:
            return
        if self.complete_on_accept:
            request["transactionStatus"] = "Completed"
            request.update(self.certificate)
        else:
            request["transactionStatus"] = "Ready"

    def _fault(self, method: str, path: str) -> Fault | None:
        queued = self.faults.get((method, path))
        return queued.pop(0) if queued else None

    def close(self) -> None:
        pass
