"""The CSV of a bulk upload: decoding, header check and validation of every row.

Every row is checked before anything is issued, and all errors of all rows are
reported together, each with its row number (the header is row 1) and its column.
Error messages never contain a pickup password or a CSR.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from cryptography import x509

from .ca import load_csr
from .errors import ApiError
from .names import is_within_domains, to_ascii_email

HEADER = ["FriendlyName", "Email", "Email2", "Email3", "GivenName", "Surname", "PickupPassword", "CertType", "CSR"]
EMAIL_COLUMNS = ("Email", "Email2", "Email3")
CERT_TYPES = {
    "smime": ("email_only", "natural_legal_lcp"),
    "clientauth": ("CLIENT_AUTHENTICATION_IV", "CLIENT_AUTHENTICATION_OV"),
}
# Certificate types whose subject names a person, so GivenName and Surname are required.
NAME_CERT_TYPES = ("natural_legal_lcp", "CLIENT_AUTHENTICATION_IV")
MAX_FRIENDLY_NAME_LENGTH = 85
# NOTE: the minimum pickup password length is a guess, because HARICA publishes none.
MIN_PICKUP_PASSWORD_LENGTH = 8
# X.509 upper bound of a common name (ub-common-name, RFC 5280 appendix A.1).
MAX_COMMON_NAME_LENGTH = 64
INVALID_ROWS_MESSAGE = "The CSV contains invalid rows"


@dataclass
class BulkRow:
    """One valid data row, ready to issue."""

    # Position among the data rows, from 1: the prefix of the zip member's name.
    index: int
    friendly_name: str
    # The emails as given, and in ASCII form for the certificate, without duplicates.
    given_emails: list[str]
    emails: list[str]
    given_name: str
    surname: str
    cert_type: str
    pickup_password: str | None = None
    csr: x509.CertificateSigningRequest | None = None


@dataclass
class RowCheck:
    """The errors found in one row, as {"row", "field", "message"} objects."""

    row: int
    errors: list[dict] = field(default_factory=list)

    def add(self, column: str | None, message: str) -> None:
        self.errors.append({"row": self.row, "field": column, "message": message})


def decode_csv(raw: bytes) -> str:
    """Decode UTF-8 text, dropping a leading byte order mark. Raises ApiError when it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiError(f"The CSV is not valid UTF-8 (invalid byte at offset {error.start}).") from None


def read_records(text: str) -> list[list[str]]:
    """Split CSV text into records: CRLF or LF line ends, quoted fields may span lines."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise ApiError(f"The CSV cannot be parsed: {error}.") from None


def _without_trailing_empty(record: list[str]) -> list[str]:
    """Drop the one empty last column that HARICA's example rows end with (a trailing comma)."""
    if len(record) == len(HEADER) + 1 and record[-1] == "":
        return record[:-1]
    return record


def count_data_rows(raw: bytes) -> int | None:
    """Return the number of non-blank records after the header, or None when the CSV cannot be read."""
    try:
        records = read_records(decode_csv(raw))
    except ApiError:
        return None
    return max(0, sum(1 for record in records if record) - 1)


def check_header(records: list[list[str]]) -> None:
    if not records:
        raise ApiError("The CSV is empty: expected the header " + ",".join(HEADER) + ".")
    if _without_trailing_empty(records[0]) != HEADER:
        found = ",".join(records[0])
        raise ApiError(f"Invalid CSV header {found!r}: expected " + ",".join(HEADER) + ".")


def _check_emails(check: RowCheck, cells: dict, domains: list[str]) -> tuple[list[str], list[str]]:
    given, converted = [], []
    for column in EMAIL_COLUMNS:
        value = cells[column].strip()
        if not value:
            if column == "Email":
                check.add(column, "Missing Email: every row needs at least one email address.")
            continue
        try:
            ascii_email = to_ascii_email(value)
        except ApiError as error:
            check.add(column, error.message)
            continue
        if not is_within_domains(ascii_email.rpartition("@")[2], domains):
            listed = ", ".join(domains) or "none"
            check.add(column, f"The domain of {value} is not one of the enterprise's domains ({listed}).")
            continue
        if ascii_email.lower() not in (email.lower() for email in converted):
            given.append(value)
            converted.append(ascii_email)
    return given, converted


def _check_friendly_name(check: RowCheck, value: str) -> None:
    if len(value) > MAX_FRIENDLY_NAME_LENGTH:
        check.add("FriendlyName", f"FriendlyName is {len(value)} characters long, more than {MAX_FRIENDLY_NAME_LENGTH}.")
    if "(" in value or ")" in value:
        check.add("FriendlyName", "FriendlyName must not contain parentheses.")


def _check_key_source(check: RowCheck, cells: dict) -> x509.CertificateSigningRequest | None:
    """Check that exactly one of CSR and PickupPassword is given, and that it is valid."""
    csr_text, password = cells["CSR"].strip(), cells["PickupPassword"]
    if csr_text and password:
        check.add("CSR", "Give either CSR or PickupPassword, not both.")
        return None
    if not csr_text and not password:
        check.add("CSR", "Missing CSR or PickupPassword: give exactly one of them.")
        return None
    if password:
        if len(password) < MIN_PICKUP_PASSWORD_LENGTH:
            check.add("PickupPassword", f"The pickup password is shorter than {MIN_PICKUP_PASSWORD_LENGTH} characters.")
        return None
    try:
        return load_csr(csr_text)
    except ValueError as error:
        check.add("CSR", f"Invalid CSR: {error}.")
        return None


def _check_names(check: RowCheck, cells: dict, cert_type: str, emails: list[str]) -> None:
    """Check the subject names that the certificate type needs, and the common name's length."""
    if cert_type in NAME_CERT_TYPES:
        for column in ("GivenName", "Surname"):
            if not cells[column].strip():
                check.add(column, f"Missing {column}: {cert_type} certificates need GivenName and Surname.")
        common_name = f"{cells['GivenName'].strip()} {cells['Surname'].strip()}"
        if len(common_name) > MAX_COMMON_NAME_LENGTH:
            check.add("GivenName", f"GivenName and Surname make a common name longer than {MAX_COMMON_NAME_LENGTH} characters.")
    elif emails and len(emails[0]) > MAX_COMMON_NAME_LENGTH:
        check.add("Email", f"The email is the common name, which must be at most {MAX_COMMON_NAME_LENGTH} characters.")


def check_row(check: RowCheck, index: int, record: list[str], request_type: str, domains: list[str]) -> BulkRow | None:
    """Validate one data record. Returns the row, or None after adding its errors to `check`."""
    record = _without_trailing_empty(record)
    if len(record) != len(HEADER):
        check.add(None, f"Expected {len(HEADER)} columns (or {len(HEADER) + 1} with an empty last one), found {len(record)}.")
        return None
    cells = dict(zip(HEADER, record))
    friendly_name = cells["FriendlyName"].strip()
    _check_friendly_name(check, friendly_name)
    given_emails, emails = _check_emails(check, cells, domains)
    cert_type = cells["CertType"].strip()
    allowed = CERT_TYPES[request_type]
    if cert_type not in allowed:
        check.add("CertType", f"Invalid CertType {cert_type!r} for {request_type} bulk issuance: expected {' or '.join(allowed)}.")
    else:
        _check_names(check, cells, cert_type, emails)
    csr = _check_key_source(check, cells)
    if check.errors:
        return None
    return BulkRow(
        index=index,
        friendly_name=friendly_name or given_emails[0],
        given_emails=given_emails,
        emails=emails,
        given_name=cells["GivenName"].strip(),
        surname=cells["Surname"].strip(),
        cert_type=cert_type,
        pickup_password=cells["PickupPassword"] or None,
        csr=csr,
    )


def parse_rows(raw: bytes, request_type: str, domains: list[str]) -> list[BulkRow]:
    """Validate a whole CSV and return its rows.

    `domains` are the enterprise's domains in ASCII form. Raises ApiError with every
    row error in `errors` when any row is invalid.
    """
    records = read_records(decode_csv(raw))
    check_header(records)
    rows, errors = [], []
    position = 0
    for number, record in enumerate(records[1:], start=2):
        if not record:
            continue
        position += 1
        check = RowCheck(number)
        row = check_row(check, position, record, request_type, domains)
        if row is None:
            errors.extend(check.errors)
        else:
            rows.append(row)
    if errors:
        raise ApiError(INVALID_ROWS_MESSAGE, details={"errors": errors})
    if not rows:
        raise ApiError("The CSV contains no certificate rows after the header.")
    return rows
