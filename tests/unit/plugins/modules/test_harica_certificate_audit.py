"""Tests of harica_certificate_audit against an in-memory API and loopback TLS servers."""

from __future__ import annotations

import datetime
import json
import socket

import pytest

from ansible_collections.harica.certmanager.plugins.modules import harica_certificate_audit
from ansible_collections.harica.certmanager.tests.unit.plugins.module_utils.test_audit_probe import Issuer, TLSServer
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI, raw_certificate
from ansible_collections.harica.certmanager.tests.unit.utils.module_runner import run_module

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
DAY = datetime.timedelta(days=1)


class World:
    """HARICA's records in a fake API and one loopback TLS server per served certificate."""

    def __init__(self, tmp_path):
        issuer = Issuer("Audit Module CA")
        self.older = issuer.issue(["older.example.org"], serial=0x1001, not_before=NOW - 90 * DAY, not_after=NOW + 100 * DAY)
        self.newer = issuer.issue(["older.example.org"], serial=0x1002, not_before=NOW - 2 * DAY, not_after=NOW + 190 * DAY)
        self.correct = issuer.issue(["correct.example.org"], serial=0x1003, not_before=NOW - DAY, not_after=NOW + 199 * DAY)
        self.revoked = issuer.issue(["revoked.example.org"], serial=0x1004, not_before=NOW - DAY, not_after=NOW + 199 * DAY)
        self.replacement = issuer.issue(
            ["revoked.example.org"], serial=0x1006, not_before=NOW - 60 * DAY, not_after=NOW + 139 * DAY
        )
        self.down = issuer.issue(["down.example.org"], serial=0x1005, not_before=NOW - DAY, not_after=NOW + 199 * DAY)
        self.api = FakeCertificateAPI(
            *[
                raw_certificate(format(issued.serial, "X"), [], certificate=issued.certificate_pem, revoked=issued is self.revoked)
                for issued in (self.older, self.newer, self.correct, self.revoked, self.replacement, self.down)
            ]
        )
        self.servers = {
            "correct.example.org": TLSServer(self.correct, tmp_path),
            "older.example.org": TLSServer(self.older, tmp_path),
            "revoked.example.org": TLSServer(self.revoked, tmp_path),
        }

    def services(self, closed_port):
        entries = [
            {"name": name, "port": server.port, "address": "127.0.0.1"} for name, server in self.servers.items()
        ]
        entries.append({"name": "down.example.org", "port": closed_port, "address": "127.0.0.1"})
        return entries

    def stop(self):
        for server in self.servers.values():
            server.stop()


@pytest.fixture
def closed_port():
    """Return a loopback port where nothing listens."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        return reserved.getsockname()[1]


@pytest.fixture
def world(tmp_path):
    running = World(tmp_path)
    yield running
    running.stop()


def audit(api, **args):
    args = {"api_key": "audit-test-key", "api_url": "https://cm.example.test", "probe_timeout": 5, **args}
    return run_module(harica_certificate_audit.main, args, api)


def findings_by_name(result):
    return {entry["name"]: [finding["code"] for finding in entry["findings"]] for entry in result["services"]}


def test_audit_four_services(world, closed_port):
    outcome = audit(world.api, services=world.services(closed_port))
    assert not outcome.failed, outcome.result
    assert outcome.result["changed"] is False
    assert findings_by_name(outcome.result) == {
        "correct.example.org": [],
        "down.example.org": ["unreachable"],
        "older.example.org": ["not_newest"],
        "revoked.example.org": ["revoked"],
    }
    assert outcome.result["findings_count"] == 3


def test_audit_names_newer_serial(world, closed_port):
    outcome = audit(world.api, services=world.services(closed_port))
    older = next(entry for entry in outcome.result["services"] if entry["name"] == "older.example.org")
    assert older["findings"][0]["newer_serial_number"] == "1002"
    assert older["expected_serial"] == "1002"
    assert [record["serial_number"] for record in older["superseded"]] == ["1001"]
    assert older["served"]["serial_number"] == "1001"


def test_audit_sends_service_names_as_sni(world, closed_port):
    audit(world.api, services=world.services(closed_port))
    for name, server in world.servers.items():
        assert server.server_names == [name]


def test_audit_reads_certificates_once(world, closed_port):
    audit(world.api, services=world.services(closed_port))
    assert [call[1] for call in world.api.calls] == ["/cm/v1/admin/certificates"]


def test_audit_output_is_sorted(world, closed_port):
    services = list(reversed(world.services(closed_port)))
    outcome = audit(world.api, services=services)
    names = [entry["name"] for entry in outcome.result["services"]]
    assert names == sorted(names)


def test_audit_rerun_gives_same_result(world, closed_port):
    first = audit(world.api, services=world.services(closed_port)).result
    second = audit(world.api, services=world.services(closed_port)).result
    assert json.dumps(first["report"], sort_keys=True) == json.dumps(second["report"], sort_keys=True)


def test_audit_check_mode_probes(world, closed_port):
    outcome = audit(world.api, services=world.services(closed_port), _ansible_check_mode=True)
    assert not outcome.failed, outcome.result
    assert outcome.result["findings_count"] == 3


def test_audit_default_port_and_address():
    # localhost resolves on the machine itself, so the probe stays on loopback.
    outcome = audit(FakeCertificateAPI(), services=[{"name": "LocalHost."}], probe_timeout=2)
    assert not outcome.failed, outcome.result
    entry = outcome.result["services"][0]
    assert (entry["name"], entry["port"], entry["address"]) == ("localhost", 443, "localhost")
    assert [finding["code"] for finding in entry["findings"]] == ["unreachable", "no_harica_certificate"]


def test_audit_rejects_bad_timeout():
    outcome = audit(FakeCertificateAPI(), services=[{"name": "a.example.org"}], probe_timeout=0)
    assert outcome.failed
    assert "probe_timeout 0.0 is invalid" in outcome.result["msg"]


def test_audit_rejects_duplicate_service():
    api = FakeCertificateAPI()
    outcome = audit(api, services=[{"name": "a.example.org"}, {"name": "A.example.org."}])
    assert outcome.failed
    assert "more than once" in outcome.result["msg"]
    assert api.calls == []


def test_audit_requires_services():
    outcome = audit(FakeCertificateAPI())
    assert outcome.failed
    assert "services" in outcome.result["msg"]
