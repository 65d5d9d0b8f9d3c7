"""An in-memory stand-in for the client that also serves enterprises and bulk uploads.

A bulk upload parses the CSV, issues real certificates with a test CA, records them as
the admin lists would show them, and answers with a zip, unless ``answer`` says
otherwise: ``"drop_after"`` (issue, then lose the answer), ``"empty"`` (issue, then
answer 200 with an empty body), ``"empty_unprocessed"``, ``"json_error"`` and
``"stray_member"`` (a zip whose member matches no row), ``"symlink"`` (the first member
is a link) and ``"rename:<name>"`` (the first member gets that name).
"""

from __future__ import annotations

import csv
import datetime
import io
import typing as t

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaConnectionError
from ansible_collections.harica.certmanager.tests.unit.utils.bulk_fixtures import (
    BulkCA,
    certificate_pem,
    make_zip,
)
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI

ENTERPRISES = [
    {"organizationId": "org-1", "organization": "Example University", "domain": "example.org",
     "validity": "2027-03-01T00:00:00"},
    {"organizationId": "org-1", "organization": "Example University", "domain": "example.com"},
    {"organizationId": "org-2", "organization": "Example Lab", "domain": "lab.example.net"},
]


class FakeResponse:
    def __init__(self, content: bytes, content_type: str, status: int = 200) -> None:
        self.content = content
        self.headers = {"Content-Type": content_type}
        self.status_code = status


class FakeBulkAPI(FakeCertificateAPI):
    def __init__(self) -> None:
        super().__init__()
        self.ca = BulkCA()
        self.answer: str | None = None
        self.uploads: list[dict[str, t.Any]] = []

    def get_json(self, path: str, *, action: str) -> t.Any:
        if path == "/cm/v1/admin/enterprises":
            self.calls.append(("GET", path, None))
            return [dict(row) for row in ENTERPRISES]
        return super().get_json(path, action=action)

    def post(self, path: str, *, action: str, data: dict, files: dict, accept: str | None = None) -> FakeResponse:
        csv_bytes = files["File"][1]
        self.calls.append(("POST", path, {"Value": data["Value"], "csv": csv_bytes}))
        rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"), newline="")))
        self.uploads.append({"path": path, "rows": rows})
        answer, self.answer = self.answer, None
        if answer == "json_error":
            return FakeResponse(b'{"message": "The CSV contains invalid rows"}', "application/json")
        if answer == "empty_unprocessed":
            return FakeResponse(b"", "application/zip")
        members = [self._issue(index, row, path.rsplit("/", 1)[1]) for index, row in enumerate(rows, start=1)]
        if answer == "drop_after":
            raise HaricaConnectionError("Failed to upload: the connection dropped.", method="POST", path=path,
                                        outcome_unknown=True)
        if answer == "empty":
            return FakeResponse(b"", "application/zip")
        if answer == "stray_member":
            members.append(("9.nobody.p7b", members[0][1]))
        if answer == "symlink":
            return FakeResponse(make_zip(members[1:], symlink=members[0][0]), "application/zip")
        if answer and answer.startswith("rename:"):
            members[0] = (answer[len("rename:"):], members[0][1])
        return FakeResponse(make_zip(members), "application/zip")

    def _issue(self, index: int, row: dict[str, str], certificate_type: str) -> tuple[str, bytes]:
        emails = [row[key].lower() for key in ("Email", "Email2", "Email3") if row[key]]
        if row["CSR"]:
            key = None
            public_key = x509.load_pem_x509_csr(row["CSR"].encode("ascii")).public_key()
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            public_key = key.public_key()
        certificate = self.ca.issue(emails, public_key, given_name=row["GivenName"] or None,
                                    surname=row["Surname"] or None)
        serial = format(certificate.serial_number, "X")
        self.certificates[serial] = {
            "serial": serial,
            "certificateType": "S/MIME" if certificate_type == "smime" else "Client Auth",
            "sANS": ", ".join(f"RFC822 Name={email}" for email in emails),
            "validFrom": "2026-01-01T00:00:00",
            "validTo": (datetime.datetime.now() + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S"),
            "isRevoked": False,
            "transactionId": f"tx-{serial}",
            "issuanceType": "Bulk",
            "userEmail": "admin@example.org",
            "certificate": certificate_pem(certificate),
            "pemBundle": certificate_pem(certificate) + self.ca.pem,
        }
        friendly = row["FriendlyName"]
        if key is None:
            return f"{index}.{friendly}.p7b", self.ca.p7b(certificate)
        return f"{index}.{friendly}.p12", self.ca.p12(certificate, key, row["PickupPassword"])
