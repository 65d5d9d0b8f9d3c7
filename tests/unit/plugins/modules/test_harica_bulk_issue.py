"""Tests of harica_bulk_issue run in-process against an in-memory API with a test CA."""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import ENTRY_KEYS
from ansible_collections.harica.certmanager.plugins.module_utils._client import ClientSettings, HaricaClient
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaServerError
from ansible_collections.harica.certmanager.plugins.modules import harica_bulk_issue
from ansible_collections.harica.certmanager.tests.unit.utils.bulk_fixtures import DAMAGES, make_csr, make_zip
from ansible_collections.harica.certmanager.tests.unit.utils.fake_bulk_api import ENTERPRISES, FakeBulkAPI
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module
from ansible_collections.harica.certmanager.tests.unit.utils.scripted_server import (
    Answer,
    ScriptedServer,
    json_answer,
)

PASSWORDS = {"nikos@example.org": "Pickup-Nikos-77", "eleni@example.org": "Pickup-Eleni-88"}
VALID_LIST = "/cm/v1/admin/certificates/list/valid"
ENTERPRISE_LIST = ("GET", "/cm/v1/admin/enterprises", None)
INFO_MODULE = "harica.certmanager.harica_certificate_info"


@pytest.fixture
def api():
    return FakeBulkAPI()


@pytest.fixture(scope="module")
def csrs():
    return {email: make_csr(email)[0] for email in ("maria@example.org", "kostas@example.org", "new@example.org")}


def entries(csrs):
    return [
        {"email": "maria@example.org", "given_name": "Μαρία", "surname": "Παπαδοπούλου",
         "profile": "natural_legal_lcp", "csr": csrs["maria@example.org"]},
        {"email": "nikos@example.org", "pickup_password": PASSWORDS["nikos@example.org"]},
        {"email": "kostas@example.org", "csr": csrs["kostas@example.org"]},
        {"email": "eleni@example.org", "given_name": "Ελένη", "surname": "Γεωργίου",
         "profile": "natural_legal_lcp", "pickup_password": PASSWORDS["eleni@example.org"]},
    ]


def run(api, tmp_path, rows, **args):
    args = {"api_key": "bulk-test-key", "api_url": "https://cm.example.test", "certificate_type": "smime",
            "enterprise": "example.org", "dest": str(tmp_path), "entries": rows, "settle_timeout": 0, **args}
    # A playbook leaves out an option set to omit; None stands for that here.
    args = {key: value for key, value in args.items() if value is not None}
    return run_module(harica_bulk_issue.main, args, api)


def results(outcome):
    return {entry["email"]: entry["result"] for entry in outcome.result["entries"]}


def uploads(api):
    return [call for call in api.calls if call[0] == "POST"]


def kept_zips(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".zip"))


def written_files(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith((".crt", ".p12")))


def test_issue_then_rerun(api, tmp_path, csrs):
    first = run(api, tmp_path, entries(csrs))
    assert not first.failed, first.result
    assert set(results(first).values()) == {"issued"}
    assert len(uploads(api)) == 1
    for email, password in PASSWORDS.items():
        path = tmp_path / f"{email}.smime.p12"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        _key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode())
        assert certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.RFC822Name) == [email]
    for email in ("maria@example.org", "kostas@example.org"):
        certificate = x509.load_pem_x509_certificate((tmp_path / f"{email}.smime.crt").read_bytes())
        assert email in certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(x509.RFC822Name)
    second = run(api, tmp_path, entries(csrs))
    assert second.result["changed"] is False
    assert set(results(second).values()) == {"skipped"}
    assert len(uploads(api)) == 1


def test_added_row_uploads_one(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs))
    more = entries(csrs) + [{"email": "new@example.org", "csr": csrs["new@example.org"]}]
    outcome = run(api, tmp_path, more)
    assert results(outcome)["new@example.org"] == "issued"
    assert outcome.result["msg"] == "Rows: 1 issued, 4 skipped."
    assert [row["Email"] for row in api.uploads[-1]["rows"]] == ["new@example.org"]


def test_deleted_files_restored_without_upload(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs))
    for suffix in ("crt", "chain.crt", "fullchain.crt"):
        os.unlink(tmp_path / f"maria@example.org.smime.{suffix}")
    outcome = run(api, tmp_path, entries(csrs))
    assert outcome.result["changed"] is True
    assert results(outcome)["maria@example.org"] == "skipped"
    assert (tmp_path / "maria@example.org.smime.chain.crt").exists()
    assert len(uploads(api)) == 1


def test_lost_pkcs12_is_undelivered(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs))
    os.unlink(tmp_path / "nikos@example.org.smime.p12")
    outcome = run(api, tmp_path, entries(csrs))
    assert not outcome.failed
    assert results(outcome)["nikos@example.org"] == "undelivered"
    assert any("then run again (only this row is issued again)" in warning for warning in outcome.result["warnings"])
    assert len(uploads(api)) == 1


def test_replaced_csr_issues_again(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs))
    changed = entries(csrs)
    changed[2]["csr"] = make_csr("kostas@example.org")[0]
    outcome = run(api, tmp_path, changed)
    assert results(outcome)["kostas@example.org"] == "issued"
    assert [row["Email"] for row in api.uploads[-1]["rows"]] == ["kostas@example.org"]


def test_force_and_renewal(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs)[:1])
    forced = run(api, tmp_path, entries(csrs)[:1], force=True)
    assert results(forced) == {"maria@example.org": "issued"}
    renewal = run(api, tmp_path, entries(csrs)[:1], renew_before_days=400)
    assert results(renewal) == {"maria@example.org": "issued"}
    assert len(uploads(api)) == 3


def test_check_mode_sends_nothing(api, tmp_path, csrs):
    outcome = run(api, tmp_path, entries(csrs), _ansible_check_mode=True)
    assert outcome.result["changed"] is True
    assert set(results(outcome).values()) == {"issued"}
    assert outcome.result["msg"] == "Rows: 4 would be issued."
    assert uploads(api) == []
    assert os.listdir(tmp_path) == []


def test_invalid_rows_send_nothing(api, tmp_path):
    outcome = run(api, tmp_path, [{"email": "a@example.org"}, {"pickup_password": "Pickup-Secret-1"}])
    assert outcome.failed
    assert [(item["row"], item["field"]) for item in outcome.result["invalid_rows"]] == [(1, "csr"), (2, "email")]
    assert outcome.result["msg"].split("\n") == [
        "2 problems in the rows, so nothing was uploaded:",
        "row 1, csr: give exactly one of csr, csr_path and pickup_password (given: none)",
        "row 2, email: missing; every row needs an email address",
    ]
    assert api.calls == [ENTERPRISE_LIST]
    assert "Pickup-Secret-1" not in json.dumps(outcome.result)


def test_domains_and_password_checked_first(api, tmp_path, csrs):
    rows = entries(csrs) + [
        {"email": "lab@example.com", "email2": "x@other.org", "pickup_password": "Pickup-Secret-1"},
        {"email": "short@example.org", "pickup_password": "Short-7"},
        {"email": "y@lab.example.net", "csr": csrs["new@example.org"]},
    ]
    outcome = run(api, tmp_path, rows)
    assert outcome.failed
    assert [(item["row"], item["field"]) for item in outcome.result["invalid_rows"]] == [
        (5, "email2"), (6, "pickup_password"), (7, "email")]
    assert "example.org, example.com" in outcome.result["invalid_rows"][0]["message"]
    assert "nothing was uploaded" in outcome.result["msg"]
    assert api.calls == [ENTERPRISE_LIST]
    assert os.listdir(tmp_path) == []
    assert "Short-7" not in json.dumps(outcome.result)


def test_enterprise_without_domains_warns(api, tmp_path, csrs):
    for record in api.enterprises:
        record.pop("domain")
    outcome = run(api, tmp_path, [entries(csrs)[1], {"email": "x@other.org", "pickup_password": "Pickup-Secret-1"}],
                  organization_id="org-1", enterprise=None)
    assert not outcome.failed, outcome.result
    assert results(outcome) == {"nikos@example.org": "issued", "x@other.org": "issued"}
    assert outcome.result["warnings"] == [
        "The record of enterprise Example University (org-1) lists no domains, so the module did not check that the"
        " rows' addresses are in the enterprise's domains. HARICA checks them when the rows are uploaded."]


def test_path_in_email_is_rejected(api, tmp_path):
    dest = tmp_path / "dest"
    outcome = run(api, dest, [{"email": "../../x@example.org", "pickup_password": "Pickup-Secret-1"}])
    assert outcome.failed
    assert outcome.result["invalid_rows"] == [
        {"row": 1, "field": "email", "message": "'../../x@example.org' is not an email address"}]
    assert api.calls == [ENTERPRISE_LIST]
    assert os.listdir(tmp_path) == []
    assert not any(name.startswith("x@example.org") for name in os.listdir(tmp_path.parent.parent))


def test_dropped_upload_settles(api, tmp_path, csrs):
    api.answer = "drop_after"
    first = run(api, tmp_path, entries(csrs))
    assert len(uploads(api)) == 1
    assert results(first) == {
        "maria@example.org": "issued",
        "nikos@example.org": "undelivered",
        "kostas@example.org": "issued",
        "eleni@example.org": "undelivered",
    }
    assert (tmp_path / "maria@example.org.smime.crt").exists()
    second = run(api, tmp_path, entries(csrs))
    assert len(uploads(api)) == 1
    assert results(second)["maria@example.org"] == "skipped"


def test_empty_answer_without_issuance(api, tmp_path, csrs):
    api.answer = "empty_unprocessed"
    first = run(api, tmp_path, entries(csrs)[:2])
    assert first.failed
    assert set(results(first).values()) == {"failed"}
    assert "the next run uploads the row again" in first.result["msg"]
    second = run(api, tmp_path, entries(csrs)[:2])
    assert not second.failed
    assert len(uploads(api)) == 2


def test_empty_answer_after_issuance(api, tmp_path, csrs):
    api.answer = "empty"
    outcome = run(api, tmp_path, entries(csrs)[:1])
    assert results(outcome) == {"maria@example.org": "issued"}


def test_json_error_fails_batch(api, tmp_path, csrs):
    api.answer = "json_error"
    outcome = run(api, tmp_path, entries(csrs))
    assert outcome.failed
    assert "The CSV contains invalid rows" in outcome.result["msg"]
    assert os.listdir(tmp_path) == []


def test_rejected_rows_listed_after_summary(api, tmp_path, csrs):
    api.answer = "row_errors:4,5"
    outcome = run(api, tmp_path, entries(csrs))
    assert outcome.failed
    assert outcome.result["msg"].split("\n") == [
        "Rows: 4 failed. HARICA rejected batch 1 because of 2 rows. Failed to upload bulk batch 1 (4 rows): POST"
        " /cm/v1/bulk/create/smime returned HTTP 400 Bad Request: The CSV contains invalid rows. HARICA named no"
        " problem in the other 2 rows of the batch, but none of them was issued. Fix the problems on the following"
        " lines and run the task again.",
        "row 3 (kostas@example.org): Email: not in the enterprise's domains",
        "row 4 (eleni@example.org): Email: not in the enterprise's domains",
    ]
    details = [entry["detail"] for entry in outcome.result["entries"]]
    assert details[0].endswith("HARICA rejected rows 3 and 4 of the batch, so this row was not issued.")
    assert details[2].endswith("HARICA rejected this row: Email: not in the enterprise's domains")


def test_one_rejected_row_alone(api, tmp_path, csrs):
    api.answer = "row_errors"
    outcome = run(api, tmp_path, entries(csrs)[:1])
    assert outcome.result["msg"].split("\n") == [
        "Rows: 1 failed. HARICA rejected batch 1 because of 1 row. Failed to upload bulk batch 1 (1 row): POST"
        " /cm/v1/bulk/create/smime returned HTTP 400 Bad Request: The CSV contains invalid rows. Fix the problems"
        " on the following lines and run the task again.",
        "row 1 (maria@example.org): Email: not in the enterprise's domains",
    ]


def test_one_other_row_counted_singular(api, tmp_path, csrs):
    api.answer = "row_errors:3"
    outcome = run(api, tmp_path, entries(csrs)[:2])
    first_line = outcome.result["msg"].split("\n")[0]
    assert "HARICA named no problem in the other row of the batch, but it was not issued either." in first_line
    assert "other 1 row" not in first_line


def test_entries_suboptions_in_field_order():
    # The troubleshooting page sorts the problems of entries by this documented order.
    suboptions = yaml.safe_load(harica_bulk_issue.DOCUMENTATION)["options"]["entries"]["suboptions"]
    assert list(suboptions) == list(ENTRY_KEYS)


def test_documented_rejection_message_order(api, tmp_path, csrs):
    documentation = " ".join(harica_bulk_issue.DOCUMENTATION.split())
    returned = " ".join(yaml.safe_load(harica_bulk_issue.RETURN)["msg"]["description"][1].split())
    for text in (documentation, returned):
        assert "rejected rows with their problems first" not in text
        assert "starts with the count of the results" in text
    api.answer = "row_errors:4"
    message = run(api, tmp_path, entries(csrs)).result["msg"]
    assert message.startswith("Rows: 4 failed. HARICA rejected batch 1 because of 1 row.")
    assert message.split("\n")[1:] == ["row 3 (kostas@example.org): Email: not in the enterprise's domains"]


def test_stray_member_keeps_zip(api, tmp_path, csrs):
    api.answer = "stray_member"
    outcome = run(api, tmp_path, entries(csrs))
    assert outcome.failed
    assert set(results(outcome).values()) == {"unknown"}
    kept = [name for name in os.listdir(tmp_path) if name.endswith(".zip")]
    assert len(kept) == 1
    assert stat.S_IMODE(os.stat(tmp_path / kept[0]).st_mode) == 0o600
    assert not any(name.endswith((".crt", ".p12")) for name in os.listdir(tmp_path))


def test_batches_stop_at_failure(api, tmp_path, csrs):
    original = api.post

    def fail_second(*args, **kwargs):
        if len(api.uploads) == 1:
            api.answer = "json_error"
        return original(*args, **kwargs)

    api.post = fail_second
    outcome = run(api, tmp_path, entries(csrs), batch_size=2)
    assert outcome.failed
    assert [batch["result"] for batch in outcome.result["batches"]] == ["issued", "failed"]
    assert list(results(outcome).values()) == ["issued", "issued", "failed", "failed"]
    three = entries(csrs)[:1] + [{"email": f"p{index}@example.org", "pickup_password": "Pickup-Secret-5"}
                                 for index in range(4)]
    again = run(FakeBulkAPI(), tmp_path, three, batch_size=2)
    assert [batch["rows"] for batch in again.result["batches"]] == [[1, 2], [3, 4], [5]]


def test_zip_path_keeps_each_batch(api, tmp_path, csrs):
    keep = tmp_path / "keep"
    keep.mkdir()
    run(api, tmp_path, entries(csrs), batch_size=2, zip_path=str(keep / "upload.zip"))
    assert sorted(os.listdir(keep)) == ["upload-1.zip", "upload-2.zip"]


def test_enterprise_resolution(api, tmp_path, csrs):
    by_id = run(api, tmp_path, entries(csrs)[:1], enterprise=None, organization_id="org-1")
    assert not by_id.failed
    assert uploads(api)[0][2]["Value"] == "org-1"
    unknown = run(api, tmp_path, entries(csrs)[:1], enterprise="nowhere.example")
    assert unknown.failed
    assert "No enterprise of the account matches enterprise 'nowhere.example'" in unknown.result["msg"]
    assert "Example Lab (org-2: lab.example.net)" in unknown.result["msg"]


def test_passwords_never_returned(api, tmp_path, csrs):
    outcome = run(api, tmp_path, entries(csrs))
    text = json.dumps(outcome.result)
    for password in PASSWORDS.values():
        assert password not in text


def test_csv_path_passwords_are_no_log(api, tmp_path, monkeypatch):
    modules = []

    class RecordingModule(basic.AnsibleModule):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            modules.append(self)

    monkeypatch.setattr(harica_bulk_issue, "AnsibleModule", RecordingModule)
    source = tmp_path / "input"
    source.mkdir()
    csv_file = source / "people.csv"
    csv_file.write_text("Email,PickupPassword\r\nzoe@example.org,Pickup-Zoe-1234\r\n", encoding="utf-8")
    outcome = run(api, tmp_path, None, csv_path=str(csv_file))
    assert results(outcome) == {"zoe@example.org": "issued"}
    assert "Pickup-Zoe-1234" in modules[0].no_log_values
    # Ansible masks no_log values in every result before it leaves the module.
    masked = remove_values({"detail": "password Pickup-Zoe-1234"}, modules[0].no_log_values)
    assert "Pickup-Zoe-1234" not in json.dumps(masked)


@pytest.mark.parametrize(
    "answer, phrase",
    [
        ("rename:../../1.maria@example.org.p7b", "directory part"),
        ("rename:/tmp/1.maria@example.org.p7b", "absolute path"),
        ("symlink", "symbolic link"),
        ("stray_member", "contains 3 files for 2 rows"),
    ],
)
def test_unsafe_zip_writes_nothing(api, tmp_path, csrs, answer, phrase):
    api.answer = answer
    outcome = run(api, tmp_path, entries(csrs)[:2])
    assert outcome.failed
    assert phrase in outcome.result["msg"]
    written = os.listdir(tmp_path)
    assert all(name.endswith(".zip") for name in written)
    assert not os.path.exists("/tmp/1.maria@example.org.p7b")


def test_missing_dest_is_created_private(api, tmp_path, csrs):
    dest = tmp_path / "new" / "dir"
    check = run(api, dest, entries(csrs)[:1], _ansible_check_mode=True)
    assert check.result["changed"] is True
    assert not dest.exists()
    outcome = run(api, dest, entries(csrs)[:1])
    assert not outcome.failed, outcome.result
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o700


def test_check_mode_after_issue_changes_nothing(api, tmp_path, csrs):
    run(api, tmp_path, entries(csrs))
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    check = run(api, tmp_path, entries(csrs), _ansible_check_mode=True)
    assert not check.failed, check.result
    assert check.result["changed"] is False
    assert set(results(check).values()) == {"skipped"}
    assert check.result["msg"] == "Rows: 4 skipped."
    assert len(uploads(api)) == 1
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before


# Responses that are not a zip


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_login_error(api, tmp_path, csrs, status):
    api.answer = f"redirect:{status}"
    outcome = run(api, tmp_path, entries(csrs)[:2])
    assert outcome.failed
    assert outcome.result["changed"] is False
    assert "was redirected to the login page" in outcome.result["msg"]
    assert "needs the Enterprise Admin role" in outcome.result["msg"]
    assert set(results(outcome).values()) == {"failed"}
    assert len(uploads(api)) == 1
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("status, reason", [(403, "Forbidden"), (500, "Internal Server Error")])
def test_json_error_status_fails_batch(api, tmp_path, csrs, status, reason):
    api.answer = f"status:{status}"
    outcome = run(api, tmp_path, entries(csrs)[:2])
    assert outcome.failed
    assert outcome.result["changed"] is False
    assert f"POST /cm/v1/bulk/create/smime returned HTTP {status} {reason}" in outcome.result["msg"]
    assert f"Injected HTTP {status} error" in outcome.result["msg"]
    assert set(results(outcome).values()) == {"failed"}
    assert len(uploads(api)) == 1
    assert os.listdir(tmp_path) == []


def test_issued_then_502_settles(api, tmp_path, csrs):
    api.answer = "issued_status:502"
    outcome = run(api, tmp_path, entries(csrs))
    assert len(uploads(api)) == 1
    assert api.calls[-1][:2] == ("GET", VALID_LIST)
    assert results(outcome) == {
        "maria@example.org": "issued",
        "nikos@example.org": "undelivered",
        "kostas@example.org": "issued",
        "eleni@example.org": "undelivered",
    }
    assert outcome.result["changed"] is True
    assert (tmp_path / "kostas@example.org.smime.crt").exists()
    detail = outcome.result["entries"][0]["detail"]
    assert detail.startswith("Issued. Failed to upload bulk batch 1 (4 rows): POST /cm/v1/bulk/create/smime returned"
                             " HTTP 502 Bad Gateway")
    assert ".." not in detail


def test_lost_answer_for_generated_keys_is_changed(api, tmp_path, csrs):
    api.answer = "drop_after"
    outcome = run(api, tmp_path, [entries(csrs)[1], entries(csrs)[3]])
    assert set(results(outcome).values()) == {"undelivered"}
    assert outcome.result["changed"] is True


@pytest.fixture
def server():
    running = ScriptedServer()
    yield running
    running.stop()


def test_real_client_sends_upload_once_on_502(server, tmp_path, csrs):
    """The real client sends the multipart POST once when a 502 follows the issuance."""
    issuer = FakeBulkAPI()
    for index, email in enumerate(("maria@example.org", "nikos@example.org"), start=1):
        csr = csrs[email] if email == "maria@example.org" else ""
        issuer.issue(index, {"FriendlyName": email, "Email": email, "Email2": "", "Email3": "", "GivenName": "",
                             "Surname": "", "PickupPassword": "" if csr else PASSWORDS[email], "CSR": csr}, "smime")
    server.queue(
        json_answer(ENTERPRISES),
        json_answer([]),
        Answer(502, b"<html><body>Bad gateway</body></html>", {"Content-Type": "text/html"}),
        json_answer(list(issuer.certificates.values())),
    )
    client = HaricaClient(ClientSettings(api_url=server.url, api_key="bulk-test-key"), sleep=lambda seconds: None)
    rows = [{"email": "maria@example.org", "csr": csrs["maria@example.org"]},
            {"email": "nikos@example.org", "pickup_password": PASSWORDS["nikos@example.org"]}]
    outcome = run_module(harica_bulk_issue.main, {
        "api_key": "bulk-test-key", "api_url": server.url, "certificate_type": "smime", "enterprise": "example.org",
        "dest": str(tmp_path), "entries": rows, "settle_timeout": 0}, client)
    assert [(received.method, received.path) for received in server.received] == [
        ("GET", "/cm/v1/admin/enterprises"),
        ("GET", VALID_LIST),
        ("POST", "/cm/v1/bulk/create/smime"),
        ("GET", VALID_LIST),
    ]
    assert b'name="File"; filename="harica-bulk.csv"' in server.received[2].body
    assert results(outcome) == {"maria@example.org": "issued", "nikos@example.org": "undelivered"}
    assert "POST /cm/v1/bulk/create/smime returned HTTP 502 Bad Gateway" in outcome.result["entries"][0]["detail"]
    assert (tmp_path / "maria@example.org.smime.crt").exists()


def test_settle_read_failure_names_info_module(api, tmp_path, csrs):
    original = api.post

    def post_then_fail_reads(*args, **kwargs):
        api.fail_next("GET", VALID_LIST, HaricaServerError(
            f"Failed to list the valid certificates: GET {VALID_LIST} returned HTTP 503 Service Unavailable.",
            method="GET", path=VALID_LIST, status=503))
        return original(*args, **kwargs)

    api.post = post_then_fail_reads
    for answer in ("drop_after", "issued_status:502", "empty"):
        api.answer = answer
        outcome = run(api, tmp_path, entries(csrs)[:2], force=True)
        assert outcome.failed
        assert set(results(outcome).values()) == {"unknown"}
        message = outcome.result["msg"]
        assert "Reading the certificates again failed too: Failed to list the valid certificates" in message
        assert f"Check with {INFO_MODULE} which rows have a certificate before running the task again." in message
        assert ".." not in message
    assert len(uploads(api)) == 3


# Unreadable zips


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_unreadable_zip_keeps_zip(api, tmp_path, csrs, damage):
    change, phrase = DAMAGES[damage]
    api.answer = lambda members: change(make_zip(members))
    outcome = run(api, tmp_path, entries(csrs)[:2])
    assert outcome.failed
    assert phrase in outcome.result["msg"]
    assert set(results(outcome).values()) == {"unknown"}
    assert [batch["result"] for batch in outcome.result["batches"]] == ["unknown"]
    assert outcome.result["changed"] is True
    kept = kept_zips(tmp_path)
    assert len(kept) == 1
    assert stat.S_IMODE(os.stat(tmp_path / kept[0]).st_mode) == 0o600
    assert written_files(tmp_path) == []


def test_two_members_for_one_row_keep_zip(api, tmp_path, csrs):
    def duplicate_first(members):
        name, data = members[0]
        return make_zip([(name, data), (name.split(".", 1)[1], data)])

    api.answer = duplicate_first
    outcome = run(api, tmp_path, entries(csrs)[:2])
    assert outcome.failed
    assert "Two files of the zip match row 1" in outcome.result["msg"]
    assert set(results(outcome).values()) == {"unknown"}
    assert len(kept_zips(tmp_path)) == 1
    assert written_files(tmp_path) == []


# A later batch fails: the rows of the earlier batches are still reported


LATER_FAILURES = {
    "empty-zip": ("empty_zip", "unknown", ["issued", "undelivered"], "empty zip"),
    "json-error": ("json_error", "failed", ["failed", "failed"], "The CSV contains invalid rows"),
    "row-errors": ("row_errors", "failed", ["failed", "failed"], "HARICA rejected"),
    "redirect": ("redirect:308", "failed", ["failed", "failed"], "redirected to the login page"),
    "status-500": ("status:500", "unknown", ["failed", "failed"], "HTTP 500 Internal Server Error"),
    "issued-502": ("issued_status:502", "unknown", ["issued", "undelivered"], "HTTP 502 Bad Gateway"),
    "stray-member": ("stray_member", "unknown", ["unknown", "unknown"], "contains 3 files for 2 rows"),
    "bad-crc": (lambda members: DAMAGES["bad-crc"][0](make_zip(members)), "unknown", ["unknown", "unknown"],
                "Bad CRC-32"),
}


@pytest.mark.parametrize("failure", sorted(LATER_FAILURES))
def test_later_batch_failure_keeps_report(api, tmp_path, csrs, failure):
    answer, batch_result, later_results, phrase = LATER_FAILURES[failure]
    api.answers = [None, answer]
    rows = entries(csrs) + [{"email": "new@example.org", "csr": csrs["new@example.org"]}]
    outcome = run(api, tmp_path, rows, batch_size=2)
    assert outcome.failed
    assert outcome.result["changed"] is True
    assert [(batch["rows"], batch["result"]) for batch in outcome.result["batches"]] == [
        ([1, 2], "issued"), ([3, 4], batch_result)]
    assert list(results(outcome).values()) == ["issued", "issued", *later_results, "not_sent"]
    assert ", 1 not sent." in outcome.result["msg"]
    for entry in outcome.result["entries"][2:4]:
        assert phrase in entry["detail"]
    assert outcome.result["entries"][4]["detail"] == (
        f"Not sent, because batch 2 (rows 3 and 4) ended {batch_result}. The detail of those rows says why.")
    assert (tmp_path / "nikos@example.org.smime.p12").exists()
    assert len(uploads(api)) == 2


def test_later_batch_write_failure_keeps_zip(api, tmp_path, csrs):
    (tmp_path / "kostas@example.org.smime.crt").mkdir()
    outcome = run(api, tmp_path, entries(csrs), batch_size=2)
    assert outcome.failed
    assert outcome.result["changed"] is True
    assert [batch["result"] for batch in outcome.result["batches"]] == ["issued", "unknown"]
    assert list(results(outcome).values()) == ["issued", "issued", "unknown", "unknown"]
    assert "Writing the files of row 3 failed: Cannot read" in outcome.result["msg"]
    assert len(kept_zips(tmp_path)) == 1
    assert kept_zips(tmp_path)[0].endswith("-batch2.zip")


def test_zip_that_cannot_be_kept_still_reports(api, tmp_path, csrs):
    keep = tmp_path / "keep"
    keep.mkdir()
    # A directory where a zip must go makes keeping it fail after the upload.
    (keep / "upload-1.zip").mkdir()
    (keep / "upload-2.zip").mkdir()
    api.answers = [None, "stray_member"]
    outcome = run(api, tmp_path, entries(csrs), batch_size=2, zip_path=str(keep / "upload.zip"))
    assert outcome.failed
    assert outcome.result["changed"] is True
    assert [batch["result"] for batch in outcome.result["batches"]] == ["issued", "unknown"]
    assert list(results(outcome).values()) == ["issued", "issued", "unknown", "unknown"]
    detail = outcome.result["entries"][2]["detail"]
    assert "Batch 2 was uploaded, so HARICA may have issued its certificates." in detail
    assert INFO_MODULE in detail
    alone = run(FakeBulkAPI(), tmp_path, entries(csrs)[:2], zip_path=str(keep / "upload-1.zip"))
    assert alone.failed
    assert "zip_path" in alone.result["msg"]


def test_zip_path_checked_before_upload(api, tmp_path, csrs):
    outcome = run(api, tmp_path, entries(csrs)[:1], zip_path=str(tmp_path / "missing" / "upload.zip"))
    assert outcome.failed
    assert "is invalid: give a file path in an existing directory" in outcome.result["msg"]
    assert uploads(api) == []
