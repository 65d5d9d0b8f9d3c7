"""Tests of harica_certificate_info run in-process against an in-memory API."""

from __future__ import annotations

import pytest

from ansible_collections.harica.certmanager.plugins.modules import harica_certificate_info
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI, raw_certificate
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module


@pytest.fixture
def api():
    return FakeCertificateAPI(
        raw_certificate("A1", ["app.example.org"]),
        raw_certificate("B2", ["soon.example.org"], valid_to="2026-12-20T00:00:00"),
        raw_certificate("C3", ["gone.example.org"], revoked=True),
        raw_certificate("D4", [], certificateType="S/MIME", sANS="RFC822 Name=maria@example.org"),
    )


def serials(api, **args):
    args = {"api_key": "info-test-key", "api_url": "https://cm.example.test", **args}
    outcome = run_module(harica_certificate_info.main, args, api)
    assert not outcome.failed, outcome.result
    assert outcome.result["changed"] is False
    return [record["serial_number"] for record in outcome.result["certificates"]], outcome.result


def test_all_in_one_call(api):
    found, _result = serials(api)
    assert found == ["A1", "B2", "C3", "D4"]
    assert [call[1] for call in api.calls] == ["/cm/v1/admin/certificates"]


def test_status_uses_list_path(api):
    found, _result = serials(api, status="revoked")
    assert found == ["C3"]
    assert api.calls[0][1] == "/cm/v1/admin/certificates/list/revoked"


def test_serials_and_not_found(api):
    found, result = serials(api, serial_numbers=["a1", "0xFFFF"])
    assert found == ["A1"]
    assert result["not_found"] == ["FFFF"]


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"hostnames": ["APP.example.org."]}, ["A1"]),
        ({"emails": ["Maria@example.org"]}, ["D4"]),
        ({"certificate_types": ["smime"]}, ["D4"]),
        ({"expires_within_days": 30}, ["B2"]),
        ({"status": "valid", "certificate_types": ["ssl"]}, ["A1", "B2"]),
    ],
)
def test_filters(api, args, expected):
    assert serials(api, **args)[0] == expected


def test_check_mode_reads(api):
    found, _result = serials(api, _ansible_check_mode=True)
    assert len(found) == 4
