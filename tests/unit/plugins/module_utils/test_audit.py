"""Tests of the audit comparison and report on in-memory certificates."""

from __future__ import annotations

import datetime
import random

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._audit import (
    FINDING_CODES,
    Service,
    audit,
    audit_service,
    parse_services,
    served_certificate,
)
from ansible_collections.harica.certmanager.plugins.module_utils._audit_probe import ProbeResult
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import normalize_certificate
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.tests.unit.plugins.module_utils.test_audit_probe import Issuer

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def issuer():
    return Issuer("Audit Unit CA")


def issue(issuer, names, serial, *, start_days=-30, end_days=150):
    return issuer.issue(names, serial=serial, not_before=NOW + start_days * DAY, not_after=NOW + end_days * DAY)


def harica(issued, *, revoked=False):
    """Return HARICA's normalised record of an issued certificate."""
    raw = {"serial": format(issued.serial, "X"), "certificate": issued.certificate_pem, "isRevoked": revoked}
    if revoked:
        raw["revokedAt"] = "2026-12-01T08:00:00"
    return normalize_certificate(raw, now=NOW)


def run(service_name, served, records, *, match_wildcards=True):
    probe_result = ProbeResult(served.der, None) if served is not None else ProbeResult(None, "Connection refused")
    service = Service(service_name, 443, service_name)
    return audit_service(service, probe_result, records, now=NOW, match_wildcards=match_wildcards)


def codes(entry):
    return [finding["code"] for finding in entry["findings"]]


def test_served_expected_has_no_finding(issuer):
    newest = issue(issuer, ["www.example.org"], 0x20)
    entry = run("www.example.org", newest, [harica(newest)])
    assert codes(entry) == []
    assert entry["expected_serial"] == "20"
    assert entry["served"]["serial_number"] == "20"
    assert entry["served"]["from_harica"] is True
    assert entry["superseded"] == []


def test_older_served_is_not_newest(issuer):
    older = issue(issuer, ["www.example.org"], 0x10, start_days=-90)
    newest = issue(issuer, ["www.example.org"], 0x20, start_days=-5)
    entry = run("www.example.org", older, [harica(older), harica(newest)])
    assert codes(entry) == ["not_newest"]
    assert entry["findings"][0]["newer_serial_number"] == "20"
    assert "20" in entry["findings"][0]["message"]
    assert entry["expected_serial"] == "20"
    assert [record["serial_number"] for record in entry["superseded"]] == ["10"]


def test_superseded_listed_when_newest_served(issuer):
    older = issue(issuer, ["www.example.org"], 0x10, start_days=-90)
    newest = issue(issuer, ["www.example.org"], 0x20, start_days=-5)
    entry = run("www.example.org", newest, [harica(older), harica(newest)])
    assert codes(entry) == []
    assert [record["serial_number"] for record in entry["superseded"]] == ["10"]


def test_same_start_higher_serial_is_expected(issuer):
    low = issue(issuer, ["www.example.org"], 0x10)
    high = issue(issuer, ["www.example.org"], 0x11)
    entry = run("www.example.org", low, [harica(high), harica(low)])
    assert entry["expected_serial"] == "11"
    assert codes(entry) == ["not_newest"]


def test_revoked_served(issuer):
    revoked = issue(issuer, ["www.example.org"], 0x30, start_days=-2)
    valid = issue(issuer, ["www.example.org"], 0x20, start_days=-10)
    entry = run("www.example.org", revoked, [harica(revoked, revoked=True), harica(valid)])
    assert codes(entry) == ["revoked"]
    assert entry["served"]["status"] == "revoked"
    assert entry["expected_serial"] == "20"
    assert "2026-12-01T08:00:00Z" in entry["findings"][0]["message"]


def test_revoked_only_certificate(issuer):
    revoked = issue(issuer, ["www.example.org"], 0x30)
    entry = run("www.example.org", revoked, [harica(revoked, revoked=True)])
    assert codes(entry) == ["revoked", "no_harica_certificate"]
    assert entry["expected_serial"] is None
    assert entry["harica_serials"] == ["30"]


def test_expired_served(issuer):
    expired = issue(issuer, ["www.example.org"], 0x40, start_days=-400, end_days=-1)
    valid = issue(issuer, ["www.example.org"], 0x41, start_days=-3)
    entry = run("www.example.org", expired, [harica(expired), harica(valid)])
    assert codes(entry) == ["expired"]
    assert entry["served"]["status"] == "expired"


def test_unknown_served_certificate(issuer):
    foreign = Issuer("Another CA").issue(["www.example.org"], serial=0x99, not_before=NOW - DAY, not_after=NOW + DAY)
    valid = issue(issuer, ["www.example.org"], 0x20)
    entry = run("www.example.org", foreign, [harica(valid)])
    assert codes(entry) == ["not_from_harica"]
    assert entry["served"]["from_harica"] is False
    assert "CN=Another CA" in entry["findings"][0]["message"]


def test_unknown_expired_served_certificate(issuer):
    foreign = Issuer("Another CA").issue(["www.example.org"], serial=0x98, not_before=NOW - 9 * DAY, not_after=NOW - DAY)
    entry = run("www.example.org", foreign, [])
    assert codes(entry) == ["not_from_harica", "expired", "no_harica_certificate"]


def test_served_for_other_name(issuer):
    other = issue(issuer, ["api.example.org"], 0x50)
    valid = issue(issuer, ["www.example.org"], 0x20)
    entry = run("www.example.org", other, [harica(other), harica(valid)])
    assert codes(entry) == ["name_mismatch"]
    assert "api.example.org" in entry["findings"][0]["message"]


@pytest.mark.parametrize("match_wildcards, expected", [(True, []), (False, ["name_mismatch", "no_harica_certificate"])])
def test_served_wildcard(issuer, match_wildcards, expected):
    wildcard = issue(issuer, ["*.example.org"], 0x60)
    entry = run("www.example.org", wildcard, [harica(wildcard)], match_wildcards=match_wildcards)
    assert codes(entry) == expected


def test_unreachable_service(issuer):
    valid = issue(issuer, ["www.example.org"], 0x20)
    entry = run("www.example.org", None, [harica(valid)])
    assert codes(entry) == ["unreachable"]
    assert entry["findings"][0]["error"] == "Connection refused"
    assert entry["served"] is None
    assert entry["expected_serial"] == "20"


def test_unreachable_without_certificate():
    entry = run("www.example.org", None, [])
    assert codes(entry) == ["unreachable", "no_harica_certificate"]


def test_expired_and_revoked_records_not_expected(issuer):
    expired = issue(issuer, ["www.example.org"], 0x70, start_days=-400, end_days=-10)
    revoked = issue(issuer, ["www.example.org"], 0x71, start_days=-1)
    valid = issue(issuer, ["www.example.org"], 0x72, start_days=-50)
    entry = run("www.example.org", valid, [harica(expired), harica(revoked, revoked=True), harica(valid)])
    assert codes(entry) == []
    assert entry["expected_serial"] == "72"
    assert entry["superseded"] == []
    assert entry["harica_serials"] == ["71", "72", "70"]


def test_served_certificate_normalised(issuer):
    issued = issue(issuer, ["WWW.Example.org"], 0x00AB)
    record = served_certificate(issued.der, now=NOW)
    assert record["serial_number"] == "AB"
    assert record["dns_names"] == ["www.example.org"]
    assert record["not_after"] == "2027-05-03T12:00:00Z"


def test_parse_services_defaults_and_order():
    services = parse_services(
        [
            {"name": "WWW.example.org.", "port": None, "address": None},
            {"name": "api.example.org", "port": 8443, "address": "192.0.2.10"},
        ]
    )
    assert services == [
        Service("api.example.org", 8443, "192.0.2.10"),
        Service("www.example.org", 443, "www.example.org"),
    ]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": ""}, "services[0].name"),
        ({"name": 5}, "services[0].name"),
        ({"name": "*.example.org"}, "wildcard"),
        ({"name": "a.example.org", "port": 0}, "port 0 is invalid"),
        ({"name": "a.example.org", "port": 70000}, "port 70000 is invalid"),
        ({"name": "a.example.org", "address": " "}, "address"),
    ],
)
def test_parse_services_rejects(entry, message):
    with pytest.raises(HaricaInputError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")):
        parse_services([entry])


def test_parse_services_rejects_duplicates():
    with pytest.raises(HaricaInputError, match="more than once"):
        parse_services([{"name": "a.example.org"}, {"name": "A.example.org", "port": 443}])


def make_world(issuer):
    older = issue(issuer, ["older.example.org"], 0x101, start_days=-90)
    newer = issue(issuer, ["older.example.org"], 0x102, start_days=-5)
    correct = issue(issuer, ["correct.example.org"], 0x103)
    revoked = issue(issuer, ["revoked.example.org"], 0x104)
    replacement = issue(issuer, ["revoked.example.org"], 0x106, start_days=-60)
    down = issue(issuer, ["down.example.org"], 0x105)
    records = [
        harica(older),
        harica(newer),
        harica(correct),
        harica(revoked, revoked=True),
        harica(replacement),
        harica(down),
    ]
    services = [
        Service("correct.example.org", 443, "127.0.0.1"),
        Service("down.example.org", 443, "127.0.0.1"),
        Service("older.example.org", 443, "127.0.0.1"),
        Service("revoked.example.org", 443, "127.0.0.1"),
    ]
    results = [
        ProbeResult(correct.der, None),
        ProbeResult(None, "Connection refused"),
        ProbeResult(older.der, None),
        ProbeResult(revoked.der, None),
    ]
    return services, results, records


def test_report_findings_and_counts(issuer):
    services, results, records = make_world(issuer)
    outcome = audit(services, results, records, now=NOW, match_wildcards=True)
    report = outcome["report"]
    assert outcome["findings_count"] == 3
    assert report["findings_count"] == 3
    assert [(finding["name"], finding["code"]) for finding in report["findings"]] == [
        ("down.example.org", "unreachable"),
        ("older.example.org", "not_newest"),
        ("revoked.example.org", "revoked"),
    ]
    assert report["finding_counts"] == {code: 0 for code in FINDING_CODES} | {"unreachable": 1, "not_newest": 1, "revoked": 1}
    assert report["services"] == outcome["services"]


def test_report_one_chart_entry_per_certificate(issuer):
    services, results, records = make_world(issuer)
    chart = audit(services, results, records, now=NOW, match_wildcards=True)["report"]["certificates"]
    assert sorted(item["serial_number"] for item in chart) == ["101", "102", "103", "104", "105", "106"]
    by_serial = {item["serial_number"]: item for item in chart}
    assert by_serial["101"]["served_by"] == ["older.example.org:443"]
    assert by_serial["101"]["superseded_for"] == ["older.example.org"]
    assert by_serial["102"]["expected_for"] == ["older.example.org"]
    assert by_serial["102"]["served_by"] == []
    assert by_serial["104"]["status"] == "revoked"
    assert by_serial["103"]["served_by"] == ["correct.example.org:443"]
    assert by_serial["106"]["expected_for"] == ["revoked.example.org"]


def test_report_adds_foreign_served_certificate(issuer):
    foreign = Issuer("Another CA").issue(["www.example.org"], serial=0x99, not_before=NOW - DAY, not_after=NOW + DAY)
    outcome = audit([Service("www.example.org", 443, "127.0.0.1")], [ProbeResult(foreign.der, None)], [], now=NOW, match_wildcards=True)
    chart = outcome["report"]["certificates"]
    assert [(item["serial_number"], item["from_harica"]) for item in chart] == [("99", False)]


def test_report_same_for_shuffled_records(issuer):
    services, results, records = make_world(issuer)
    first = audit(services, results, records, now=NOW, match_wildcards=True)
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    second = audit(services, results, shuffled, now=NOW, match_wildcards=True)
    assert first == second


def test_report_has_no_run_dependent_value(issuer):
    services, results, records = make_world(issuer)
    first = audit(services, results, records, now=NOW, match_wildcards=True)
    later = audit(services, results, records, now=NOW + datetime.timedelta(hours=5), match_wildcards=True)
    assert first == later
