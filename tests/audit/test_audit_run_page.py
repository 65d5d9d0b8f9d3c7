"""The report of the role's run against loopback TLS servers, checked against the world.

``audit_world.py up`` writes what each service must get into ``world.json``. These tests
open the HTML report in headless Chromium and compare each table row and each chart mark
with that. The checks that apply to any report, such as sorting and recorded requests,
run on this report in test_report_page.py.
"""

from __future__ import annotations

import pytest

# The services that audit_world.py starts. test_world_has_these_services fails when the
# world changes, so that the parametrized row test does not silently skip a service.
SERVICE_NAMES = ("correct.example.org", "down.example.org", "older.example.org", "revoked.example.org")

# Column indexes of the services table in roles/certificate_audit/templates/report.html.j2.
ROWS = """Array.from(document.querySelectorAll('#services tbody tr')).map(row => ({
  name: row.cells[0].textContent,
  className: row.className,
  port: row.cells[1].textContent,
  address: row.cells[2].textContent,
  served: row.cells[3].textContent,
  expected: row.cells[5].textContent,
  findings: Array.from(row.cells[6].querySelectorAll('.code')).map(code => code.textContent),
  messages: Array.from(row.cells[6].querySelectorAll('.code')).map(code => code.title),
  superseded: row.cells[7].textContent,
}))"""

MARKS = """Array.from(document.querySelectorAll('#expiry-chart circle.mark')).map(mark => ({
  serial: mark.dataset.serial,
  classes: Array.from(mark.classList),
}))"""


@pytest.fixture
def report_files(audited_report):
    """Open only the audit run's report in ``page``."""
    return audited_report


def test_world_has_these_services(audited_report):
    assert sorted(audited_report.world["expected"]) == list(SERVICE_NAMES)
    assert [service["name"] for service in audited_report.world["services"]] == list(SERVICE_NAMES)


def test_json_report_lists_world_services(audited_report):
    names = [service["name"] for service in audited_report.report["services"]]
    assert names == [service["name"] for service in audited_report.world["services"]]
    assert audited_report.report["findings_count"] == 3


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_row_shows_world_findings(page, audited_report, name):
    rows = [row for row in page.evaluate(ROWS) if row["name"] == name]
    assert len(rows) == 1, f"{name} has {len(rows)} table rows"
    row = rows[0]
    expected = audited_report.world["expected"][name]
    service = next(service for service in audited_report.world["services"] if service["name"] == name)

    assert row["findings"] == expected["findings"]
    assert row["className"] == ("has-findings" if expected["findings"] else "no-findings")
    assert row["port"] == str(service["port"])
    assert row["address"] == service["address"]
    assert row["served"] == (audited_report.served_serials[name] or "none")
    assert row["expected"] == expected["expected_serial"]
    assert row["superseded"] == (", ".join(expected["superseded"]) or "none")
    if "newer_serial_number" in expected:
        assert expected["newer_serial_number"] in row["messages"][0]


def test_chart_marks_every_issued_certificate(page, audited_report):
    serials = [mark["serial"] for mark in page.evaluate(MARKS)]
    issued = audited_report.world["serials"].values()
    assert sorted(serials) == sorted(issued)
    assert len(serials) == 6


def test_chart_marks_served_and_revoked(page, audited_report):
    world_serials = audited_report.world["serials"]
    served = {serial for serial in audited_report.served_serials.values() if serial}
    for mark in page.evaluate(MARKS):
        serial = mark["serial"]
        status = "status-revoked" if serial == world_serials["revoked"] else "status-valid"
        assert status in mark["classes"], f"mark {serial}: {mark['classes']}"
        assert ("not-served" not in mark["classes"]) == (serial in served), f"mark {serial}: {mark['classes']}"
