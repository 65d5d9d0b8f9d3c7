"""Tests of the TLS probe against loopback servers that the tests start.

``Issuer`` and ``TLSServer`` are also used by the tests of harica_certificate_audit.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import typing as t
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.harica.certmanager.plugins.module_utils._audit_probe import (
    describe_error,
    probe,
    probe_all,
)

UTC = datetime.timezone.utc


class Issued(t.NamedTuple):
    """A leaf certificate with its private key, in PEM, and the certificate in DER."""

    certificate_pem: str
    key_pem: str
    der: bytes
    serial: int


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class Issuer:
    """A throwaway CA that issues leaf certificates with given names, serials and validity."""

    def __init__(self, common_name: str = "Audit Test CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(common_name)

    def issue(
        self,
        names: t.Sequence[str],
        *,
        serial: int,
        not_before: datetime.datetime,
        not_after: datetime.datetime,
    ) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
        )
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False
            )
        certificate = builder.sign(self.key, hashes.SHA256())
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        return Issued(
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            key_pem=key_pem,
            der=certificate.public_bytes(serialization.Encoding.DER),
            serial=serial,
        )


class TLSServer:
    """A TLS server on 127.0.0.1 that completes handshakes with one certificate and closes.

    ``server_names`` records the SNI of each handshake, None when the client sent none.
    With ``mode="silent"`` it accepts TCP connections and never responds. With
    ``mode="plain"`` it responds with text that is not TLS.
    """

    def __init__(self, issued: Issued | None, directory: Path, *, mode: str = "tls") -> None:
        self.mode = mode
        self.server_names: list[str | None] = []
        self.context = None
        if issued is not None:
            certificate_file = directory / f"served-{issued.serial:x}.pem"
            key_file = directory / f"served-{issued.serial:x}.key"
            certificate_file.write_text(issued.certificate_pem)
            key_file.write_text(issued.key_pem)
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(str(certificate_file), str(key_file))
            self.context.sni_callback = self._record_server_name
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _record_server_name(self, connection: t.Any, server_name: str | None, context: t.Any) -> None:
        self.server_names.append(server_name)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        if self.mode == "silent":
            self._open.append(connection)
            return
        if self.mode == "plain":
            with connection:
                connection.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nnot TLS\r\n" * 20)
            return
        connection.settimeout(5)
        try:
            with self.context.wrap_socket(connection, server_side=True):
                pass
        except (OSError, ssl.SSLError):
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self.listener.close()
        for connection in self._open:
            connection.close()


NOW = datetime.datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def served(issuer: Issuer) -> Issued:
    return issuer.issue(
        ["app.example.org"], serial=0x5A3F, not_before=NOW - datetime.timedelta(days=1), not_after=NOW + datetime.timedelta(days=90)
    )


@pytest.fixture
def start_server(tmp_path: Path) -> t.Iterator[t.Callable[..., TLSServer]]:
    servers: list[TLSServer] = []

    def start(issued: Issued | None, *, mode: str = "tls") -> TLSServer:
        server = TLSServer(issued, tmp_path, mode=mode)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_probe_reads_served_leaf(start_server, served):
    server = start_server(served)
    result = probe("127.0.0.1", server.port, "app.example.org", timeout=5)
    assert result.error is None
    assert result.der == served.der


def test_probe_sends_service_name_as_sni(start_server, served):
    server = start_server(served)
    probe("127.0.0.1", server.port, "app.example.org", timeout=5)
    assert server.server_names == ["app.example.org"]


def test_probe_accepts_mismatched_name(start_server, served):
    server = start_server(served)
    result = probe("127.0.0.1", server.port, "other.example.org", timeout=5)
    assert result.der == served.der
    assert server.server_names == ["other.example.org"]


def test_probe_refused_port(closed_port):
    result = probe("127.0.0.1", closed_port, "app.example.org", timeout=5)
    assert result.der is None
    assert result.error == "Connection refused"


def test_probe_silent_server_times_out(start_server):
    server = start_server(None, mode="silent")
    result = probe("127.0.0.1", server.port, "app.example.org", timeout=0.3)
    assert result.der is None
    assert result.error == "timed out after 0.3 seconds"


def test_probe_plain_text_server(start_server):
    server = start_server(None, mode="plain")
    result = probe("127.0.0.1", server.port, "app.example.org", timeout=5)
    assert result.der is None
    assert result.error.startswith("TLS handshake failed: ")


def test_probe_all_keeps_target_order(start_server, issuer, closed_port):
    first = issuer.issue(["a.example.org"], serial=0xA1, not_before=NOW, not_after=NOW + datetime.timedelta(days=9))
    second = issuer.issue(["b.example.org"], serial=0xB2, not_before=NOW, not_after=NOW + datetime.timedelta(days=9))
    servers = [start_server(first), start_server(second)]
    targets = [
        ("127.0.0.1", servers[1].port, "b.example.org"),
        ("127.0.0.1", closed_port, "c.example.org"),
        ("127.0.0.1", servers[0].port, "a.example.org"),
    ]
    results = probe_all(targets, timeout=5)
    assert [result.der for result in results] == [second.der, None, first.der]
    assert results[1].error == "Connection refused"


def test_probe_all_without_targets():
    assert probe_all([], timeout=1) == []


@pytest.mark.parametrize(
    "error, expected",
    [
        (socket.timeout("timed out"), "timed out after 2.5 seconds"),
        (socket.gaierror(-2, "Name or service not known"), "name resolution failed: Name or service not known"),
        (ConnectionResetError(104, "Connection reset by peer"), "Connection reset by peer"),
        (ValueError("server_hostname cannot be an empty string"), "server_hostname cannot be an empty string"),
    ],
)
def test_describe_error(error, expected):
    assert describe_error(error, 2.5) == expected
