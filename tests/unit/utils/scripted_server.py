"""A scripted HTTP(S) server on loopback for the client tests.

Each test queues the answers the server gives, in order, and then reads what the server
received: method, path, headers, body and the client's port, which tells whether two
requests shared a connection.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import queue
import socket
import ssl
import threading
import time
import typing as t

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Answer(t.NamedTuple):
    """One scripted answer. ``action`` is "reply", "drop" (close without answering),
    "truncate" (send half of the body with the full Content-Length) or "sleep"."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = {}
    action: str = "reply"
    delay: float = 0.0


def json_answer(document: t.Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, json.dumps(document).encode(), {"Content-Type": "application/json", **headers})


class Received(t.NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int
    time: float


class ScriptedServer:
    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.answers: queue.Queue[Answer] = queue.Queue()
        self.received: list[Received] = []
        handler = _make_handler(self)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def queue(self, *answers: Answer) -> None:
        for answer in answers:
            self.answers.put(answer)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _make_handler(server: ScriptedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.received.append(
                Received(self.command, self.path, dict(self.headers), body, self.client_address[1], time.time())
            )
            try:
                answer = server.answers.get_nowait()
            except queue.Empty:
                answer = json_answer({"message": "no scripted answer"}, status=599)
            if answer.delay:
                time.sleep(answer.delay)
            if answer.action == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if answer.action == "truncate":
                self.wfile.write(answer.body[: len(answer.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(answer.body)

        do_GET = do_POST = _handle

    return Handler


class LocalCA(t.NamedTuple):
    ca_pem_path: str
    context: ssl.SSLContext


def make_local_ca(directory: str) -> LocalCA:
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unit test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = f"{directory}/ca.pem"
    with open(ca_path, "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(f"{directory}/server.pem", "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{directory}/server.pem")
    return LocalCA(ca_path, context)
