"""Start and stop the world that the certificate_audit scenario audits.

    python audit_world.py up --state-dir DIR
    python audit_world.py down --state-dir DIR

``up`` starts a HARICA simulator (``harica-simulator serve``) on 127.0.0.1, seeds an
enterprise, an Enterprise Admin, an SSL approver and a requester, and issues real
certificates by accepting SSL requests made from private keys created here. It then
starts one loopback TLS server per served certificate (``tls_server.py``):

- correct.example.org serves HARICA's only certificate for the name;
- older.example.org serves the older of its two valid certificates;
- revoked.example.org serves a revoked certificate (a valid older one exists);
- down.example.org has a valid certificate, but nothing listens on its port.

It writes ``DIR/world.json``: the simulator's URL and TLS CA, the admin key, the
services to audit, and the findings each service must get. Every process it starts is
recorded in ``DIR/pids.json`` as soon as it runs, and ``down`` stops exactly those
processes, by PID, and removes the files.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control

LOG = logging.getLogger("audit_world")
HERE = Path(__file__).resolve().parent

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
DAY_SECONDS = 86400

ADMIN_EMAIL = "admin@example.org"
APPROVER_EMAIL = "approver@example.org"
REQUESTER_EMAIL = "developer@example.org"

# The certificates to issue: a label, the name, how many days before now validity
# starts, and whether the certificate is revoked after issuance.
CERTIFICATES = (
    ("correct", "correct.example.org", 0, False),
    ("older_old", "older.example.org", 30, False),
    ("older_new", "older.example.org", 0, False),
    ("revoked_replacement", "revoked.example.org", 20, False),
    ("revoked", "revoked.example.org", 0, True),
    ("down", "down.example.org", 0, False),
)

# The certificate each TLS server serves, by service name.
SERVED = {"correct.example.org": "correct", "older.example.org": "older_old", "revoked.example.org": "revoked"}


class PidRecord:
    """The PIDs of the processes started here, kept in a JSON file that grows with each start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, t.Any]] = json.loads(path.read_text()) if path.exists() else {}

    def add(self, name: str, process: subprocess.Popen, marker: str) -> None:
        self.entries[name] = {"pid": process.pid, "marker": marker}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.entries, indent=2))
        temporary.replace(self.path)


def start_process(command: list[str], log_file: Path) -> subprocess.Popen:
    """Start a process in its own session, so that it outlives this script and Ansible's task."""
    with open(log_file, "ab") as log:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)


def wait_for_file(path: Path, name: str, process: subprocess.Popen, log_file: Path) -> dict[str, t.Any]:
    """Return the JSON that the started process writes to ``path`` once it is ready."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"{name} (PID {process.pid}) exited with status {process.returncode}; see {log_file}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear within {START_TIMEOUT_SECONDS:g} seconds; see {log_file}")
        time.sleep(0.05)
    return json.loads(path.read_text())


def start_simulator(state_dir: Path, pids: PidRecord) -> dict[str, t.Any]:
    simulator_dir = state_dir / "simulator"
    simulator_dir.mkdir(parents=True, exist_ok=True)
    ready_file = simulator_dir / "ready.json"
    log_file = state_dir / "simulator.log"
    command = [sys.executable, "-m", "harica_simulator", "serve", "--state-dir", str(simulator_dir)]
    command += ["--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready_file)]
    process = start_process(command, log_file)
    pids.add("simulator", process, "harica_simulator")
    ready = wait_for_file(ready_file, "the simulator", process, log_file)
    LOG.info("simulator %s runs with PID %d", ready["url"], process.pid)
    return ready


def start_tls_server(state_dir: Path, label: str, pids: PidRecord) -> int:
    ready_file = state_dir / f"tls-{label}.ready.json"
    log_file = state_dir / f"tls-{label}.log"
    command = [sys.executable, str(HERE / "tls_server.py"), "--certificate", str(state_dir / f"{label}.pem")]
    command += ["--key", str(state_dir / f"{label}.key"), "--ready-file", str(ready_file)]
    process = start_process(command, log_file)
    pids.add(f"tls-{label}", process, "tls_server.py")
    port = wait_for_file(ready_file, f"the TLS server for {label}", process, log_file)["port"]
    LOG.info("TLS server for %s listens on 127.0.0.1:%d with PID %d", label, port, process.pid)
    return port


def free_port() -> int:
    """Return a loopback port where nothing listens now."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        return reserved.getsockname()[1]


def make_key_and_csr(name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


class Harica:
    """Calls of the HARICA API that the scenario needs, sent to the simulator."""

    def __init__(self, url: str, ca_path: str) -> None:
        self.url = url
        self.ca_path = ca_path

    def call(self, method: str, path: str, key: str, body: t.Any = None) -> t.Any:
        response = requests.request(
            method, self.url + path, json=body, headers={"X-API-Key": key}, verify=self.ca_path, timeout=30
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} failed with HTTP {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None


def issue_certificates(state_dir: Path, control: Control, harica: Harica, keys: dict[str, str]) -> dict[str, str]:
    """Issue every certificate of CERTIFICATES; return the serial of each label.

    The simulator clock is moved back for a certificate whose validity starts in the
    past, because issuance starts validity at the simulator's current time.
    """
    serials = {}
    for label, name, days_back, revoke in CERTIFICATES:
        key_pem, csr_pem = make_key_and_csr(name)
        key_file = state_dir / f"{label}.key"
        key_file.write_text(key_pem)
        key_file.chmod(0o600)
        request = control.create_ssl_request([name], REQUESTER_EMAIL, requester_name="Dana Developer", csr=csr_pem)
        transaction_id = request["transactionId"]
        if days_back:
            control.set_clock(offset_seconds=-days_back * DAY_SECONDS)
        try:
            harica.call(
                "POST",
                "/cm/v1/enterprise/accept/ssl",
                keys["approver"],
                {"transactionId": transaction_id, "message": "certificate_audit scenario"},
            )
            record = harica.call("GET", f"/cm/v1/enterprise/requests/ssl/id/{transaction_id}", keys["approver"])
        finally:
            control.reset_clock()
        certificate_pem = record["certificate"]
        (state_dir / f"{label}.pem").write_text(certificate_pem)
        serial = x509.load_pem_x509_certificate(certificate_pem.encode("ascii")).serial_number
        serials[label] = format(serial, "X")
        if revoke:
            harica.call(
                "POST",
                "/cm/v1/admin/revoke/single",
                keys["admin"],
                {"transactionId": transaction_id, "message": "certificate_audit scenario", "value": "4.9.1.1.1.1", "informUser": False},
            )
        LOG.info("issued %s for %s with serial %s%s", label, name, serials[label], " and revoked it" if revoke else "")
    return serials


def expected_results(serials: dict[str, str]) -> dict[str, dict[str, t.Any]]:
    """Return what the audit must report for each service name."""
    return {
        "correct.example.org": {"findings": [], "expected_serial": serials["correct"], "superseded": []},
        "older.example.org": {
            "findings": ["not_newest"],
            "expected_serial": serials["older_new"],
            "newer_serial_number": serials["older_new"],
            "superseded": [serials["older_old"]],
        },
        "revoked.example.org": {
            "findings": ["revoked"],
            "expected_serial": serials["revoked_replacement"],
            "superseded": [],
        },
        "down.example.org": {"findings": ["unreachable"], "expected_serial": serials["down"], "superseded": []},
    }


def remove_previous_world(state_dir: Path) -> None:
    """Remove what an earlier ``up`` wrote, so that the simulator starts from an empty state."""
    shutil.rmtree(state_dir / "simulator", ignore_errors=True)
    for pattern in ("*.pem", "*.key", "tls-*.ready.json", "*.log"):
        for path in state_dir.glob(pattern):
            path.unlink()


def up(state_dir: Path) -> None:
    down(state_dir)
    remove_previous_world(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    pids = PidRecord(state_dir / "pids.json")
    ready = start_simulator(state_dir, pids)
    control = Control(ready["url"], ready["tls_ca"])
    control.create_enterprise("Example University", ["example.org"])
    keys = {role: f"{role}-{secrets.token_hex(16)}" for role in ("admin", "approver", "requester")}
    control.create_user(ADMIN_EMAIL, ["enterprise_admin"], name="Ari Admin", api_key=keys["admin"])
    control.create_user(APPROVER_EMAIL, ["ssl_approver"], name="Alex Approver", api_key=keys["approver"])
    control.create_user(REQUESTER_EMAIL, ["ssl_approver"], name="Dana Developer", api_key=keys["requester"])
    serials = issue_certificates(state_dir, control, Harica(ready["url"], ready["tls_ca"]), keys)

    services = [
        {"name": name, "port": start_tls_server(state_dir, label, pids), "address": "127.0.0.1"}
        for name, label in sorted(SERVED.items())
    ]
    services.append({"name": "down.example.org", "port": free_port(), "address": "127.0.0.1"})
    world = {
        "api_url": ready["url"],
        "ca_path": ready["tls_ca"],
        "admin_key": keys["admin"],
        "services": sorted(services, key=lambda service: service["name"]),
        "serials": serials,
        "expected": expected_results(serials),
    }
    world_file = state_dir / "world.json"
    world_file.write_text(json.dumps(world, indent=2))
    world_file.chmod(0o600)
    LOG.info("wrote %s", world_file)


def is_our_process(pid: int, marker: str) -> bool:
    """Tell whether the PID still runs the process started here, not one that reused it."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return marker.encode() in command_line


def stop_process(name: str, pid: int, marker: str) -> None:
    if not is_our_process(pid, marker):
        LOG.info("%s (PID %d) is not running", name, pid)
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while is_our_process(pid, marker) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if is_our_process(pid, marker):
        LOG.warning("%s (PID %d) did not stop within %g seconds after SIGTERM; sending SIGKILL", name, pid, STOP_TIMEOUT_SECONDS)
        os.kill(pid, signal.SIGKILL)
    LOG.info("stopped %s (PID %d)", name, pid)


def _reap(pid: int) -> None:
    # A child of this process stays a zombie, which still has a command line, until reaped.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def down(state_dir: Path) -> None:
    pid_file = state_dir / "pids.json"
    if pid_file.exists():
        for name, entry in json.loads(pid_file.read_text()).items():
            stop_process(name, entry["pid"], entry["marker"])
        pid_file.unlink()
    (state_dir / "world.json").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Start or stop the world of the certificate_audit scenario.")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--state-dir", required=True, type=Path, help="directory for the state, keys and logs")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s audit_world %(levelname)s %(message)s")
    if arguments.action == "up":
        up(arguments.state_dir)
    else:
        down(arguments.state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
