# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Rows of a bulk issuance: validation, friendly names and the uploaded CSV.

Rows come from the module's ``entries`` or from a CSV in HARICA's format, which
``_bulk_csv`` reads. Every row is checked before anything is sent, and every problem of
every row is reported at once.
"""

from __future__ import annotations

import csv
import io
import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_text import count, one_line
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import HAS_CRYPTOGRAPHY
from ansible_collections.harica.certmanager.plugins.module_utils._values import normalize_dns_name

if HAS_CRYPTOGRAPHY:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

# requests, which the collection requires, depends on idna.
try:
    import idna
except ImportError:  # pragma: no cover
    HAS_IDNA = False
else:
    HAS_IDNA = True

# HARICA's bulk CSV header, in this order (the same in five public clients).
CSV_HEADER = ("FriendlyName", "Email", "Email2", "Email3", "GivenName", "Surname", "PickupPassword", "CertType", "CSR")

# CSV columns to entry keys.
CSV_COLUMNS = {
    "friendlyname": "friendly_name",
    "email": "email",
    "email2": "email2",
    "email3": "email3",
    "givenname": "given_name",
    "surname": "surname",
    "pickuppassword": "pickup_password",
    "certtype": "profile",
    "csr": "csr",
}

# Entry keys to CSV columns, to name fields as a CSV user knows them.
CSV_NAMES = {key: column for column, key in zip(CSV_HEADER, (
    "friendly_name", "email", "email2", "email3", "given_name", "surname", "pickup_password", "profile", "csr"))}

# Entry keys in the order of the CSV columns.
CSV_KEYS = tuple(CSV_NAMES)

ENTRY_KEYS = ("email", "email2", "email3", "given_name", "surname", "friendly_name", "profile", "csr", "csr_path",
              "pickup_password")


class Profile(t.NamedTuple):
    """A certificate profile of a bulk upload: HARICA's CertType and its rules."""

    cert_type: str
    needs_names: bool


# The profiles by certificate type. S/MIME's are documented by public clients; the client
# authentication ones are guesses from the type names of single client-auth requests.
PROFILES: dict[str, dict[str, Profile]] = {
    "smime": {
        "email_only": Profile("email_only", False),
        "natural_legal_lcp": Profile("natural_legal_lcp", True),
    },
    "clientauth": {
        "client_authentication_iv": Profile("CLIENT_AUTHENTICATION_IV", True),
        "client_authentication_ov": Profile("CLIENT_AUTHENTICATION_OV", False),
    },
}
DEFAULT_PROFILES = {"smime": "email_only", "clientauth": "client_authentication_iv"}

FRIENDLY_NAME_MAX = 85
# NOTE: HARICA publishes no minimum length of a pickup password, so 8 is a guess, the
# simulator's floor. The password is all that protects the private key in the PKCS#12
# file, so a shorter one is rejected before upload.
PICKUP_PASSWORD_MIN = 8
# An address as RFC 5321 (section 4.1.2) writes it without quotes: a local part of atoms
# joined by single dots, and a domain of labels that neither start nor end with a hyphen.
# Characters above ASCII are accepted in both, as RFC 6531 allows. The module also
# requires two labels or more, because a certificate names a public domain.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010FFFF]+"
_LABEL = r"[A-Za-z0-9\u0080-\U0010FFFF](?:[A-Za-z0-9\-\u0080-\U0010FFFF]*[A-Za-z0-9\u0080-\U0010FFFF])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
_SEVERAL = re.compile(r"[,;\s]")
# Characters replaced by "-" in a friendly name, because HARICA names zip members after it:
# path separators, characters that file systems reject, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?<>|]')
# The first line of a PEM block, and the labels of a CSR's block (OpenSSL still reads the older "NEW" one).
_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
_CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
_CSR_FIX = "Give the whole PEM text that openssl req -new writes, with its BEGIN and END lines"
# Characters replaced by "_" in the file names made from an email address.
_UNSAFE_IN_FILE_NAME = re.compile(r"[^a-z0-9._@+-]")


class Row:
    """One person or device of a bulk issuance, after reading and normalising."""

    def __init__(self, number: int, values: t.Mapping[str, t.Any], *, from_csv: bool = False) -> None:
        self.number = number
        self.from_csv = from_csv
        self.values = {key: _text(values.get(key)) for key in ENTRY_KEYS}
        self.emails = [value.lower() for value in (self.get("email"), self.get("email2"), self.get("email3")) if value]
        self.csr_pem: str | None = None
        self.public_key: bytes | None = None
        self.profile: str = ""
        self.friendly_name: str = ""

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def name(self, key: str) -> str:
        """Return a field's name as the user wrote it: a CSV column, or an entry key."""
        return CSV_NAMES.get(key, key) if self.from_csv else key

    def field_position(self, key: str) -> int:
        """Return a field's position among the CSV columns, or among the entry keys."""
        order = CSV_KEYS if self.from_csv else ENTRY_KEYS
        return order.index(key) if key in order else len(order)

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def pickup_password(self) -> str | None:
        return self.get("pickup_password")

    @property
    def uses_csr(self) -> bool:
        return self.csr_pem is not None


def safe_email(email: str) -> str:
    """Return an email address as a file name: lower case, unsafe characters replaced.

    The name has no path separator and no leading dot, so it is always one entry of the
    directory it is joined to, never ``.``, ``..`` or a path outside it.
    """
    return _UNSAFE_IN_FILE_NAME.sub("_", email.lower()).lstrip(".") or "row"


def _text(value: t.Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# Reading


def rows_from_entries(entries: t.Sequence[t.Mapping[str, t.Any]]) -> list[Row]:
    return [Row(index + 1, entry) for index, entry in enumerate(entries)]


# Validation


class RowProblems:
    """The problems found in the rows, reported all at once in the order of rows and fields."""

    def __init__(self) -> None:
        self.found: list[tuple[tuple[int, int], dict[str, t.Any]]] = []

    def add(self, row: Row, field: str, message: str) -> None:
        position = (row.number, row.field_position(field))
        item = {"row": row.number, "field": row.name(field), "message": one_line(message)}
        self.found.append((position, item))

    def raise_if_any(self) -> None:
        """Raise HaricaInputError with a line that counts the problems, then one line per problem.

        No problem contains a line break, so the lines after the first are the problems.
        Problems themselves may contain semicolons, commas and colons.
        """
        if not self.found:
            return
        # A stable sort keeps the order in which the checks found two problems of one field.
        items = [item for _position, item in sorted(self.found, key=lambda pair: pair[0])]
        listed = "\n".join(f"row {item['row']}, {item['field']}: {item['message']}" for item in items)
        raise HaricaInputError(
            f"{count(len(items), 'problem')} in the rows, so nothing was uploaded:\n{listed}", invalid_rows=items
        )


def validate_rows(
    rows: t.Sequence[Row],
    certificate_type: str,
    default_profile: str | None,
    domains: t.Collection[str] | None = None,
) -> None:
    """Check every row and fill in its profile, CSR and public key; raise listing all problems.

    ``domains`` are the enterprise's domains in ASCII form. Every address of a row must be
    in one of them or in a subdomain of one. None skips that check.
    """
    # NOTE: the simulator also rejects a common name longer than 64 characters, the limit
    # of RFC 5280, made of GivenName and Surname or of the email. It is not checked here,
    # because how HARICA builds the common name of a bulk row is not known.
    problems = RowProblems()
    if not rows:
        raise HaricaInputError("No rows to issue: give entries or a csv_path with at least one row.")
    for row in rows:
        _check_emails(row, domains, problems)
        _check_profile(row, certificate_type, default_profile, problems)
        _check_key_source(row, problems)
        _check_friendly_name(row, problems)
    _check_duplicates(rows, certificate_type, problems)
    problems.raise_if_any()


def _check_emails(row: Row, domains: t.Collection[str] | None, problems: RowProblems) -> None:
    if not row.get("email"):
        problems.add(row, "email", "missing; every row needs an email address")
    for field in ("email", "email2", "email3"):
        value = row.get(field)
        if value is None:
            continue
        if _SEVERAL.search(value):
            problems.add(row, field, f"{value!r} holds several addresses; a row has at most three, one per"
                                     " email, email2 and email3")
        elif not _EMAIL.fullmatch(value):
            problems.add(row, field, f"{value!r} is not an email address")
        elif domains is not None and not within_domains(value, domains):
            problems.add(row, field, f"{value!r} is not in a domain of the enterprise ({', '.join(domains)}) or in"
                                     " a subdomain of one, so HARICA would reject it")
    if len(set(row.emails)) != len(row.emails):
        problems.add(row, "email2", "repeats an address of the same row")


def within_domains(email: str, domains: t.Collection[str]) -> bool:
    """Tell whether the domain of an address is one of ``domains`` (ASCII form) or below one."""
    names = _ascii_forms(email.rpartition("@")[2])
    return any(name == domain or name.endswith("." + domain) for name in names for domain in domains)


def _ascii_forms(domain: str) -> set[str]:
    """Return the ASCII forms of a domain under IDNA 2003 and, with the idna package, IDNA 2008.

    The two differ for a few characters, such as the Greek final sigma. Which one HARICA's
    records use is unknown, so an address passes when either form is in a domain.
    """
    forms = {normalize_dns_name(domain)}
    if HAS_IDNA and not domain.isascii():
        try:
            forms.add(idna.encode(domain.rstrip("."), uts46=True).decode("ascii"))
        except idna.IDNAError:
            pass
    return forms


def _check_profile(row: Row, certificate_type: str, default: str | None, problems: RowProblems) -> None:
    allowed = PROFILES[certificate_type]
    name = (row.get("profile") or default or DEFAULT_PROFILES[certificate_type]).lower()
    if name not in allowed:
        problems.add(row, "profile", f"{name!r} is not a {certificate_type} profile; use one of {', '.join(allowed)}")
        return
    row.profile = name
    if allowed[name].needs_names:
        for field in ("given_name", "surname"):
            if not row.get(field):
                problems.add(row, field, f"missing; the profile {name} needs {row.name('given_name')} and"
                                         f" {row.name('surname')}")


def _check_key_source(row: Row, problems: RowProblems) -> None:
    given = [field for field in ("csr", "csr_path", "pickup_password") if row.get(field)]
    if len(given) != 1:
        which = ", ".join(row.name(field) for field in given) if given else "none"
        choices = "CSR and PickupPassword" if row.from_csv else "csr, csr_path and pickup_password"
        problems.add(row, "csr", f"give exactly one of {choices} (given: {which})")
        return
    if given[0] == "pickup_password":
        if len(row.get("pickup_password") or "") < PICKUP_PASSWORD_MIN:
            # Ansible replaces every occurrence of a no_log value in the output with stars, even
            # inside other words. For the password "short", "is shorter" would read "is ********er".
            # So the text is one word and the minimum, and few passwords occur in it.
            problems.add(row, "pickup_password", f"length < {PICKUP_PASSWORD_MIN}")
        return
    text = row.get("csr") if given[0] == "csr" else _read_csr_file(row, problems)
    if text is None:
        return
    request = _load_csr(text)
    if isinstance(request, str):
        problems.add(row, given[0], f"{request}. {_CSR_FIX}")
        return
    if not request.is_signature_valid:
        problems.add(row, given[0], "the CSR's signature is invalid")
        return
    row.csr_pem = text.strip()
    row.public_key = request.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_csr(text: str) -> x509.CertificateSigningRequest | str:
    """Load the CSR of PEM text, or return why the text is not one, in words a user understands.

    The cryptography library's errors name its parser's internals, so the reason is found
    from the PEM lines instead.
    """
    try:
        return x509.load_pem_x509_csr(text.encode("ascii"))
    except UnicodeEncodeError:
        return "contains characters that are not ASCII, so it is not a PEM certificate signing request"
    except ValueError:
        pass
    labels = _PEM_BEGIN.findall(text)
    csr_labels = [label for label in labels if label in _CSR_LABELS]
    if not labels:
        return "is not a PEM certificate signing request, because it has no -----BEGIN CERTIFICATE REQUEST----- line"
    if not csr_labels:
        return f"is a PEM {labels[0]}, not a PEM certificate signing request"
    if f"-----END {csr_labels[0]}-----" not in text:
        return f"has no -----END {csr_labels[0]}----- line, so the PEM certificate signing request is cut off"
    return "the PEM certificate signing request does not decode, because its content is damaged or incomplete"


def _read_csr_file(row: Row, problems: RowProblems) -> str | None:
    path = row.get("csr_path") or ""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        problems.add(row, "csr_path", f"cannot read {path}: {exc.strerror or exc}")
        return None
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        problems.add(row, "csr_path", _binary_csr_problem(path, data))
        return None


def _binary_csr_problem(path: str, data: bytes) -> str:
    try:
        x509.load_der_x509_csr(data)
    except ValueError:
        return f"{path} is not a PEM certificate signing request, because it contains bytes that are not ASCII text"
    return (f"{path} is a DER certificate signing request, not PEM, so convert it with"
            f" openssl req -inform DER -in {path} -out {path}.pem and give that file")


def _check_friendly_name(row: Row, problems: RowProblems) -> None:
    name = row.get("friendly_name")
    if name is None:
        return
    if len(name) > FRIENDLY_NAME_MAX:
        problems.add(row, "friendly_name", f"has {len(name)} characters; HARICA allows at most {FRIENDLY_NAME_MAX}")
    if "(" in name or ")" in name:
        problems.add(row, "friendly_name", "contains a parenthesis, which HARICA rejects")


def _check_duplicates(rows: t.Sequence[Row], certificate_type: str, problems: RowProblems) -> None:
    first_row: dict[str, int] = {}
    first_file: dict[str, int] = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_row:
            problems.add(row, "email", f"{row.email} is also in row {first_row[row.email]}; a person gets one"
                                       f" {certificate_type} certificate per upload")
            continue
        first_row[row.email] = row.number
        # Different addresses can give the same file name, and a row must not overwrite another's key.
        stem = safe_email(row.email)
        if stem in first_file:
            problems.add(row, "email", f"{row.email} gets the same file names in dest as row {first_file[stem]}"
                                       f" ({stem}.{certificate_type}.*); give one of the rows another address")
        else:
            first_file[stem] = row.number


def server_row_errors(document: t.Any, batch: t.Sequence[Row]) -> dict[int, list[str]]:
    """Map the row errors of HARICA's answer to a rejected upload onto the module's rows.

    The simulator answers ``{"errors": [{"row": 2, "field": "Email", "message": ...}]}``,
    counting the uploaded CSV's header as row 1, so uploaded row ``n`` is the batch's row
    ``n - 2``. The real format is not documented; an answer without such a list maps to
    nothing, and the server's message stays the report. Each row gets its errors in
    HARICA's order, with line breaks escaped.
    """
    errors = document.get("errors", document.get("Errors")) if isinstance(document, dict) else None
    found: dict[int, list[str]] = {}
    for item in errors if isinstance(errors, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("row"), int):
            continue
        position = item["row"] - 2
        if 0 <= position < len(batch):
            text = f"{item.get('field')}: {item.get('message')}" if item.get("field") else str(item.get("message"))
            found.setdefault(batch[position].number, []).append(one_line(text))
    return found


# Friendly names and the CSV


def assign_friendly_names(rows: t.Sequence[Row]) -> None:
    """Give every row a unique, safe friendly name, derived from the email when not given.

    The zip HARICA returns names its members after the friendly names, so unique names let
    each member be matched to its row.
    """
    taken: set[str] = set()
    for row in rows:
        base = _UNSAFE.sub("-", row.get("friendly_name") or row.email)[:FRIENDLY_NAME_MAX].strip() or "row"
        name, counter = base, 1
        while name.lower() in taken:
            counter += 1
            suffix = f" {counter}"
            name = base[: FRIENDLY_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        row.friendly_name = name


def build_csv(rows: t.Sequence[Row], certificate_type: str) -> bytes:
    """Return the CSV to upload: UTF-8 without BOM, CRLF, and a trailing comma on each row.

    HARICA's example CSV ends every row with a comma; one client reports that the parser
    needs it, so it is always sent. A CSR keeps its PEM lines, joined with CRLF.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([*CSV_HEADER, ""])
    for row in rows:
        csr = "\r\n".join(row.csr_pem.splitlines()) if row.csr_pem else ""
        writer.writerow(
            [
                row.friendly_name,
                *(row.emails + ["", "", ""])[:3],
                row.get("given_name") or "",
                row.get("surname") or "",
                "" if row.uses_csr else (row.pickup_password or ""),
                PROFILES[certificate_type][row.profile].cert_type,
                csr,
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


__all__ = (
    "CSV_HEADER",
    "DEFAULT_PROFILES",
    "ENTRY_KEYS",
    "FRIENDLY_NAME_MAX",
    "PICKUP_PASSWORD_MIN",
    "PROFILES",
    "Profile",
    "Row",
    "assign_friendly_names",
    "build_csv",
    "rows_from_entries",
    "safe_email",
    "server_row_errors",
    "validate_rows",
    "within_domains",
)
