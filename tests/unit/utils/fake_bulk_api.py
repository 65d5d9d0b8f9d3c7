"""An in-memory stand-in for the client that also serves enterprises and bulk uploads.

A bulk upload parses the CSV, issues real certificates with a test CA, records them as
the admin lists would show them, and returns a zip, unless ``answer`` selects another
response: ``"drop_after"`` (issue, then lose the response), ``"empty"`` (issue, then
return 200 with an empty body), ``"empty_unprocessed"``, ``"json_error"``,
``"empty_zip"`` (issue, then return a zip without members), ``"stray_member"`` (a zip
whose member matches no row), ``"symlink"`` (the first member is a link),
``"rename:<name>"`` (the first member gets that name), ``"status:<code>"`` (a JSON error
with that status, nothing issued), ``"issued_status:<code>"`` (issue, then that status),
``"redirect:<code>"`` (a redirect to the login page) and ``"row_errors"`` (400 with a
row error for the first row; ``"row_errors:4,5"`` names those rows of the uploaded CSV,
whose header is row 1). A callable answer gets the zip members as (name, bytes)
pairs after issuing and returns the zip body.

``answer`` applies to the next upload only. ``answers`` lists the answers of the next
uploads in order, None standing for a normal zip.

Responses other than 200 go through the client's own response checks, so the module
gets the exceptions, messages and ``outcome_unknown`` flags that the real client raises.
"""

from __future__ import annotations

import csv
import datetime
import http
import io
import json
import typing as t

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaConnectionError
from ansible_collections.harica.certmanager.plugins.module_utils._responses import Redactor, ResponseChecker
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
        self.answer: str | t.Callable[[list[tuple[str, bytes]]], bytes] | None = None
        self.answers: list[t.Any] = []
        self.uploads: list[dict[str, t.Any]] = []
        self.enterprises = [dict(row) for row in ENTERPRISES]

    def get_json(self, path: str, *, action: str) -> t.Any:
        if path == "/cm/v1/admin/enterprises":
            self.calls.append(("GET", path, None))
            return [dict(row) for row in self.enterprises]
        return super().get_json(path, action=action)

    def post(self, path: str, *, action: str, data: dict, files: dict, accept: str | None = None) -> FakeResponse:
        csv_bytes = files["File"][1]
        self.calls.append(("POST", path, {"Value": data["Value"], "csv": csv_bytes}))
        rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"), newline="")))
        self.uploads.append({"path": path, "rows": rows})
        answer = self.answers.pop(0) if self.answers else self.answer
        self.answer = None
        kind, _colon, argument = answer.partition(":") if isinstance(answer, str) else ("", "", "")
        if answer == "json_error":
            return FakeResponse(b'{"message": "The CSV contains invalid rows"}', "application/json")
        if answer == "empty_unprocessed":
            return FakeResponse(b"", "application/zip")
        if kind in ("status", "redirect", "row_errors"):
            return self._checked(path, action, kind, argument)
        members = [self.issue(index, row, path.rsplit("/", 1)[1]) for index, row in enumerate(rows, start=1)]
        if answer == "drop_after":
            raise HaricaConnectionError("Failed to upload: the connection dropped.", method="POST", path=path,
                                        outcome_unknown=True)
        if kind == "issued_status":
            return self._checked(path, action, "status", argument)
        if callable(answer):
            return FakeResponse(answer(members), "application/zip")
        return FakeResponse(self._zip(answer, members), "application/zip")

    @staticmethod
    def _zip(answer: str | None, members: list[tuple[str, bytes]]) -> bytes:
        if answer == "empty":
            return b""
        if answer == "empty_zip":
            return make_zip([])
        if answer == "stray_member":
            members.append(("9.nobody.p7b", members[0][1]))
        if answer == "symlink":
            return make_zip(members[1:], symlink=members[0][0])
        if answer and answer.startswith("rename:"):
            members[0] = (answer[len("rename:"):], members[0][1])
        return make_zip(members)

    @staticmethod
    def _checked(path: str, action: str, kind: str, argument: str) -> t.NoReturn:
        """Raise what the client's checks raise for a response with a status other than 200."""
        response = requests.Response()
        if kind == "redirect":
            response.status_code = int(argument)
            response.headers["Location"] = "/login?ReturnUrl=%2Fcm%2Fv1%2Fbulk"
            response._content = b""
        else:
            response.status_code = 400 if kind == "row_errors" else int(argument)
            document: dict[str, t.Any] = {"message": f"Injected HTTP {response.status_code} error"}
            if kind == "row_errors":
                rows = [int(number) for number in argument.split(",")] if argument else [2]
                document = {"message": "The CSV contains invalid rows",
                            "errors": [{"row": row, "field": "Email", "message": "not in the enterprise's domains"}
                                       for row in rows]}
            response.headers["Content-Type"] = "application/json"
            response._content = json.dumps(document).encode()
        response.reason = http.HTTPStatus(response.status_code).phrase
        checker = ResponseChecker(response, method="POST", path=path, action=action, redactor=Redactor("bulk-key"))
        checker.checked()
        raise AssertionError(f"the client let HTTP {response.status_code} through")

    def issue(self, index: int, row: dict[str, str], certificate_type: str) -> tuple[str, bytes]:
        """Issue the certificate of an uploaded CSV row, record it, and return its zip member."""
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
