"""Fixtures that run ansible-playbook against a HARICA simulator over HTTPS.

One simulator runs per test session; each test starts from a reset simulator with one
enterprise, an SSL approver, a requester and an Enterprise Admin. ``run_playbook`` runs
a playbook of ``playbooks/`` and returns its output, the task results recorded by the
``record_results`` callback, and the simulator's log entries of that run.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import socket
import socketserver
import subprocess
import sys
import threading
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
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "proxy-password-8d3f1a6c"


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


def unwrapped(text: str) -> str:
    """Return the text without whitespace, so that a secret that a warning wrapped is found whole.

    ansible-core 2.16 wraps warnings at the terminal width, also at the hyphens of a key.
    """
    return "".join(text.split())


def assert_no_key(run: PlaybookRun, *paths: Path) -> None:
    """Assert that no API key of the test world shows in the run's output or in files."""
    for key in ALL_KEYS:
        assert key not in unwrapped(run.output), f"an API key appears in the output:\n{run.output}"
        for path in paths:
            assert key not in path.read_text(errors="replace"), f"an API key appears in {path}"


def assert_no_proxy_password(text: str, *paths: Path) -> None:
    """Assert that the test proxy's password shows neither in the text nor in the files."""
    assert PROXY_PASSWORD not in unwrapped(text), f"the proxy password appears in the output:\n{text}"
    for path in paths:
        assert PROXY_PASSWORD not in path.read_text(errors="replace"), f"the proxy password appears in {path}"


def closed_port() -> int:
    """Return a loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TunnelProxy:
    """An HTTP CONNECT proxy on loopback that requires PROXY_USER and PROXY_PASSWORD.

    It records the Proxy-Authorization header of each CONNECT request, rejects a wrong one
    with 407, and opens tunnels only to 127.0.0.1, so the tests reach the simulator only.
    """

    def __init__(self) -> None:
        credentials = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
        self.expected_authorization = f"Basic {credentials}"
        self.authorizations: list[str | None] = []
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TunnelHandler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, password: str = PROXY_PASSWORD) -> str:
        return f"http://{PROXY_USER}:{password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _TunnelHandler(socketserver.StreamRequestHandler):
    # Unbuffered, so that no byte of the tunnelled TLS stream stays in the reader.
    rbufsize = 0

    def handle(self) -> None:
        request_line = self.rfile.readline(65537).decode("latin-1")
        headers = {}
        for line in iter(lambda: self.rfile.readline(65537).decode("latin-1"), ""):
            if not line.strip():
                break
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        proxy = self.server.proxy  # type: ignore[attr-defined]
        authorization = headers.get("proxy-authorization")
        proxy.authorizations.append(authorization)
        method, target = (request_line.split() + ["", ""])[:2]
        host, _colon, port = target.rpartition(":")
        if method != "CONNECT" or host != "127.0.0.1" or not port.isdigit():
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        if authorization != proxy.expected_authorization:
            self.wfile.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            return
        with socket.create_connection((host, int(port)), timeout=30) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(self.connection, upstream)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes its connection."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _events in selector.select(timeout=60):
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)


@pytest.fixture
def proxy() -> t.Iterator[TunnelProxy]:
    running = TunnelProxy()
    yield running
    running.stop()
