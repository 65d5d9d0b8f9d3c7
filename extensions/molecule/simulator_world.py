"""Start, seed and stop the HARICA simulator of a Molecule scenario.

    python simulator_world.py up --state-dir DIR --seed SCENARIO/seed.py
    python simulator_world.py down --state-dir DIR

``up`` first does what ``down`` does and removes the files of an earlier ``up``. It then
starts ``harica-simulator serve`` on 127.0.0.1 with its state in ``DIR/simulator``,
loads the seed file and calls its ``seed(world)`` function with a ``World``, and writes
``DIR/world.json``: the simulator's URL and TLS CA, and the dict that ``seed`` returned.
The file has mode 0600 because the seeds put API keys in it.

The simulator's PID is recorded in ``DIR/pids.json`` as soon as it starts, and ``down``
stops exactly that process, by PID, after checking that the PID still runs the
simulator. The certificate_audit scenario starts its simulator the same way
(``audit_world.py``), and keeps its own copy of this code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import runpy
import shutil
import signal
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

LOG = logging.getLogger("simulator_world")

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
API_TIMEOUT_SECONDS = 30.0

# The simulator's command line contains this, so that ``down`` never signals a process
# that took over the recorded PID.
SIMULATOR_MARKER = "harica_simulator"


class PidRecord:
    """The PIDs of the processes started here, in a JSON file rewritten after each start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, t.Any]] = json.loads(path.read_text()) if path.exists() else {}

    def add(self, name: str, process: subprocess.Popen, marker: str) -> None:
        self.entries[name] = {"pid": process.pid, "marker": marker}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.entries, indent=2))
        temporary.replace(self.path)


class World:
    """A running simulator, with the calls that seed files need."""

    def __init__(self, state_dir: Path, ready: dict[str, t.Any]) -> None:
        self.state_dir = state_dir
        self.url: str = ready["url"]
        self.tls_ca: str = ready["tls_ca"]
        self.root_ca: str = ready["root_ca"]
        self.control = Control(self.url, self.tls_ca)

    def api(self, method: str, path: str, api_key: str, body: t.Any = None) -> t.Any:
        """Send one HARICA API call (a path under /cm/v1) and return its parsed JSON, or None."""
        response = requests.request(
            method,
            self.url + path,
            json=body,
            headers={"X-API-Key": api_key},
            verify=self.tls_ca,
            timeout=API_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path} failed with HTTP {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def key_and_csr(self, label: str, common_name: str, dns_names: t.Sequence[str] = ()) -> str:
        """Create a P-256 key in ``DIR/keys/<label>.key`` (mode 0600) and return a PEM CSR for it.

        The CSR's subject is ``common_name`` and its subject alternative names are
        ``dns_names``. The simulator ignores both and takes only the public key.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        builder = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        )
        if dns_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
            )
        csr = builder.sign(key, hashes.SHA256())
        key_file = self.key_path(label)
        key_file.parent.mkdir(mode=0o700, exist_ok=True)
        key_file.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        key_file.chmod(0o600)
        return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def key_path(self, label: str) -> Path:
        return self.state_dir / "keys" / f"{label}.key"

    def write_file(self, name: str, content: str) -> Path:
        """Write a file that the scenario reads, such as a CSR or a CSV, to ``DIR/files`` (mode 0600)."""
        path = self.state_dir / "files" / name
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(0o600)
        return path


def start_simulator(state_dir: Path, pids: PidRecord) -> dict[str, t.Any]:
    """Start the simulator in its own session, so that it outlives this script and Ansible's task."""
    simulator_dir = state_dir / "simulator"
    simulator_dir.mkdir(parents=True)
    ready_file = simulator_dir / "ready.json"
    log_file = state_dir / "simulator.log"
    command = [sys.executable, "-m", "harica_simulator", "serve", "--state-dir", str(simulator_dir)]
    command += ["--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready_file)]
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    pids.add("simulator", process, SIMULATOR_MARKER)

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready_file.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the simulator (PID {process.pid}) exited with status {process.returncode}; see {log_file}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{ready_file} did not appear within {START_TIMEOUT_SECONDS:g} seconds; see {log_file}")
        time.sleep(0.05)
    ready = json.loads(ready_file.read_text())
    LOG.info("simulator %s runs with PID %d", ready["url"], process.pid)
    return ready


def is_our_process(pid: int, marker: str) -> bool:
    """Tell whether the PID still runs the process started here, not one that reused the PID."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return marker.encode() in command_line


def reap(pid: int) -> None:
    # A child of this process stays a zombie, which still has a command line, until reaped.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_process(name: str, pid: int, marker: str) -> None:
    if not is_our_process(pid, marker):
        LOG.info("%s (PID %d) is not running", name, pid)
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while is_our_process(pid, marker) and time.monotonic() < deadline:
        reap(pid)
        time.sleep(0.05)
    if is_our_process(pid, marker):
        LOG.warning("%s (PID %d) did not stop within %g seconds after SIGTERM; sending SIGKILL", name, pid, STOP_TIMEOUT_SECONDS)
        os.kill(pid, signal.SIGKILL)
    LOG.info("stopped %s (PID %d)", name, pid)


def down(state_dir: Path) -> None:
    pid_file = state_dir / "pids.json"
    if pid_file.exists():
        for name, entry in json.loads(pid_file.read_text()).items():
            stop_process(name, entry["pid"], entry["marker"])
        pid_file.unlink()
    (state_dir / "world.json").unlink(missing_ok=True)


def remove_previous_world(state_dir: Path) -> None:
    """Remove what an earlier ``up`` wrote, so that the simulator starts from an empty state."""
    for directory in ("simulator", "keys", "files"):
        shutil.rmtree(state_dir / directory, ignore_errors=True)
    (state_dir / "simulator.log").unlink(missing_ok=True)


def up(state_dir: Path, seed_file: Path) -> None:
    seed = runpy.run_path(str(seed_file))["seed"]
    down(state_dir)
    remove_previous_world(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    ready = start_simulator(state_dir, PidRecord(state_dir / "pids.json"))
    world = World(state_dir, ready)
    seeded = seed(world)
    world_file = state_dir / "world.json"
    world_file.write_text(json.dumps({"api_url": world.url, "ca_path": world.tls_ca, **seeded}, indent=2))
    world_file.chmod(0o600)
    LOG.info("wrote %s", world_file)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Start and seed, or stop, the HARICA simulator of a Molecule scenario.")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--state-dir", required=True, type=Path, help="directory for the simulator state, keys and logs")
    parser.add_argument("--seed", type=Path, help="Python file whose seed(world) function seeds the simulator (up only)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s simulator_world %(levelname)s %(message)s")
    if arguments.action == "up":
        if arguments.seed is None:
            parser.error("up needs --seed")
        up(arguments.state_dir, arguments.seed)
    else:
        down(arguments.state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
