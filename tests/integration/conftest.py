"""Fixtures that run ansible-playbook against a HARICA simulator over HTTPS.

One simulator runs per test session; each test starts from a reset simulator with one
enterprise, an SSL approver, a requester and an Enterprise Admin. ``run_playbook`` runs
a playbook of ``playbooks/`` and returns its output, the task results recorded by the
``record_results`` callback, and the simulator's log entries of that run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control, start_simulator

REPOSITORY = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

APPROVER_KEY = "approver-key-3c61d2a94f0b4e8b"
ADMIN_KEY = "admin-key-77b0e1f2c3d44a5e"
REQUESTER_KEY = "requester-key-0a9e8d7c6b5a4f3e"
APPROVER_EMAIL = "approver@example.org"
REQUESTER_EMAIL = "developer@example.org"
ALL_KEYS = (APPROVER_KEY, ADMIN_KEY, REQUESTER_KEY)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shapes: runs under each response-shape alternative of the simulator")


class PlaybookRun(t.NamedTuple):
    returncode: int
    stdout: str
    stderr: str
    results: list[dict[str, t.Any]]
    log: list[dict[str, t.Any]]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def outcome(self) -> dict[str, t.Any]:
        """Return the result of the playbook's first task."""
        assert self.results, f"no task result recorded:\n{self.output}"
        return self.results[0]["result"]

    def task(self, name: str) -> dict[str, t.Any]:
        """Return the result of the task with this name."""
        for entry in self.results:
            if entry["task"] == name:
                return entry["result"]
        raise AssertionError(f"no result for task {name!r}:\n{self.output}")

    def posts(self) -> list[dict[str, t.Any]]:
        return [entry for entry in self.log if entry["method"] == "POST"]


class World(t.NamedTuple):
    simulator: t.Any
    control: Control
    organization_id: str
    tmp_path: Path


def make_csr(names: t.Sequence[str]) -> str:
    """Return a PEM CSR for the names, with a fresh key that is thrown away."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "harica"
    namespace.mkdir(parents=True)
    (namespace / "certmanager").symlink_to(REPOSITORY)
    return root


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Any]:
    with start_simulator(tmp_path_factory.mktemp("simulator")) as running:
        yield running


@pytest.fixture
def world(simulator: t.Any, tmp_path: Path) -> World:
    control = Control(simulator.url, simulator.tls_ca)
    control.reset()
    enterprise = control.create_enterprise("Example University", ["example.org"])
    control.create_user(APPROVER_EMAIL, ["ssl_approver"], name="Alex Approver", api_key=APPROVER_KEY)
    control.create_user(REQUESTER_EMAIL, ["ssl_approver"], name="Dana Developer", api_key=REQUESTER_KEY)
    control.create_user("admin@example.org", ["enterprise_admin"], name="Ari Admin", api_key=ADMIN_KEY)
    return World(simulator, control, enterprise["organization_id"], tmp_path)


def seed_request(world: World, names: t.Sequence[str], **options: t.Any) -> str:
    """Seed a pending SSL request from the requester and return its transaction id."""
    record = world.control.create_ssl_request(
        list(names), REQUESTER_EMAIL, requester_name="Dana Developer", csr=make_csr(names), **options
    )
    return record["transactionId"]


@pytest.fixture
def run_playbook(world: World, collections_path: Path) -> t.Callable[..., PlaybookRun]:
    counter = iter(range(1_000_000))

    def run(
        playbook: str = "ssl_request.yml",
        *,
        extra: dict[str, t.Any] | None = None,
        api_key: str | None = APPROVER_KEY,
        check: bool = False,
        diff: bool = False,
        verbosity: int = 0,
        env: dict[str, str] | None = None,
    ) -> PlaybookRun:
        number = next(counter)
        results_file = world.tmp_path / f"results-{number}.json"
        # A file keeps keys given as variables off the command line, which -vvvv prints.
        variables_file = world.tmp_path / f"variables-{number}.json"
        variables = {
            "harica_api_url": world.simulator.url,
            "harica_ca_path": world.simulator.tls_ca,
            "ansible_python_interpreter": sys.executable,
            **(extra or {}),
        }
        variables_file.write_text(json.dumps(variables))
        command = [
            str(Path(sys.executable).with_name("ansible-playbook")),
            str(HERE / "playbooks" / playbook),  # an absolute path replaces the folder
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"@{variables_file}",
        ]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        environment = _environment(collections_path, results_file, world, api_key)
        environment.update(env or {})
        before = world.control.log()["last_seq"]
        completed = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=600, check=False
        )
        results = json.loads(results_file.read_text()) if results_file.exists() else []
        log = world.control.log(since=before)["entries"]
        return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results, log)

    return run


def _environment(collections: Path, results_file: Path, world: World, api_key: str | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANSIBLE_", "HARICA_")) and key not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    }
    environment.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_LOCAL_TEMP": str(world.tmp_path / "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": str(world.tmp_path / "ansible-remote"),
            "HARICA_TEST_RESULTS": str(results_file),
            # Playbooks that take the URL from the environment must reach the simulator,
            # never the default production address.
            "HARICA_API_URL": world.simulator.url,
        }
    )
    if api_key is not None:
        environment["HARICA_API_KEY"] = api_key
    return environment


def assert_no_key(run: PlaybookRun, *paths: Path) -> None:
    """Assert that no API key of the test world shows in the run's output or in files."""
    for key in ALL_KEYS:
        assert key not in run.output, f"an API key appears in the output:\n{run.output}"
        for path in paths:
            assert key not in path.read_text(errors="replace"), f"an API key appears in {path}"
