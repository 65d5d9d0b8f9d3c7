"""Fixtures that write audit reports two ways and open them in headless Chromium.

``rendered_report``: the collection's own audit code (``_audit.audit``) applied to
certificates made here with fixed serials and dates, so it has exactly the shape the
module returns. The HTML and JSON files are then written by the role's own report tasks
(``tasks_from: report.yml``) through ``ansible-playbook``.

``audited_report``: the whole role run through ``ansible-playbook`` against the world of
the certificate_audit Molecule scenario (``audit_world.py``): a HARICA simulator and TLS
servers on 127.0.0.1 that serve a correct, an older and a revoked certificate, and a
service where nothing listens.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import subprocess
import sys
import types
import typing as t
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chromium import Browser, Page

REPOSITORY = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
AUDIT_WORLD_SCRIPT = REPOSITORY / "extensions" / "molecule" / "certificate_audit" / "audit_world.py"
UTC = datetime.timezone.utc

# The audit runs at this fixed time, so the statuses in the report never change.
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "harica"
    namespace.mkdir(parents=True)
    (namespace / "certmanager").symlink_to(REPOSITORY)
    return root


def _certificate(key: t.Any, issuer_name: str, names: t.Sequence[str], serial: int, start_days: int, end_days: int) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW + datetime.timedelta(days=start_days))
        .not_valid_after(NOW + datetime.timedelta(days=end_days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(key, hashes.SHA256())
    )


def build_audit_result(collections: Path) -> dict[str, t.Any]:
    """Return a module result for six services that between them have every finding code."""
    sys.path.insert(0, str(collections))
    try:
        from ansible_collections.harica.certmanager.plugins.module_utils._audit import Service, audit
        from ansible_collections.harica.certmanager.plugins.module_utils._audit_probe import ProbeResult
        from ansible_collections.harica.certmanager.plugins.module_utils._certificates import normalize_certificate
    finally:
        sys.path.remove(str(collections))

    key = ec.generate_private_key(ec.SECP256R1())
    certificates = {
        "a": _certificate(key, "HARICA Test CA", ["a.example.org"], 0xA1, -10, 189),
        "b_old": _certificate(key, "HARICA Test CA", ["b.example.org"], 0xB1, -150, 49),
        "b_new": _certificate(key, "HARICA Test CA", ["b.example.org"], 0xB2, -3, 196),
        "c": _certificate(key, "HARICA Test CA", ["c.example.org"], 0xC1, -20, 179),
        "d": _certificate(key, "HARICA Test CA", ["d.example.org"], 0xD1, -60, 139),
        "e_foreign": _certificate(key, "Another CA", ["other.example.net"], 0xE9, -5, 85),
        "f": _certificate(key, "HARICA Test CA", ["f.example.org"], 0xF1, -200, -1),
    }

    def pem(label: str) -> str:
        return certificates[label].public_bytes(serialization.Encoding.PEM).decode("ascii")

    def der(label: str) -> bytes:
        return certificates[label].public_bytes(serialization.Encoding.DER)

    raw = [{"serial": format(certificates[label].serial_number, "X"), "certificate": pem(label)} for label in certificates if label != "e_foreign"]
    raw[[record["serial"] for record in raw].index("C1")]["isRevoked"] = True
    raw[[record["serial"] for record in raw].index("C1")]["revokedAt"] = "2026-12-01T08:00:00"
    harica = [normalize_certificate(record, now=NOW) for record in raw]
    services = [
        (Service("a.example.org", 443, "192.0.2.1"), ProbeResult(der("a"), None)),
        (Service("b.example.org", 443, "192.0.2.2"), ProbeResult(der("b_old"), None)),
        (Service("c.example.org", 443, "192.0.2.3"), ProbeResult(der("c"), None)),
        (Service("d.example.org", 443, "192.0.2.4"), ProbeResult(None, "Connection refused")),
        (Service("e.example.org", 443, "192.0.2.5"), ProbeResult(der("e_foreign"), None)),
        (Service("f.example.org", 8443, "192.0.2.6"), ProbeResult(der("f"), None)),
    ]
    return audit(
        [service for service, _result in services],
        [result for _service, result in services],
        harica,
        now=NOW,
        match_wildcards=True,
    )


def run_playbook(playbook: Path, extra_vars: dict[str, t.Any], collections: Path, directory: Path) -> None:
    """Run ``ansible-playbook`` on localhost with this checkout as harica.certmanager.

    ANSIBLE_ and HARICA_ variables of the caller are dropped. HARICA_API_URL points to
    port 9 on 127.0.0.1, so a play that does not set api_url cannot reach HARICA's
    production service.
    """
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HARICA_"))
    }
    environment.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_LOCAL_TEMP": str(directory / "ansible-local"),
            "HARICA_API_URL": "https://127.0.0.1:9",
            "HARICA_API_KEY": "",
        }
    )
    command = [str(Path(sys.executable).with_name("ansible-playbook")), str(playbook), "-e", json.dumps(extra_vars)]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


class RenderedReport(t.NamedTuple):
    html: Path
    json: Path
    result: dict[str, t.Any]

    @property
    def report(self) -> dict[str, t.Any]:
        """The ``report`` value of the module result, which the JSON report file must equal."""
        return self.result["report"]


@pytest.fixture(scope="session")
def rendered_report(tmp_path_factory: pytest.TempPathFactory, collections_path: Path) -> RenderedReport:
    directory = tmp_path_factory.mktemp("report")
    result = build_audit_result(collections_path)
    result_file = directory / "audit-result.json"
    result_file.write_text(json.dumps(result))
    report_dir = directory / "out"
    run_playbook(
        HERE / "render_report.yml",
        {"audit_result_file": str(result_file), "audit_report_dir": str(report_dir)},
        collections_path,
        directory,
    )
    return RenderedReport(report_dir / "certificate-audit.html", report_dir / "certificate-audit.json", result)


class AuditedReport(t.NamedTuple):
    html: Path
    json: Path
    report: dict[str, t.Any]
    # The world.json that audit_world.py up wrote: services, serials and the
    # findings each service must get.
    world: dict[str, t.Any]
    # The serial each service serves, or None where nothing listens.
    served_serials: dict[str, str | None]


def load_audit_world() -> types.ModuleType:
    """Import the scenario's audit_world.py, which is a script and not in a package."""
    spec = importlib.util.spec_from_file_location("audit_world", AUDIT_WORLD_SCRIPT)
    assert spec is not None and spec.loader is not None, f"cannot import {AUDIT_WORLD_SCRIPT}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def audited_report(tmp_path_factory: pytest.TempPathFactory, collections_path: Path) -> t.Iterator[AuditedReport]:
    """Start the scenario's world, audit it with the role, and stop the world at teardown.

    ``down`` also runs when ``up`` or the play fails, and stops every process that ``up``
    had recorded by then. The simulator's and the servers' logs stay in the world
    directory under pytest's temporary directory.
    """
    directory = tmp_path_factory.mktemp("audit-run")
    state_dir = directory / "world"
    report_dir = directory / "report"
    audit_world = load_audit_world()
    try:
        audit_world.up(state_dir)
        world_file = state_dir / "world.json"
        world = json.loads(world_file.read_text())
        run_playbook(
            HERE / "audit_services.yml",
            {"audit_world_file": str(world_file), "audit_report_dir": str(report_dir)},
            collections_path,
            directory,
        )
        served_serials: dict[str, str | None] = {service["name"]: None for service in world["services"]}
        served_serials.update({name: world["serials"][label] for name, label in audit_world.SERVED.items()})
        json_file = report_dir / "certificate-audit.json"
        yield AuditedReport(
            report_dir / "certificate-audit.html",
            json_file,
            json.loads(json_file.read_text()),
            world,
            served_serials,
        )
    finally:
        audit_world.down(state_dir)


@pytest.fixture
def browser(tmp_path: Path) -> t.Iterator[Browser]:
    running = Browser(tmp_path / "profile", tmp_path / "chromium.log")
    yield running
    running.close()


@pytest.fixture(params=["rendered_report", "audited_report"], ids=["fixed-data", "audit-run"])
def report_files(request: pytest.FixtureRequest) -> RenderedReport | AuditedReport:
    """Return each report in turn, so that a test that uses this fixture runs on both.

    A test module can override this fixture to run its tests, and ``page``, on one report.
    """
    return request.getfixturevalue(request.param)


@pytest.fixture
def page(browser: Browser, report_files: RenderedReport | AuditedReport) -> Page:
    opened = browser.open_page()
    opened.navigate(report_files.html.as_uri())
    return opened
