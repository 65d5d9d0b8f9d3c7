"""Tests of bulk rows: CSV reading, validation, friendly names, and the uploaded bytes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from ansible.module_utils.common.parameters import remove_values
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_csv import rows_from_csv
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_delivery import Deliverer
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import (
    CSV_HEADER,
    ENTRY_KEYS,
    Row,
    assign_friendly_names,
    build_csv,
    rows_from_entries,
    safe_email,
    validate_rows,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.plugins.module_utils._values import normalize_dns_name

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "bulk")
DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "docsite", "rst")
CSR = open(os.path.join(FIXTURES, "maria.csr"), encoding="ascii").read()

ENTRIES = [
    {"email": "Maria.Papadopoulou@example.org", "given_name": "Μαρία", "surname": "Παπαδοπούλου",
     "profile": "natural_legal_lcp", "csr": CSR},
    {"email": "nikos@example.org", "email2": "n.k@example.org", "pickup_password": "Secret-Pickup-1",
     "friendly_name": 'Nikos "Nick", Lab'},
    {"email": "giorgos@example.org", "given_name": "Γιώργος", "surname": "Παπαδόπουλος",
     "profile": "natural_legal_lcp", "pickup_password": "Secret-Pickup-2"},
]


def spreadsheet_csv(tmp_path):
    """Write the spreadsheet fixture as a spreadsheet program saves CSV UTF-8: BOM and CRLF.

    The repository keeps text files with LF line endings, so the CRLF bytes are made here.
    """
    with open(os.path.join(FIXTURES, "spreadsheet.csv"), "rb") as handle:
        data = handle.read()
    path = tmp_path / "spreadsheet.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    return str(path)


def golden(name):
    """Return a golden file's bytes with CRLF line endings, as the upload has them."""
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read().replace(b"\n", b"\r\n")


def prepared(rows, certificate_type="smime", profile=None):
    validate_rows(rows, certificate_type, profile)
    assign_friendly_names(rows)
    return rows


def problems(entries, certificate_type="smime", domains=None):
    with pytest.raises(HaricaInputError) as info:
        validate_rows(rows_from_entries(entries), certificate_type, None, domains)
    return info.value.details["invalid_rows"], info.value.message


# The uploaded CSV


def test_build_csv_matches_golden_file():
    data = build_csv(prepared(rows_from_entries(ENTRIES)), "smime")
    assert data == golden("upload.csv")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_spreadsheet_csv_gives_same_bytes(tmp_path):
    from_csv = build_csv(prepared(rows_from_csv(spreadsheet_csv(tmp_path))), "smime")
    from_entries = build_csv(prepared(rows_from_entries(ENTRIES)), "smime")
    assert from_csv == from_entries


# Builds the CSV from entries given as JSON and from a CSV file, in a process whose
# locale is not UTF-8, and prints the bytes as hex with the locale's encoding.
LOCALE_SCRIPT = """
import json, locale, sys
from ansible_collections.harica.certmanager.plugins.module_utils import _bulk_rows as rows_
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_csv import rows_from_csv

def upload(rows):
    rows_.validate_rows(rows, "smime", None)
    rows_.assign_friendly_names(rows)
    return rows_.build_csv(rows, "smime").hex()

print(json.dumps({"encoding": locale.getpreferredencoding(False),
                  "entries": upload(rows_.rows_from_entries(json.loads(sys.argv[1]))),
                  "csv": upload(rows_from_csv(sys.argv[2]))}))
"""


def test_csv_is_utf8_whatever_locale(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))}
    # Without the last two, Python 3.7 and later switch a C locale to UTF-8 by themselves.
    environment.update({"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
                        "PYTHONPATH": os.pathsep.join(sys.path)})
    completed = subprocess.run([sys.executable, "-c", LOCALE_SCRIPT, json.dumps(ENTRIES), spreadsheet_csv(tmp_path)],
                               capture_output=True, env=environment, check=False)
    assert completed.returncode == 0, completed.stderr.decode("utf-8", errors="replace")
    built = json.loads(completed.stdout)
    assert "utf" not in built["encoding"].lower().replace("-", "")
    assert bytes.fromhex(built["entries"]) == golden("upload.csv")
    assert bytes.fromhex(built["csv"]) == golden("upload.csv")


def test_csv_layout():
    lines = build_csv(prepared(rows_from_entries(ENTRIES[1:2])), "smime").split(b"\r\n")
    assert lines[0] == b"FriendlyName,Email,Email2,Email3,GivenName,Surname,PickupPassword,CertType,CSR,"
    assert lines[1] == b'"Nikos ""Nick"", Lab",nikos@example.org,n.k@example.org,,,,Secret-Pickup-1,email_only,,'
    assert lines[2] == b""


def test_client_auth_cert_type():
    rows = prepared(rows_from_entries([{"email": "dev@example.org", "pickup_password": "Secret-Pickup-3",
                                        "profile": "client_authentication_ov"}]), "clientauth")
    assert b",CLIENT_AUTHENTICATION_OV," in build_csv(rows, "clientauth")


# Reading a CSV


def test_csv_row_numbers_and_values(tmp_path):
    rows = rows_from_csv(spreadsheet_csv(tmp_path))
    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[0].get("given_name") == "Μαρία"
    assert rows[1].get("friendly_name") == 'Nikos "Nick", Lab'
    assert rows[0].get("csr").startswith("-----BEGIN CERTIFICATE REQUEST-----")


def test_csv_unknown_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Email,Email4\r\na@example.org,b@example.org\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError, match="unknown column 'Email4'"):
        rows_from_csv(str(path))


@pytest.mark.parametrize("separator, name", [(";", "semicolons (';')"), ("\t", "tabs ('\\t')")],
                         ids=["semicolon", "tab"])
def test_csv_other_separator_named(tmp_path, separator, name):
    path = tmp_path / "excel.csv"
    header = separator.join(CSV_HEADER) + separator
    row = separator.join(["", "a@example.org", "", "", "", "", "Secret-Pickup-1", "email_only", ""]) + separator
    path.write_bytes(b"\xef\xbb\xbf" + f"{header}\r\n{row}\r\n".encode("utf-8"))
    with pytest.raises(HaricaInputError) as info:
        rows_from_csv(str(path))
    message = info.value.message
    assert message.startswith(f"csv_path {path} separates its columns with {name}, but HARICA's bulk format")
    assert 'The file must be saved as "CSV UTF-8 (Comma delimited)"' in message
    assert "unknown column" not in message


def test_csv_semicolon_fix_is_list_separator(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(";".join(CSV_HEADER) + "\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError) as info:
        rows_from_csv(str(path))
    assert info.value.message.endswith("If Excel still writes semicolons, set the list separator of the Windows"
                                       " region settings to a comma and save again.")


def test_csv_tab_fix_is_save_as_csv(tmp_path):
    path = tmp_path / "excel.txt"
    path.write_text("\t".join(CSV_HEADER) + "\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError) as info:
        rows_from_csv(str(path))
    message = info.value.message
    # Only semicolons come from the list separator of the Windows region settings.
    assert "list separator" not in message
    assert message.endswith('Excel writes tabs when a sheet is saved as "Text (Tab delimited)", and cells copied out'
                            " of a spreadsheet are separated by tabs too. Use Save As with the CSV format in place of"
                            " either.")


def test_csv_semicolon_with_unknown_name(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Email;Department\r\na@example.org;Lab\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError, match="unknown column 'Email;Department'"):
        rows_from_csv(str(path))


@pytest.mark.parametrize(
    "data, where",
    [
        ("Email,GivenName\r\na@example.org,Jos\xe9\r\n".encode("latin-1"), "row 2, GivenName"),
        (b"\xef\xbb\xbfEmail,GivenName,Surname\r\n"
         b"a@example.org,\"Two\r\nlines\",Smith\r\n"
         b"b@example.org,Ana,Mu\xf1oz\r\n", "row 3, Surname"),
        (b"Email,Given\xe9\r\na@example.org,Ana\r\n", "row 1, column 2"),
        (b"Email\r\na@example.org,x\x80\r\n", "row 2, column 2"),
    ],
    ids=["latin-1", "after-multiline-cell", "header", "beyond-header"],
)
def test_csv_not_utf8(tmp_path, data, where):
    path = tmp_path / "encoded.csv"
    path.write_bytes(data)
    with pytest.raises(HaricaInputError) as info:
        rows_from_csv(str(path))
    assert f"csv_path {path}, {where}: the text is not UTF-8" in info.value.message
    assert info.value.message.endswith('Save the file as "CSV UTF-8".')


def test_csv_too_many_values(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("Email,PickupPassword\r\na@example.org,Secret-Pickup-1,extra\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError, match="row 2: more values than the header has columns"):
        rows_from_csv(str(path))


# Validation


def test_all_problems_reported_at_once(tmp_path):
    bad_csr = tmp_path / "broken.csr"
    bad_csr.write_text("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
    found, message = problems([
        {"pickup_password": "Secret-Pickup-1"},
        {"email": "a@example.org, b@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "c@example.org", "csr": CSR, "pickup_password": "Secret-Pickup-1"},
        {"email": "d@example.org"},
        {"email": "e@example.org", "profile": "natural_legal_lcp", "pickup_password": "Secret-Pickup-1"},
        {"email": "f@example.org", "friendly_name": "x" * 86, "pickup_password": "Secret-Pickup-1"},
        {"email": "g@example.org", "friendly_name": "Lab (old)", "pickup_password": "Secret-Pickup-1"},
        {"email": "h@example.org", "csr_path": str(bad_csr)},
        {"email": "i@example.org", "csr": "not a csr"},
        {"email": "C@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "j@example.org", "profile": "email_only_x", "pickup_password": "Secret-Pickup-1"},
        {"email": "k@example.org", "email2": "k@example.org", "pickup_password": "Secret-Pickup-1"},
    ])
    cells = {(item["row"], item["field"]) for item in found}
    assert (1, "email") in cells
    assert (2, "email") in cells
    assert (3, "csr") in cells
    assert (4, "csr") in cells
    assert (5, "given_name") in cells
    assert (5, "surname") in cells
    assert (6, "friendly_name") in cells
    assert (7, "friendly_name") in cells
    assert (8, "csr_path") in cells
    assert (9, "csr") in cells
    assert (10, "email") in cells
    assert (11, "profile") in cells
    assert (12, "email2") in cells
    assert [item["row"] for item in found] == sorted(item["row"] for item in found)
    assert message.index("row 10, email:") < message.index("row 11, profile:")
    assert "nothing was uploaded" in message
    assert "Secret-Pickup-1" not in message


def test_problems_sorted_by_row_then_field():
    found, message = problems([
        {"email": "a@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "A@example.org", "pickup_password": "Secret-Pickup-2"},
        {"email": "b@example.org", "profile": "bogus", "friendly_name": "Lab (old)",
         "pickup_password": "Secret-Pickup-3"},
    ])
    assert [(item["row"], item["field"]) for item in found] == [(2, "email"), (3, "friendly_name"), (3, "profile")]
    assert message.index("row 2, email:") < message.index("row 3, friendly_name:") < message.index("row 3, profile:")


def test_csv_problems_sorted_by_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Email,CertType,FriendlyName,PickupPassword\r\n"
                    "a@example.org,bogus,Lab (old),Secret-Pickup-1\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError) as info:
        validate_rows(rows_from_csv(str(path)), "smime", None)
    fields = [item["field"] for item in info.value.details["invalid_rows"]]
    assert fields == ["FriendlyName", "CertType"]


def test_entries_problems_sorted_by_entry_key():
    # The CSV columns would put FriendlyName before Email, but entries follow ENTRY_KEYS.
    found, _message = problems([{"email": "bad", "friendly_name": "Lab (old)", "pickup_password": "Secret-Pickup-1"}])
    assert [item["field"] for item in found] == ["email", "friendly_name"]


def test_troubleshooting_gives_entries_field_order():
    with open(os.path.join(DOCS, "troubleshooting.rst"), encoding="utf-8") as handle:
        text = " ".join(handle.read().split())
    match = re.search(r"for ``entries`` in the order ((?:``\w+``(?:, | and )?)+)", text)
    assert match is not None
    assert re.findall(r"``(\w+)``", match.group(1)) == list(ENTRY_KEYS)


def test_problems_one_per_line():
    found, message = problems([{"email": "a@example.org", "profile": "natural_legal_lcp",
                                "pickup_password": "Secret-Pickup-1"}])
    header, *lines = message.split("\n")
    assert header == "2 problems in the rows, so nothing was uploaded:"
    assert lines == [f"row {item['row']}, {item['field']}: {item['message']}" for item in found]
    # The first problem contains a semicolon, so a semicolon could not separate the problems.
    assert ";" in lines[0]


def test_one_problem_counted_singular():
    _found, message = problems([{"email": "a@example.org"}])
    assert message.startswith("1 problem in the rows, so nothing was uploaded:\n")


def test_line_break_in_value_stays_on_its_line(tmp_path):
    path = str(tmp_path / "two\nlines.csr")
    found, message = problems([{"email": "a@example.org", "csr_path": path},
                               {"email": "b@example.org\r\nc@example.org", "pickup_password": "Secret-Pickup-1"}])
    assert len(message.splitlines()) == 3
    assert "two\\nlines.csr" in found[0]["message"]
    assert "\n" not in found[1]["message"]


DAMAGED_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
BROKEN_CSRS = {
    "no-pem": ("not a csr", "is not a PEM certificate signing request, because it has no -----BEGIN CERTIFICATE"
                            " REQUEST----- line"),
    "damaged-der": (DAMAGED_CSR, "the PEM certificate signing request does not decode"),
    "bad-base64": (DAMAGED_CSR.replace("AAAA", "A*AA"), "the PEM certificate signing request does not decode"),
    "certificate": (CSR.replace("CERTIFICATE REQUEST", "CERTIFICATE"),
                    "is a PEM CERTIFICATE, not a PEM certificate signing request"),
    "cut-off": ("\n".join(CSR.splitlines()[:4]), "has no -----END CERTIFICATE REQUEST----- line"),
    "not-ascii": (DAMAGED_CSR.replace("AAAA", "ΑΒΓΔ"), "contains characters that are not ASCII"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CSRS))
def test_broken_csr_message(case):
    text, phrase = BROKEN_CSRS[case]
    found, message = problems([{"email": "a@example.org", "csr": text}])
    assert [(item["row"], item["field"]) for item in found] == [(1, "csr")]
    assert phrase in found[0]["message"]
    assert "openssl req" in found[0]["message"]
    for internal in ("asn1", "ParseError", "cryptography.io", "Unable to load"):
        assert internal not in message


def test_der_csr_file_named(tmp_path):
    der = tmp_path / "maria.der"
    der.write_bytes(x509.load_pem_x509_csr(CSR.encode("ascii")).public_bytes(serialization.Encoding.DER))
    found, _message = problems([{"email": "a@example.org", "csr_path": str(der)}])
    assert [(item["row"], item["field"]) for item in found] == [(1, "csr_path")]
    assert found[0]["message"] == (
        f"{der} is a DER certificate signing request, not PEM, so convert it with"
        f" openssl req -inform DER -in {der} -out {der}.pem and give that file")


def test_addresses_outside_domains_rejected():
    domains = ["example.org", "example.com"]
    found, message = problems([
        {"email": "a@example.org", "email2": "b@Lab.Example.COM", "email3": "c@other.org",
         "pickup_password": "Secret-Pickup-1"},
        {"email": "d@notexample.org", "pickup_password": "Secret-Pickup-2"},
        {"email": "e@example.org.evil.net", "pickup_password": "Secret-Pickup-3"},
    ], domains=domains)
    outside = "is not in a domain of the enterprise (example.org, example.com) or in a subdomain of one"
    assert found == [
        {"row": 1, "field": "email3", "message": f"'c@other.org' {outside}, so HARICA would reject it"},
        {"row": 2, "field": "email", "message": f"'d@notexample.org' {outside}, so HARICA would reject it"},
        {"row": 3, "field": "email", "message": f"'e@example.org.evil.net' {outside}, so HARICA would reject it"},
    ]
    assert "nothing was uploaded" in message


@pytest.mark.parametrize("domain", ["xn--jxalzmu.gr", "xn--jxalzmp.gr", "δήμος.gr"],
                         ids=["idna-2003", "idna-2008", "unicode"])
def test_international_domain_either_form(domain):
    """The final sigma of δήμος has two ASCII forms, and either one in the enterprise record passes."""
    rows = rows_from_entries([{"email": "info@δήμος.gr", "email2": "info@lab.δήμος.gr",
                               "pickup_password": "Secret-Pickup-1"}])
    validate_rows(rows, "smime", None, [normalize_dns_name(domain)])


def test_no_domains_skips_check():
    validate_rows(rows_from_entries([{"email": "a@other.org", "pickup_password": "Secret-Pickup-1"}]), "smime", None,
                  None)


@pytest.mark.parametrize("field, where", [("pickup_password", "pickup_password"), ("PickupPassword", "PickupPassword")],
                         ids=["entries", "csv"])
def test_short_pickup_password_rejected(tmp_path, field, where):
    if field == "pickup_password":
        rows = rows_from_entries([{"email": "a@example.org", "pickup_password": "Short-7"},
                                  {"email": "b@example.org", "pickup_password": "Enough-8"}])
    else:
        path = tmp_path / "short.csv"
        path.write_text("Email,PickupPassword\r\na@example.org,Short-7\r\nb@example.org,Enough-8\r\n",
                        encoding="utf-8")
        rows = rows_from_csv(str(path))
    with pytest.raises(HaricaInputError) as info:
        validate_rows(rows, "smime", None)
    first = rows[0].number
    assert info.value.details["invalid_rows"] == [{"row": first, "field": where, "message": "length < 8"}]
    assert "Short-7" not in info.value.message


# Words that a reader of the old problem text could find behind the stars of a masked password.
COMMON_SHORT_WORDS = ("short", "shorter", "is", "has", "few", "fewer", "less", "than", "at", "least", "needs", "give",
                      "all", "that", "so", "key", "file", "private", "protect", "too", "min", "minimum")


@pytest.mark.parametrize("password", COMMON_SHORT_WORDS)
def test_short_password_problem_survives_masking(password):
    found, _message = problems([{"email": "a@example.org", "pickup_password": password}])
    problem = found[0]["message"]
    # Ansible masks every occurrence of a no_log value in the module's output, also inside words.
    assert remove_values(problem, {password}) == problem


def test_duplicate_names_the_first_row():
    found, _message = problems([
        {"email": "same@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "SAME@example.org", "pickup_password": "Secret-Pickup-2"},
    ])
    assert found == [{"row": 2, "field": "email", "message": "same@example.org is also in row 1; a person gets one"
                                                             " smime certificate per upload"}]


def test_empty_rows_rejected():
    with pytest.raises(HaricaInputError, match="No rows to issue"):
        validate_rows([], "smime", None)


def test_csr_public_key_is_read():
    rows = prepared(rows_from_entries(ENTRIES[:1]))
    assert rows[0].uses_csr
    assert rows[0].public_key.startswith(b"0")


# Friendly names


def test_friendly_names_unique_and_safe():
    rows = prepared(rows_from_entries([
        {"email": "a@example.org", "friendly_name": "Lab/PC*1", "pickup_password": "Secret-Pickup-1"},
        {"email": "b@example.org", "friendly_name": "lab-pc-1", "pickup_password": "Secret-Pickup-1"},
        {"email": "c@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "d@example.org", "friendly_name": "Εργαστήριο", "pickup_password": "Secret-Pickup-1"},
    ]))
    assert [row.friendly_name for row in rows] == ["Lab-PC-1", "lab-pc-1 2", "c@example.org", "Εργαστήριο"]


def test_csv_problems_use_column_names(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Email,PickupPassword,CertType,CSR\r\n"
                    ",Pickup-Secret-1,natural_legal_lcp,\r\n"
                    "b@example.org,,email_only,\r\n", encoding="utf-8")
    with pytest.raises(HaricaInputError) as info:
        validate_rows(rows_from_csv(str(path)), "smime", None)
    cells = {(item["row"], item["field"]): item["message"] for item in info.value.details["invalid_rows"]}
    assert "missing" in cells[(2, "Email")]
    assert cells[(2, "GivenName")] == "missing; the profile natural_legal_lcp needs GivenName and Surname"
    assert cells[(3, "CSR")] == "give exactly one of CSR and PickupPassword (given: none)"


def test_server_row_errors_map_to_rows():
    from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import server_row_errors

    rows = prepared(rows_from_entries([{"email": f"p{index}@example.org", "pickup_password": "Pickup-Secret-1"}
                                       for index in range(3)]))
    document = {"message": "The CSV contains invalid rows", "errors": [
        {"row": 3, "field": "Email", "message": "not in the enterprise's domains"},
        {"row": 3, "field": "PickupPassword", "message": "too short"},
        {"row": 9, "field": "Email", "message": "outside the batch"},
    ]}
    assert server_row_errors(document, rows[1:]) == {3: ["Email: not in the enterprise's domains",
                                                         "PickupPassword: too short"]}
    assert server_row_errors({"message": "no list"}, rows) == {}
    assert server_row_errors(None, rows) == {}


# Email addresses and file names


@pytest.mark.parametrize("email", ["../../x@example.org", ".x@example.org", "x.@example.org", "a..b@example.org",
                                   "x@example..org", "x@-example.org", "x@example-.org", "x@example", "x@.example.org",
                                   "x@example.org/..", "x\\y@example.org", "x\x00@example.org"])
def test_invalid_email_rejected(email):
    found, _message = problems([{"email": email, "pickup_password": "Secret-Pickup-1"}])
    assert found == [{"row": 1, "field": "email", "message": f"{email!r} is not an email address"}]


@pytest.mark.parametrize("email", ["o'brien@example.org", "first.last+tag@sub.example.org", "a/b@example.org",
                                   "μαρία@παράδειγμα.ελ", "x@xn--hxajbheg2az3al.xn--qxam"])
def test_valid_email_accepted(email):
    validate_rows(rows_from_entries([{"email": email, "pickup_password": "Secret-Pickup-1"}]), "smime", None)


@pytest.mark.parametrize("email", ["../../x@example.org", "/etc/passwd", "..", ".", "...", "a\\..\\b@x.org",
                                   "x/../../y@example.org", "x\x00y@example.org", "Ünïcödé@example.org", ""])
def test_safe_email_stays_in_dest(tmp_path, email):
    name = safe_email(email)
    assert "/" not in name
    assert "\\" not in name
    assert "\x00" not in name
    assert not name.startswith(".")
    dest = str(tmp_path)
    deliverer = Deliverer(None, None, "smime", dest)
    for path in deliverer.paths(Row(1, {"email": email})).values():
        assert os.path.dirname(path) == dest
        assert os.path.dirname(os.path.realpath(path)) == os.path.realpath(dest)


def test_safe_email_replaces_path_characters():
    assert safe_email("../../x@example.org") == "_.._x@example.org"
    assert safe_email("Maria.P@Example.org") == "maria.p@example.org"


def test_same_file_names_rejected():
    found, _message = problems([
        {"email": "a'b@example.org", "pickup_password": "Secret-Pickup-1"},
        {"email": "a_b@example.org", "pickup_password": "Secret-Pickup-2"},
    ])
    assert found == [{"row": 2, "field": "email", "message": "a_b@example.org gets the same file names in dest as"
                                                             " row 1 (a_b@example.org.smime.*); give one of the rows"
                                                             " another address"}]
