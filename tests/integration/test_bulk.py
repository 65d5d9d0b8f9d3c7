"""harica_bulk_issue, harica_enterprise_info and harica_user_info against the simulator."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from conftest import ADMIN_KEY, APPROVER_KEY, assert_no_key

BULK = "bulk_issue.yml"
PASSWORDS = {"nikos@example.org": "Pickup-Nikos-2026", "eleni@example.org": "Pickup-Eleni-2026",
             "giorgos@example.org": "Pickup-Giorgos-2026"}


def csr_for(email, directory):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, email)]))
           .sign(key, hashes.SHA256()))
    path = directory / f"{email}.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return str(path)


@pytest.fixture
def people(world):
    directory = world.tmp_path / "csr"
    directory.mkdir()
    return [
        {"email": "maria@example.org", "given_name": "Μαρία", "surname": "Παπαδοπούλου",
         "profile": "natural_legal_lcp", "csr_path": csr_for("maria@example.org", directory)},
        {"email": "nikos@example.org", "pickup_password": PASSWORDS["nikos@example.org"]},
        {"email": "kostas@example.org", "csr_path": csr_for("kostas@example.org", directory),
         "friendly_name": 'Kostas "K", Lab'},
        {"email": "eleni@example.org", "given_name": "Ελένη", "surname": "Γεωργίου",
         "profile": "natural_legal_lcp", "pickup_password": PASSWORDS["eleni@example.org"]},
        {"email": "giorgos@example.org", "given_name": "Γιώργος", "surname": "Παπαδόπουλος",
         "profile": "natural_legal_lcp", "pickup_password": PASSWORDS["giorgos@example.org"]},
    ]


@pytest.fixture
def dest(world):
    path = world.tmp_path / "issued"
    path.mkdir()
    return path


def bulk(run_playbook, dest, rows=None, **extra):
    variables = {"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest), "settle_timeout": 3,
                 "settle_interval": 1, **extra}
    if rows is not None:
        variables["entries"] = rows
    return run_playbook(BULK, extra=variables, api_key=ADMIN_KEY)


def uploads(run):
    return [entry for entry in run.log if entry["method"] == "POST" and "/bulk/create/" in entry["path"]]


def results(run):
    return {entry["email"]: entry["result"] for entry in run.outcome["entries"]}


def emails_of(certificate):
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return extension.value.get_values_for_type(x509.RFC822Name)


def public_bytes(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def verify(world, dest, row, kind="smime"):
    """Check a row's files: the chain to the root, its own names, its own key, the full chain."""
    email = row["email"]
    base = dest / f"{email}.{kind}"
    completed = subprocess.run(["openssl", "verify", "-CAfile", world.simulator.root_ca, "-untrusted",
                                f"{base}.chain.crt", f"{base}.crt"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    leaf = (dest / f"{email}.{kind}.crt").read_bytes()
    certificate = x509.load_pem_x509_certificate(leaf)
    assert email in emails_of(certificate)
    assert (dest / f"{email}.{kind}.fullchain.crt").read_bytes() == leaf + (dest / f"{email}.{kind}.chain.crt").read_bytes()
    if "csr_path" in row:
        csr = x509.load_pem_x509_csr(open(row["csr_path"], "rb").read())
        assert public_bytes(csr.public_key()) == public_bytes(certificate.public_key())
    if "pickup_password" in row:
        path = dest / f"{email}.{kind}.p12"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        key, bundled, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), row["pickup_password"].encode())
        assert bundled == certificate
        assert public_bytes(key.public_key()) == public_bytes(certificate.public_key())


def test_issue_five_people(world, run_playbook, people, dest):
    run = bulk(run_playbook, dest, people)
    assert run.returncode == 0, run.output
    assert set(results(run).values()) == {"issued"}
    assert len(uploads(run)) == 1
    assert uploads(run)[0]["body"]["csv_rows"] == 5
    for person in people:
        verify(world, dest, person)
    for email, password in PASSWORDS.items():
        opened = subprocess.run(["openssl", "pkcs12", "-in", str(dest / f"{email}.smime.p12"), "-passin",
                                 f"pass:{password}", "-nokeys"], capture_output=True, text=True, check=False)
        assert opened.returncode == 0, opened.stderr
    maria = x509.load_pem_x509_certificate((dest / "maria@example.org.smime.crt").read_bytes())
    assert maria.subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "Παπαδοπούλου"
    for password in PASSWORDS.values():
        assert password not in run.output
    assert_no_key(run)


def test_rerun_add_and_restore(world, run_playbook, people, dest):
    assert bulk(run_playbook, dest, people).returncode == 0
    again = bulk(run_playbook, dest, people)
    assert again.returncode == 0, again.output
    assert again.outcome["changed"] is False
    assert set(results(again).values()) == {"skipped"}
    assert uploads(again) == []
    sixth = people + [{"email": "anna@example.org", "csr_path": csr_for("anna@example.org", world.tmp_path)}]
    added = bulk(run_playbook, dest, sixth)
    assert results(added)["anna@example.org"] == "issued"
    assert [entry["body"]["csv_rows"] for entry in uploads(added)] == [1]
    for suffix in ("crt", "chain.crt", "fullchain.crt"):
        os.unlink(dest / f"kostas@example.org.smime.{suffix}")
    restored = bulk(run_playbook, dest, sixth)
    assert restored.returncode == 0, restored.output
    assert restored.outcome["changed"] is True
    assert uploads(restored) == []
    verify(world, dest, people[2])


def test_csv_path_uploads_same_bytes(world, run_playbook, people, dest):
    from_entries = bulk(run_playbook, dest, people, force=True)
    assert from_entries.returncode == 0, from_entries.output
    lines = ["FriendlyName,Email,Email2,Email3,GivenName,Surname,PickupPassword,CertType,CSR,"]
    for person in people:
        csr = open(person["csr_path"]).read().strip() if "csr_path" in person else ""
        cells = [person.get("friendly_name", ""), person["email"], "", "", person.get("given_name", ""),
                 person.get("surname", ""), person.get("pickup_password", ""), person.get("profile", ""), csr]
        lines.append(",".join('"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell
                              for cell in cells) + ",")
    spreadsheet = world.tmp_path / "people.csv"
    # A spreadsheet ends records with CRLF and keeps a bare LF inside a quoted cell.
    spreadsheet.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    from_csv = bulk(run_playbook, dest, csv_path=str(spreadsheet), force=True)
    assert from_csv.returncode == 0, from_csv.output
    assert uploads(from_csv)[0]["body"]["csv_sha256"] == uploads(from_entries)[0]["body"]["csv_sha256"]


def test_invalid_rows_upload_nothing(world, run_playbook, dest):
    rows = [{"email": "a@example.org"}, {"pickup_password": "Pickup-Secret-1"},
            {"email": "c@example.org", "pickup_password": "Pickup-Secret-1", "friendly_name": "Lab (old)"}]
    run = bulk(run_playbook, dest, rows)
    assert run.returncode != 0
    assert [(item["row"], item["field"]) for item in run.outcome["invalid_rows"]] == [
        (1, "csr"), (2, "email"), (3, "friendly_name")]
    assert [(entry["method"], entry["path"]) for entry in run.log] == [("GET", "/cm/v1/admin/enterprises")]
    assert "Pickup-Secret-1" not in run.output


def test_domains_and_password_upload_nothing(world, run_playbook, people, dest):
    rows = people[:2] + [
        {"email": "lab@sub.example.org", "email2": "x@other.org", "pickup_password": "Pickup-Secret-1"},
        {"email": "short@example.org", "pickup_password": "Short-7"},
        {"email": "y@example.org.evil.net", "pickup_password": "Pickup-Secret-2"},
    ]
    run = bulk(run_playbook, dest, rows)
    assert run.returncode != 0
    assert [(item["row"], item["field"]) for item in run.outcome["invalid_rows"]] == [
        (3, "email2"), (4, "pickup_password"), (5, "email")]
    assert "'x@other.org' is not in a domain of the enterprise (example.org)" in run.outcome["msg"]
    assert uploads(run) == []
    assert os.listdir(dest) == []
    assert "Short-7" not in run.output


def test_weak_password_masks_no_word(world, run_playbook, dest):
    # Ansible masks the password wherever it occurs, so a problem text that contained
    # "shorter" would show "********er" and give the password away.
    run = bulk(run_playbook, dest, [{"email": "nikos@example.org", "pickup_password": "short"}])
    assert run.returncode != 0
    assert run.outcome["invalid_rows"] == [{"row": 1, "field": "pickup_password", "message": "length < 8"}]
    assert run.outcome["msg"] == "1 problem in the rows, so nothing was uploaded:\nrow 1, pickup_password: length < 8"
    # The task banners of the output are made of stars, so the recorded result is checked.
    assert "********" not in json.dumps(run.outcome)


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolon", "tab"])
def test_csv_separator_is_named(world, run_playbook, dest, separator):
    spreadsheet = world.tmp_path / "excel.csv"
    lines = [separator.join(["FriendlyName", "Email", "Email2", "Email3", "GivenName", "Surname", "PickupPassword",
                             "CertType", "CSR"]),
             separator.join(["", "nikos@example.org", "", "", "", "", PASSWORDS["nikos@example.org"], "", ""])]
    spreadsheet.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    run = bulk(run_playbook, dest, csv_path=str(spreadsheet))
    assert run.returncode != 0
    assert f"separates its columns with {'semicolons' if separator == ';' else 'tabs'}" in run.outcome["msg"]
    assert 'saved as "CSV UTF-8 (Comma delimited)"' in run.outcome["msg"]
    # Only semicolons come from the list separator of the Windows region settings.
    assert ("list separator" in run.outcome["msg"]) == (separator == ";")
    assert run.log == []


def test_broken_csr_in_plain_words(world, run_playbook, dest):
    broken = world.tmp_path / "broken.csr"
    broken.write_text("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
    run = bulk(run_playbook, dest, [{"email": "a@example.org", "csr_path": str(broken)}])
    assert run.returncode != 0
    assert run.outcome["invalid_rows"] == [{"row": 1, "field": "csr_path", "message": (
        "the PEM certificate signing request does not decode, because its content is damaged or incomplete. Give"
        " the whole PEM text that openssl req -new writes, with its BEGIN and END lines")}]
    assert "asn1" not in run.output
    assert uploads(run) == []


LOGIN = "/login?ReturnUrl=%2Fcm%2Fv1%2Fbulk%2Fcreate%2Fsmime"
LOGIN_PHRASES = ["redirected to the login page", "needs the Enterprise Admin role"]


def json_error(status, message):
    return {"action": "status", "status": status, "body": f'{{"message": "{message}"}}',
            "content_type": "application/json"}


@pytest.mark.parametrize(
    "fault, phrases",
    [
        (json_error(200, "Upload refused"), ["JSON error instead of a zip: Upload refused"]),
        (json_error(403, "Upload refused by policy"), ["HTTP 403 Forbidden", "Upload refused by policy"]),
        (json_error(500, "Upload failed inside"), ["HTTP 500 Internal Server Error", "Upload failed inside"]),
        ({"action": "html", "status": 200}, ["HTML page instead of a zip"]),
        *[({"action": "redirect", "status": status, "location": LOGIN}, LOGIN_PHRASES)
          for status in (301, 302, 303, 307, 308)],
        ({"action": "status", "status": 200, "body": "PK\u0005\u0006" + "\u0000" * 18,
          "content_type": "application/zip"}, ["empty zip"]),
        ({"action": "empty", "process": False}, ["No certificate for"]),
    ],
    ids=["json", "json-403", "json-500", "html", "redirect-301", "redirect-302", "redirect-303", "redirect-307",
         "redirect-308", "empty-zip", "empty-body"],
)
def test_bad_answers_write_nothing(world, run_playbook, people, dest, fault, phrases):
    world.control.add_fault("/cm/v1/bulk/create/smime", method="POST", **fault)
    run = bulk(run_playbook, dest, people[:2])
    assert run.returncode != 0
    for phrase in phrases:
        assert phrase in run.outcome["msg"]
    assert run.outcome["changed"] is False
    assert set(results(run).values()) == {"failed"}
    assert "Traceback" not in run.output
    assert os.listdir(dest) == []
    assert len(uploads(run)) == 1
    assert [entry["status"] for entry in uploads(run)] == [fault.get("status", 200)]


def test_dropped_upload_then_next_run(world, run_playbook, people, dest):
    world.control.add_fault("/cm/v1/bulk/create/smime", "drop_after", method="POST")
    first = bulk(run_playbook, dest, people, batch_size=2)
    assert first.returncode != 0
    assert len(uploads(first)) == 1
    held = {tuple(sorted(record["names"])) for record in world.control.certificates() if record["type"] == "smime"}
    assert results(first) == {
        "maria@example.org": "issued",
        "nikos@example.org": "undelivered",
        "kostas@example.org": "not_sent",
        "eleni@example.org": "not_sent",
        "giorgos@example.org": "not_sent",
    }
    assert held == {("maria@example.org",), ("nikos@example.org",)}
    second = bulk(run_playbook, dest, people, batch_size=2)
    assert [entry["body"]["csv_rows"] for entry in uploads(second)] == [2, 1]
    assert results(second) == {
        "maria@example.org": "skipped",
        "nikos@example.org": "undelivered",
        "kostas@example.org": "issued",
        "eleni@example.org": "issued",
        "giorgos@example.org": "issued",
    }
    held = [name for record in world.control.certificates() if record["type"] == "smime" for name in record["names"]]
    assert sorted(held) == sorted(person["email"] for person in people)


@pytest.mark.parametrize("action", ["status", "html"])
def test_error_after_issuing_is_settled(world, run_playbook, people, dest, action):
    """HARICA issues the rows, then a 502 comes back: one upload, and the rows are read back."""
    world.control.add_fault("/cm/v1/bulk/create/smime", action, method="POST", status=502, process=True)
    run = bulk(run_playbook, dest, people[:2])
    assert len(uploads(run)) == 1
    assert results(run) == {"maria@example.org": "issued", "nikos@example.org": "undelivered"}
    assert run.outcome["changed"] is True
    verify(world, dest, people[0])
    assert not (dest / "nikos@example.org.smime.p12").exists()
    assert "Traceback" not in run.output


def test_ber_indefinite_and_rsa_keys(world, run_playbook, people, dest):
    world.control.settings(p7b_encoding="ber_indefinite", bulk_key_type="rsa-2048")
    run = bulk(run_playbook, dest, people[:2])
    assert run.returncode == 0, run.output
    verify(world, dest, people[0])
    key, _certificate, _chain = pkcs12.load_key_and_certificates(
        (dest / "nikos@example.org.smime.p12").read_bytes(), PASSWORDS["nikos@example.org"].encode())
    assert key.key_size == 2048


def test_clientauth_works_the_same(world, run_playbook, dest):
    rows = [{"email": "device1@example.org", "given_name": "Device", "surname": "One",
             "csr_path": csr_for("device1@example.org", world.tmp_path)},
            {"email": "device2@example.org", "profile": "client_authentication_ov",
             "pickup_password": "Pickup-Device-2"}]
    first = bulk(run_playbook, dest, rows, certificate_type="clientauth")
    assert first.returncode == 0, first.output
    assert set(results(first).values()) == {"issued"}
    assert uploads(first)[0]["path"] == "/cm/v1/bulk/create/clientauth"
    for row in rows:
        verify(world, dest, row, kind="clientauth")
    second = bulk(run_playbook, dest, rows, certificate_type="clientauth")
    assert set(results(second).values()) == {"skipped"}
    assert uploads(second) == []


def test_check_mode_uploads_nothing(world, run_playbook, people, dest):
    run = run_playbook(BULK, extra={"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest),
                                    "entries": people}, api_key=ADMIN_KEY, check=True)
    assert run.returncode == 0, run.output
    assert set(results(run).values()) == {"issued"}
    assert run.outcome["msg"] == "Rows: 5 would be issued."
    assert uploads(run) == []


def test_check_mode_after_issue_is_unchanged(world, run_playbook, people, dest):
    assert bulk(run_playbook, dest, people).returncode == 0
    before = {path.name: path.read_bytes() for path in dest.iterdir()}
    check = run_playbook(BULK, extra={"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest),
                                      "entries": people}, api_key=ADMIN_KEY, check=True)
    assert check.returncode == 0, check.output
    assert check.outcome["changed"] is False
    assert set(results(check).values()) == {"skipped"}
    assert check.posts() == []
    assert {path.name: path.read_bytes() for path in dest.iterdir()} == before


# The simulator rejects a common name of more than 64 characters, which the module does not check.
LONG_NAME = {"email": "long@example.org", "given_name": "Αικατερίνη-Μαρία-Ελένη", "surname":
             "Παπαδοπούλου-Κωνσταντινοπούλου-Αλεξανδροπούλου", "profile": "natural_legal_lcp",
             "pickup_password": "Pickup-Secret-1"}


def test_later_batch_rejected_keeps_report(world, run_playbook, people, dest):
    rows = people[:2] + [LONG_NAME, people[2]]
    run = bulk(run_playbook, dest, rows, batch_size=2)
    assert run.returncode != 0
    assert "Traceback" not in run.output
    assert run.outcome["changed"] is True
    assert [(batch["rows"], batch["result"]) for batch in run.outcome["batches"]] == [
        ([1, 2], "issued"), ([3, 4], "failed")]
    assert list(results(run).values()) == ["issued", "issued", "failed", "failed"]
    assert "HARICA rejected this row: GivenName:" in run.outcome["entries"][2]["detail"]
    assert (dest / "nikos@example.org.smime.p12").exists()
    assert len(uploads(run)) == 2


# The certificates end 30 days and 4.5 hours after the run, so their whole days remaining
# are 30 in UTC. A "now" read from Tokyo's wall clock (9 hours ahead) would make them 29
# and renew the rows. The simulator's list carries each PEM, whose end of validity the
# module prefers to validTo, so this run does not read validTo itself.
RENEWAL_MARGIN_SECONDS = 30 * 86400 + 4.5 * 3600


def test_renewal_rerun_in_other_time_zone(world, run_playbook, people, dest):
    world.control.set_clock(offset_seconds=RENEWAL_MARGIN_SECONDS - 365 * 86400)
    tokyo = {"TZ": "Asia/Tokyo"}
    first = run_playbook(BULK, extra={"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest),
                                      "entries": people[:2], "renew_before_days": 30}, api_key=ADMIN_KEY, env=tokyo)
    assert first.returncode == 0, first.output
    assert set(results(first).values()) == {"issued"}
    world.control.reset_clock()
    second = run_playbook(BULK, extra={"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest),
                                       "entries": people[:2], "renew_before_days": 30}, api_key=ADMIN_KEY, env=tokyo)
    assert second.returncode == 0, second.output
    assert second.outcome["changed"] is False
    assert set(results(second).values()) == {"skipped"}
    assert uploads(second) == []
    not_after = {entry["email"]: entry["not_after"] for entry in first.outcome["entries"]}
    assert {entry["email"]: entry["not_after"] for entry in second.outcome["entries"]} == not_after
    assert "TypeError" not in first.output + second.output
    due = run_playbook(BULK, extra={"certificate_type": "smime", "enterprise": "example.org", "dest": str(dest),
                                    "entries": people[:2], "renew_before_days": 31}, api_key=ADMIN_KEY, env=tokyo)
    assert due.returncode == 0, due.output
    assert set(results(due).values()) == {"issued"}
    assert [entry["body"]["csv_rows"] for entry in uploads(due)] == [2]


# Enterprises and users


def test_enterprise_and_user_info(world, run_playbook, people, dest):
    world.control.create_enterprise("Example Lab", ["lab.example.net", "lab2.example.net"])
    enterprises = run_playbook("enterprise_info.yml", api_key=ADMIN_KEY)
    assert enterprises.returncode == 0, enterprises.output
    found = {entry["name"]: entry for entry in enterprises.outcome["enterprises"]}
    assert [domain["name"] for domain in found["Example Lab"]["domains"]] == ["lab.example.net", "lab2.example.net"]
    assert found["Example University"]["organization_id"] == world.organization_id
    bulk(run_playbook, dest, people[:1])
    one = run_playbook("user_info.yml", extra={"email": "ADMIN@example.org"}, api_key=ADMIN_KEY)
    assert one.outcome["users"][0]["email"] == "admin@example.org"
    assert "Enterprise Admin" in one.outcome["users"][0]["roles"]
    everyone = run_playbook("user_info.yml", api_key=ADMIN_KEY)
    assert {"approver@example.org", "admin@example.org"} <= {user["email"] for user in everyone.outcome["users"]}
    missing = run_playbook("user_info.yml", extra={"email": "nobody@example.org"}, api_key=ADMIN_KEY)
    assert missing.outcome["users"] == []
    refused = run_playbook("enterprise_info.yml", api_key=APPROVER_KEY)
    assert "needs the Enterprise Admin role" in refused.outcome["msg"]


def test_server_row_errors_are_reported(world, run_playbook, dest):
    rows = [{"email": "fine@example.org", "pickup_password": "Pickup-Secret-1"},
            {"email": "also.fine@example.org", "pickup_password": "Pickup-Secret-2"}, LONG_NAME]
    run = bulk(run_playbook, dest, rows)
    assert run.returncode != 0
    first_line, *problem_lines = run.outcome["msg"].split("\n")
    assert first_line.startswith("Rows: 3 failed. HARICA rejected batch 1 because of 1 row. Failed to upload")
    assert first_line.endswith("HARICA named no problem in the other 2 rows of the batch, but none of them was"
                               " issued. Fix the problems on the following lines and run the task again.")
    assert problem_lines == ["row 3 (long@example.org): GivenName: GivenName and Surname make a common name longer"
                             " than 64 characters."]
    assert ".." not in first_line
    by_email = {entry["email"]: entry["detail"] for entry in run.outcome["entries"]}
    assert "HARICA rejected this row: GivenName:" in by_email["long@example.org"]
    assert "HARICA rejected row 3 of the batch, so this row was not issued." in by_email["fine@example.org"]
    assert "Pickup-Secret" not in run.output
