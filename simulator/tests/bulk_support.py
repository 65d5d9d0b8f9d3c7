"""Helpers of the bulk issuance tests: CSV rows, CSRs and the multipart upload."""

from __future__ import annotations

import csv
import io
import zipfile

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HEADER = ["FriendlyName", "Email", "Email2", "Email3", "GivenName", "Surname", "PickupPassword", "CertType", "CSR"]
SMIME = "/cm/v1/bulk/create/smime"
CLIENTAUTH = "/cm/v1/bulk/create/clientauth"
PASSWORD = "pickup-secret-1"


def make_csr(key=None, common_name: str = "ignored") -> str:
    """Return a PEM CSR with CRLF line ends, as HARICA's example CSV carries them."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode().replace("\n", "\r\n")


def row(email="person@example.org", **cells) -> dict:
    """Return a CSV row as a dict of the header's columns; unset columns are empty."""
    values = {column: "" for column in HEADER}
    values.update({"FriendlyName": "Laptop", "Email": email, "CertType": "email_only", "PickupPassword": PASSWORD})
    values.update(cells)
    return values


def csv_text(rows: list[dict], *, header=HEADER, trailing_comma=True, line_end="\r\n", bom=False) -> str:
    """Write rows as HARICA's example does: CRLF line ends and a trailing comma on each line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    extra = [""] if trailing_comma else []
    writer.writerow(list(header) + extra)
    for values in rows:
        writer.writerow([values[column] for column in HEADER] + extra)
    return ("\ufeff" if bom else "") + buffer.getvalue()


def upload(client, path: str, content, *, value: str | None, value_field="Value", file_field="File", **kwargs):
    """POST a multipart form with `Value` and the CSV `File`, without following redirects."""
    data = {} if value is None else {value_field: value}
    body = content.encode("utf-8") if isinstance(content, str) else content
    files = {file_field: ("bulk.csv", body, "text/csv")}
    return client.session.post(
        client.url + path, data=data, files=files, allow_redirects=False, timeout=60, verify=client.verify, **kwargs
    )


def zip_members(response: requests.Response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
