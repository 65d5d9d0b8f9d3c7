"""Tests of harica_api_check run in-process, with one in-memory API per key."""

from __future__ import annotations

import json
from unittest import mock

import pytest
import yaml

from ansible_collections.harica.certmanager.plugins.module_utils import _api_check
from ansible_collections.harica.certmanager.plugins.modules import harica_api_check
from ansible_collections.harica.certmanager.tests.unit.plugins.module_utils.test_api_check import account
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module

KEYS = {
    "admin": "admin-module-key-51f0",
    "ssl": "ssl-module-key-8c2e",
    "smime": "smime-module-key-03ad",
    "clientauth": "clientauth-module-key-77b9",
}
OPTIONS = {
    "admin": "admin_key",
    "ssl": "ssl_approver_key",
    "smime": "smime_approver_key",
    "clientauth": "clientauth_approver_key",
}


@pytest.fixture(autouse=True)
def no_key_variables(monkeypatch):
    for variable in ("HARICA_ADMIN_KEY", "HARICA_SSL_APPROVER_KEY", "HARICA_SMIME_APPROVER_KEY",
                     "HARICA_CLIENTAUTH_APPROVER_KEY", "HARICA_API_KEY", "HARICA_API_URL"):
        monkeypatch.delenv(variable, raising=False)


def run_check(args, apis):
    """Run the module with the fakes of ``apis``, each reached with the key of its role."""
    by_key = {KEYS[name]: api for name, api in apis.items()}
    opened = []

    def open_client(settings, log):
        opened.append(settings)
        return by_key[settings.api_key]

    with mock.patch.object(_api_check, "open_client", open_client):
        outcome = run_module(harica_api_check.main, {"api_url": "https://cm.example.test", **args}, client=None)
    return outcome, opened


def every_key():
    return {OPTIONS[name]: key for name, key in KEYS.items()}


def test_every_key_reports_every_check():
    apis = account()
    outcome, opened = run_check(every_key(), apis)
    assert not outcome.failed, outcome.result
    result = outcome.result
    assert result["changed"] is False
    assert result["summary"] == {"held": 37, "differs": 0, "not_checked": 1, "total": 38}
    assert len(result["checks"]) == 38
    assert result["api_url"] == "https://cm.example.test"
    assert len(opened) == 4


def test_result_never_contains_key():
    outcome, _opened = run_check(every_key(), account())
    text = json.dumps(outcome.result, default=str)
    for key in KEYS.values():
        assert key not in text
    assert "BEGIN CERTIFICATE" not in text


def test_only_gets_sent():
    apis = account()
    run_check(every_key(), apis)
    for api in apis.values():
        assert api.posts == []
        assert api.gets


def test_keys_from_environment(monkeypatch):
    monkeypatch.setenv("HARICA_SSL_APPROVER_KEY", KEYS["ssl"])
    apis = account(admin=None, smime=None, clientauth=None)
    outcome, opened = run_check({}, apis)
    assert not outcome.failed, outcome.result
    assert [settings.api_key for settings in opened] == [KEYS["ssl"]]
    roles = {entry["role"] for entry in outcome.result["checks"] if entry["status"] == "held"}
    assert "Enterprise Admin" not in roles


def test_option_wins_over_environment(monkeypatch):
    monkeypatch.setenv("HARICA_ADMIN_KEY", "environment-admin-key")
    apis = account(ssl=None, smime=None, clientauth=None)
    _outcome, opened = run_check({"admin_key": KEYS["admin"]}, apis)
    assert [settings.api_key for settings in opened] == [KEYS["admin"]]


def test_no_key_fails():
    outcome, opened = run_check({}, {})
    assert outcome.failed
    assert "one of the following is required" in outcome.result["msg"]
    assert "admin_key" in outcome.result["msg"]
    assert opened == []


def test_blank_key_fails():
    outcome, _opened = run_check({"admin_key": "   "}, {})
    assert outcome.failed
    assert "No API key was given" in outcome.result["msg"]


def test_group_api_key_is_ignored():
    """module_defaults of the action group set api_key; the module accepts and ignores it."""
    outcome, _opened = run_check({"api_key": "group-default-key", "admin_key": KEYS["admin"]},
                                 account(ssl=None, smime=None, clientauth=None))
    assert not outcome.failed
    assert "group-default-key" not in str(outcome.result)


def test_check_mode_same_result():
    apis = account()
    outcome, _opened = run_check({**every_key(), "_ansible_check_mode": True}, apis)
    assert not outcome.failed
    assert outcome.result["changed"] is False
    assert outcome.result["summary"]["total"] == 38


def test_plain_http_warns():
    apis = account(ssl=None, smime=None, clientauth=None)
    outcome, _opened = run_check({"api_url": "http://cm.example.test", "admin_key": KEYS["admin"]}, apis)
    assert any("plain HTTP" in warning for warning in outcome.result["warnings"])


def test_validate_certs_off_warns():
    apis = account(ssl=None, smime=None, clientauth=None)
    outcome, _opened = run_check({"validate_certs": False, "admin_key": KEYS["admin"]}, apis)
    assert any("validate_certs is false" in warning for warning in outcome.result["warnings"])


def test_invalid_timeout_fails():
    outcome, opened = run_check({"timeout": -5, "admin_key": KEYS["admin"]}, {})
    assert outcome.failed
    assert "timeout -5 is invalid" in outcome.result["msg"]
    assert opened == []


def test_argument_spec_replaces_api_key():
    spec = harica_api_check.argument_spec()
    assert spec["api_key"] == {"type": "str", "no_log": True}
    for name, option in OPTIONS.items():
        assert spec[option]["no_log"] is True
        assert spec[option]["fallback"][1] == [f"HARICA_{option.upper()}"]


def test_documentation_matches_argument_spec():
    documented = yaml.safe_load(harica_api_check.DOCUMENTATION)["options"]
    spec = harica_api_check.argument_spec()
    assert set(documented) == set(spec)
    for name, option in spec.items():
        assert documented[name]["type"] == option["type"], name
        assert documented[name].get("default") == option.get("default"), name
        variable = option.get("fallback", (None, [None]))[1][0]
        if variable:
            assert f"E({variable})" in " ".join(documented[name]["description"]), name
