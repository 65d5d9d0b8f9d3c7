"""An in-memory stand-in for the client, serving the admin certificate and revoke paths.

Certificates are raw records in HARICA's default shape. Revokes follow the rules the
simulator follows: the path must match how the certificate was issued, the reason code
must be known, and an already revoked certificate is answered by ``already_revoked``.
"""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaNotFoundError,
)
from ansible_collections.harica.certmanager.tests.unit.utils.fake_api import FakeApprovalAPI

ADMIN = "/cm/v1/admin"
KNOWN_CODES = {"4.9.1.1.1.1", "4.9.1.1.1.2", "4.9.1.1.1.3", "4.9.1.1.1.5", "4.9.1.1.2.9"}


def raw_certificate(serial: str, names: t.Sequence[str] = ("app.example.org",), *, issued: str = "Single",
                    valid_to: str = "2030-01-01T00:00:00", revoked: bool = False, **extra: t.Any) -> dict[str, t.Any]:
    record = {
        "serial": serial,
        "certificateType": "SSL OV",
        "commonName": names[0] if names else None,
        "sANS": ", ".join(f"DNS Name={name}" for name in names),
        "validFrom": "2026-01-01T00:00:00",
        "validTo": valid_to,
        "isRevoked": revoked,
        "transactionId": f"tx-{serial}",
        "issuanceType": issued,
        "userEmail": "dev@example.org",
    }
    record.update(extra)
    return {key: value for key, value in record.items() if value is not None}


class FakeCertificateAPI(FakeApprovalAPI):
    def __init__(self, *certificates: dict[str, t.Any], requests: t.Sequence[dict[str, t.Any]] = ()) -> None:
        super().__init__(*requests)
        self.certificates = {record["serial"]: record for record in certificates}
        self.already_revoked = "error"

    def get_json(self, path: str, *, action: str) -> t.Any:
        if not path.startswith(ADMIN):
            return super().get_json(path, action=action)
        self.calls.append(("GET", path, None))
        fault = self._fault("GET", path)
        if fault:
            raise fault.error
        tail = path[len(ADMIN) + len("/certificates"):]
        if tail.startswith("/serial/"):
            serial = tail[len("/serial/"):]
            matches = [dict(r) for s, r in self.certificates.items() if s.lower() == serial.lower()]
            if not matches:
                raise HaricaNotFoundError("not found", method="GET", path=path, status=404)
            return matches[0]
        if tail.startswith("/list/"):
            status = tail[len("/list/"):]
            return [dict(r) for r in self.certificates.values() if self._status(r) == status]
        return [dict(r) for r in self.certificates.values()]

    def post_json(self, path: str, *, action: str, json_body: t.Any) -> t.Any:
        if path.startswith(ADMIN + "/revoke/"):
            return self._admin_revoke(path, json_body)
        if path.startswith("/cm/v1/enterprise/revoke/"):
            return self._approver_revoke(path, json_body)
        return super().post_json(path, action=action, json_body=json_body)

    def _admin_revoke(self, path: str, body: dict[str, t.Any]) -> None:
        self.calls.append(("POST", path, body))
        fault = self._fault("POST", path)
        if fault and not fault.apply_first:
            raise fault.error
        record = next(r for r in self.certificates.values() if r.get("transactionId") == body["transactionId"])
        issued = record.get("issuanceType") or "Single"
        if path.rsplit("/", 1)[1] != issued.lower():
            raise self._rejected(path, f"The certificate was issued through {issued}")
        self._apply_revoke(path, record, body)
        if fault:
            raise fault.error

    def _approver_revoke(self, path: str, body: dict[str, t.Any]) -> None:
        self.calls.append(("POST", path, body))
        fault = self._fault("POST", path)
        if fault and not fault.apply_first:
            raise fault.error
        self._apply_revoke(path, self.requests[body["transactionId"]], body)
        if fault:
            raise fault.error

    def _apply_revoke(self, path: str, record: dict[str, t.Any], body: dict[str, t.Any]) -> None:
        if body["value"] not in KNOWN_CODES:
            raise self._rejected(path, f"Invalid revocation reason: {body['value']}")
        if record.get("isRevoked"):
            if self.already_revoked == "error":
                raise self._rejected(path, "The certificate is already revoked")
            return
        record["isRevoked"] = True
        record["revocationCode"] = body["value"]

    @staticmethod
    def _rejected(path: str, message: str) -> HaricaAPIError:
        return HaricaAPIError(f"Failed: {message}.", method="POST", path=path, status=400, server_message=message)

    @staticmethod
    def _status(record: dict[str, t.Any]) -> str:
        if record.get("isRevoked"):
            return "revoked"
        return "expired" if record["validTo"] < "2026-12-01" else "valid"
