"""Tests of harica_ssl_request run in-process against an in-memory API."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils import _client
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaConnectionError
from ansible_collections.harica.certmanager.plugins.modules import harica_ssl_request
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import make_chain, openssl_bundle
from ansible_collections.harica.certmanager.tests.unit.utils.fake_api import FakeApprovalAPI, raw_request
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module

KEY = "module-test-key-91c3"
ACCEPT = "/cm/v1/enterprise/accept/ssl"
TID = "0b7e4d0c-1111-4222-8333-444455556666"


@pytest.fixture(scope="module")
def chain():
    return make_chain(("app.example.org",))


@pytest.fixture
def api(chain):
    return FakeApprovalAPI(
        raw_request(TID, "Pending"),
        certificate={"certificate": chain.leaf_pem, "pemBundle": openssl_bundle(chain)},
    )


def run(api, **args):
    args = {"api_key": KEY, "api_url": "https://cm.example.test", **args}
    return run_module(harica_ssl_request.main, args, api)


def file_paths(tmp_path):
    return {
        "certificate_path": str(tmp_path / "app.crt"),
        "chain_path": str(tmp_path / "app.chain.crt"),
        "fullchain_path": str(tmp_path / "app.fullchain.crt"),
    }


# Accepting


def test_accept_writes_files(api, chain, tmp_path):
    paths = file_paths(tmp_path)
    outcome = run(api, transaction_id=TID, mode="0640", **paths)
    assert not outcome.failed, outcome.result
    assert outcome.result["changed"] is True
    assert outcome.result["result"] == "accepted"
    assert outcome.result["request"]["status"] == "completed"
    assert outcome.result["certificate"] == chain.leaf_pem
    assert len(api.posts) == 1
    assert open(paths["certificate_path"]).read() == chain.leaf_pem
    assert open(paths["chain_path"]).read() == chain.ca_pem
    assert open(paths["fullchain_path"]).read() == chain.leaf_pem + chain.ca_pem
    assert stat.S_IMODE(os.stat(paths["certificate_path"]).st_mode) == 0o640
    assert [item["changed"] for item in outcome.result["files"]] == [True, True, True]


def test_rerun_changes_nothing(api, tmp_path):
    paths = file_paths(tmp_path)
    run(api, transaction_id=TID, **paths)
    stamps = {path: os.stat(path).st_mtime_ns for path in paths.values()}
    api.calls.clear()
    outcome = run(api, transaction_id=TID, **paths)
    assert outcome.result["changed"] is False
    assert outcome.result["result"] == "already_accepted"
    assert api.posts == []
    assert stamps == {path: os.stat(path).st_mtime_ns for path in paths.values()}


def test_rerun_restores_edited_file_with_backup(api, chain, tmp_path):
    paths = file_paths(tmp_path)
    run(api, transaction_id=TID, **paths)
    with open(paths["certificate_path"], "w") as handle:
        handle.write("edited\n")
    outcome = run(api, transaction_id=TID, backup=True, **paths)
    assert outcome.result["changed"] is True
    assert api.posts[1:] == []
    assert open(paths["certificate_path"]).read() == chain.leaf_pem
    backup = outcome.result["files"][0]["backup_file"]
    assert open(backup).read() == "edited\n"


def test_accept_by_domains(api):
    outcome = run(api, domains=["APP.example.org."])
    assert outcome.result["result"] == "accepted"
    assert outcome.result["request"]["transaction_id"] == TID


def test_accept_finds_nothing(api):
    outcome = run(api, domains=["other.example.org"])
    assert outcome.failed
    assert "No pending, ready or completed SSL request matches the names ['other.example.org']" in outcome.result["msg"]
    assert api.posts == []


def test_accept_without_pem_succeeds(chain, tmp_path):
    api = FakeApprovalAPI(raw_request(TID, "Pending"))
    outcome = run(api, transaction_id=TID, certificate_path=str(tmp_path / "x.crt"))
    assert not outcome.failed
    assert outcome.result["certificate"] is None
    assert "no certificate PEM" in outcome.result["msg"]
    assert not (tmp_path / "x.crt").exists()


# Check mode and diff mode


def test_check_mode_predicts_accept(api, tmp_path):
    paths = file_paths(tmp_path)
    outcome = run(api, transaction_id=TID, _ansible_check_mode=True, _ansible_diff=True, **paths)
    assert outcome.result["changed"] is True
    assert outcome.result["result"] == "accepted"
    assert api.posts == []
    assert outcome.result["diff"][0]["before"]["status"] == "pending"
    assert outcome.result["diff"][0]["after"]["status"] == "ready"
    assert "its status would then be ready" in outcome.result["msg"]
    assert not os.path.exists(paths["certificate_path"])


@pytest.mark.parametrize("status, state", [("Completed", "accepted"), ("Ready", "accepted"), ("Cancelled", "cancelled")])
def test_check_mode_no_change(chain, status, state):
    api = FakeApprovalAPI(raw_request(TID, status))
    outcome = run(api, transaction_id=TID, state=state, _ansible_check_mode=True)
    assert outcome.result["changed"] is False
    assert api.posts == []


def test_check_mode_predicts_file_change(api, chain, tmp_path):
    paths = file_paths(tmp_path)
    run(api, transaction_id=TID, **paths)
    os.unlink(paths["chain_path"])
    outcome = run(api, transaction_id=TID, _ansible_check_mode=True, **paths)
    assert outcome.result["changed"] is True
    assert not os.path.exists(paths["chain_path"])


# High-risk hold and waiting


def test_held_request_is_not_accepted_again():
    api = FakeApprovalAPI(raw_request(TID, "Pending", isHighRisk=True))
    first = run(api, transaction_id=TID)
    assert first.result["changed"] is True
    assert first.result["request"]["status"] == "pending"
    for check_mode in (False, True):
        again = run(api, transaction_id=TID, _ansible_check_mode=check_mode)
        assert again.result["changed"] is False
        assert again.result["result"] == "held"
    assert len(api.posts) == 1


def test_wait_fails_for_held_request():
    api = FakeApprovalAPI(raw_request(TID, "Pending", isHighRisk=True))
    outcome = run(api, transaction_id=TID, wait=True)
    assert outcome.failed
    assert outcome.result["changed"] is True
    assert "held for HARICA's own review" in outcome.result["msg"]


def test_wait_timeout_reports_change_once():
    api = FakeApprovalAPI(raw_request(TID, "Pending"))
    api.complete_on_accept = False
    first = run(api, transaction_id=TID, wait=True, wait_timeout=0)
    assert first.failed
    assert first.result["changed"] is True
    assert "approved, waiting for issuance" in first.result["msg"]
    second = run(api, transaction_id=TID, wait=True, wait_timeout=0)
    assert second.failed
    assert second.result["changed"] is False
    assert len(api.posts) == 1


# Cancelling


def test_cancel_then_rerun(api):
    first = run(api, transaction_id=TID, state="cancelled", comment="not needed", inform_user=False)
    assert first.result["changed"] is True
    assert api.posts[0][2] == {"TransactionId": TID, "Message": "not needed", "InformUser": False}
    second = run(api, transaction_id=TID, state="cancelled")
    assert second.result["changed"] is False
    assert second.result["result"] == "already_cancelled"
    assert len(api.posts) == 1


def test_cancel_issued_request_fails(api):
    run(api, transaction_id=TID)
    outcome = run(api, transaction_id=TID, state="cancelled")
    assert outcome.failed
    assert "an issued request cannot be cancelled. Revoke the certificate instead." in outcome.result["msg"]
    assert outcome.result.get("changed", False) is False


def test_cancel_nothing_found_warns(api):
    outcome = run(api, transaction_id="missing", state="cancelled")
    assert not outcome.failed
    assert outcome.result["result"] == "not_found"
    assert outcome.result["changed"] is False


def test_accept_cancelled_fails(api):
    run(api, transaction_id=TID, state="cancelled")
    outcome = run(api, transaction_id=TID)
    assert outcome.failed
    assert "cancelled request cannot be accepted" in outcome.result["msg"]


# Unknown outcomes


def test_dropped_accept_that_took_effect(api):
    dropped = HaricaConnectionError("Failed to accept: dropped.", method="POST", path=ACCEPT, outcome_unknown=True)
    api.fail_next("POST", ACCEPT, dropped, apply_first=True)
    outcome = run(api, transaction_id=TID)
    assert not outcome.failed
    assert outcome.result["changed"] is True
    assert len(api.posts) == 1


# Options and environment


def test_invalid_wait_interval(api):
    outcome = run(api, transaction_id=TID, wait_interval=0)
    assert outcome.failed
    assert "wait_interval 0 is invalid" in outcome.result["msg"]


def test_files_need_state_accepted(api, tmp_path):
    outcome = run(api, transaction_id=TID, state="cancelled", certificate_path=str(tmp_path / "c.crt"))
    assert outcome.failed
    assert "certificate_path can only be used with state=accepted" in outcome.result["msg"]
    assert api.calls == []


def test_missing_directory_is_reported(api, tmp_path):
    outcome = run(api, transaction_id=TID, certificate_path=str(tmp_path / "absent" / "c.crt"))
    assert outcome.failed
    assert "does not exist" in outcome.result["msg"]


def test_environment_fallbacks(api, monkeypatch):
    monkeypatch.setenv("HARICA_API_URL", "https://cm-stg.example.test")
    monkeypatch.setenv("HARICA_API_KEY", "from-environment")
    outcome = run_module(harica_ssl_request.main, {"transaction_id": TID}, api)
    assert outcome.result["_settings"].api_url == "https://cm-stg.example.test"
    assert outcome.result["_settings"].api_key == "from-environment"


def test_explicit_options_win_over_environment(api, monkeypatch):
    monkeypatch.setenv("HARICA_API_URL", "https://cm-stg.example.test")
    outcome = run(api, transaction_id=TID)
    assert outcome.result["_settings"].api_url == "https://cm.example.test"


def test_missing_requests_library(api, monkeypatch):
    monkeypatch.setattr(_client, "HAS_REQUESTS", False)
    outcome = run(api, transaction_id=TID)
    assert outcome.failed
    assert "Failed to import the required Python library (requests)" in outcome.result["msg"]


def test_selection_is_required(api):
    outcome = run(api)
    assert outcome.failed
    assert "one of the following is required: transaction_id, domains" in outcome.result["msg"]


def test_validate_certs_false_warns(api):
    outcome = run(api, transaction_id=TID, validate_certs=False)
    assert not outcome.failed
    assert any("validate_certs is false" in warning for warning in outcome.result.get("warnings", []))


def test_diff_shows_changed_file(api, chain, tmp_path):
    paths = file_paths(tmp_path)
    run(api, transaction_id=TID, **paths)
    with open(paths["certificate_path"], "w") as handle:
        handle.write("junk\n")
    outcome = run(api, transaction_id=TID, _ansible_check_mode=True, _ansible_diff=True, **paths)
    assert outcome.result["changed"] is True
    file_diffs = outcome.result["diff"][1:]
    assert [entry["before_header"] for entry in file_diffs] == [paths["certificate_path"]]
    assert file_diffs[0]["before"] == "junk\n"
    assert file_diffs[0]["after"] == chain.leaf_pem
    assert all("diff" not in item for item in outcome.result["files"])


def test_accept_names_cancelled_match(api):
    run(api, transaction_id=TID, state="cancelled")
    outcome = run(api, domains=["app.example.org"])
    assert outcome.failed
    assert f"The cancelled request {TID} has these names" in outcome.result["msg"]


@pytest.mark.parametrize(
    "url, warned",
    [("http://cm.example.test", True), ("http://127.0.0.1:8080", False), ("https://cm.example.test", False)],
)
def test_plain_http_warning(api, url, warned):
    outcome = run(api, transaction_id=TID, api_url=url)
    assert any("plain HTTP" in warning for warning in outcome.result["warnings"]) is warned
