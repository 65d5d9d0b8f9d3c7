"""The HTML audit report in headless Chromium: rows, sorting, the chart and no requests.

A test that takes ``report_files`` runs twice: on the report rendered from fixed data
(``fixed-data``) and on the report of the role's run against loopback TLS servers
(``audit-run``). The ``rendered_report`` tests check what only the fixed data has.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import re
import threading
import typing as t

import pytest

FINDING_CODES = (
    "unreachable",
    "not_from_harica",
    "revoked",
    "expired",
    "name_mismatch",
    "not_newest",
    "no_harica_certificate",
)

ROW_NAMES = "Array.from(document.querySelectorAll('#services tbody tr')).map(row => row.cells[0].textContent)"


def expected_order(services: list[dict[str, t.Any]], key: t.Callable[[dict[str, t.Any]], t.Any], *, descending: bool = False) -> list[str]:
    """Return the names in the order the page's sort gives: by key, ties in report order."""
    indexed = list(enumerate(services))
    indexed.sort(key=lambda pair: pair[0])
    indexed.sort(key=lambda pair: key(pair[1]), reverse=descending)
    return [service["name"] for _index, service in indexed]


def test_fixed_data_has_every_finding_code(rendered_report):
    counts = rendered_report.report["finding_counts"]
    assert [code for code in FINDING_CODES if counts[code] == 0] == []


def test_fixed_data_has_six_services(rendered_report):
    assert len(rendered_report.report["services"]) == 6


def test_json_report_is_module_report(rendered_report):
    assert json.loads(rendered_report.json.read_text()) == rendered_report.report


def test_one_row_per_name(page, report_files):
    names = [service["name"] for service in report_files.report["services"]]
    assert page.evaluate(ROW_NAMES) == names
    assert len(set(names)) == len(names)


def test_header_click_reverses_name_order(page, report_files):
    services = report_files.report["services"]
    assert page.evaluate(ROW_NAMES) == expected_order(services, lambda service: service["name"])
    page.click("#services thead th:nth-child(1) button")
    assert page.evaluate(ROW_NAMES) == expected_order(services, lambda service: service["name"], descending=True)
    assert page.evaluate("document.querySelector('#services thead th:nth-child(1)').getAttribute('aria-sort')") == "descending"


def test_header_click_sorts_by_expiry(page, report_files):
    services = report_files.report["services"]

    def served_until(service):
        return (service["served"] or {}).get("not_after") or ""

    page.click("#services thead th:nth-child(5) button")
    by_expiry = page.evaluate(ROW_NAMES)
    assert by_expiry == expected_order(services, served_until)
    assert by_expiry != [service["name"] for service in services]


def test_header_clicks_sort_by_findings(page, report_files):
    services = report_files.report["services"]
    page.click("#services thead th:nth-child(7) button")
    assert page.evaluate(ROW_NAMES) == expected_order(services, lambda service: len(service["findings"]))
    page.click("#services thead th:nth-child(7) button")
    assert page.evaluate(ROW_NAMES) == expected_order(services, lambda service: len(service["findings"]), descending=True)


def test_chart_one_mark_per_certificate(page, report_files):
    certificates = report_files.report["certificates"]
    serials = page.evaluate("Array.from(document.querySelectorAll('#expiry-chart circle.mark')).map(mark => mark.dataset.serial)")
    assert sorted(serials) == sorted(certificate["serial_number"] for certificate in certificates)
    assert len(serials) == len(set(serials))


def test_chart_counts_served_and_harica(rendered_report):
    certificates = rendered_report.report["certificates"]
    assert len(certificates) == 7
    assert [certificate["serial_number"] for certificate in certificates if not certificate["from_harica"]] == ["E9"]


def test_page_requests_only_itself(page, report_files):
    assert page.requested_urls() == [report_files.html.as_uri()]


def test_page_runs_inline_code_without_errors(page):
    # A hash in the policy that does not match blocks the script or style, which
    # Chromium reports as an error entry in the Log domain.
    errors = [event.params["entry"] for event in page.events("Log.entryAdded") if event.params["entry"]["level"] == "error"]
    assert errors == []
    assert page.events("Runtime.exceptionThrown") == []
    assert page.evaluate("getComputedStyle(document.querySelector('td.serial')).fontFamily") != ""
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "24px"


class PixelHandler(http.server.BaseHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name is fixed by http.server
        PixelHandler.requested.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: t.Any) -> None:  # pylint: disable=redefined-builtin
        pass


def test_recorder_sees_requests(browser, tmp_path):
    """A page that loads an image from a loopback server shows up in the recorded requests.

    Without this check, a recorder that records nothing would pass the test above.
    """
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PixelHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        image_url = f"http://127.0.0.1:{server.server_address[1]}/pixel.png"
        control = tmp_path / "control.html"
        control.write_text(f'<!DOCTYPE html><html><body><img src="{image_url}" alt=""></body></html>')
        page = browser.open_page()
        page.navigate(control.as_uri())
        assert page.requested_urls() == [control.as_uri(), image_url]
        assert PixelHandler.requested == ["/pixel.png"]
    finally:
        server.shutdown()
        server.server_close()


def content_security_policy(html: str) -> dict[str, list[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match, "the page has no Content-Security-Policy meta tag"
    directives = {}
    for directive in match[1].split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def test_policy_forbids_every_fetch(report_files):
    policy = content_security_policy(report_files.html.read_text())
    assert policy["default-src"] == ["'none'"]
    assert set(policy) == {"default-src", "style-src", "script-src", "base-uri", "form-action"}
    for directive in ("style-src", "script-src"):
        assert len(policy[directive]) == 1
        assert policy[directive][0].startswith("'sha256-")


@pytest.mark.parametrize("element, directive", [("style", "style-src"), ("script", "script-src")])
def test_policy_hash_matches_inline_code(report_files, element, directive):
    html = report_files.html.read_text()
    bodies = re.findall(rf"<{element}>(.*?)</{element}>", html, re.DOTALL)
    assert len(bodies) == 1
    digest = base64.b64encode(hashlib.sha256(bodies[0].encode("utf-8")).digest()).decode("ascii")
    expected = f"'sha256-{digest}'"
    assert content_security_policy(html)[directive] == [expected], (
        f"update {directive} in roles/certificate_audit/templates/report.html.j2 to {expected}"
    )


def test_page_loads_nothing_from_elsewhere(report_files):
    html = report_files.html.read_text()
    assert re.findall(r"\b(?:src|href)\s*=", html) == []
    assert "@import" not in html
    assert "url(" not in html
