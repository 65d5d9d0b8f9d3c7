"""A TLS server on 127.0.0.1 that serves one certificate, for the certificate_audit scenario.

    python tls_server.py --certificate leaf.pem --key leaf.key --ready-file ready.json

It binds a free port, writes ``{"port": PORT, "pid": PID}`` to the ready file (to a
temporary file first, then renamed), completes the TLS handshake of each connection,
and closes it. SIGTERM stops it. It logs each start, stop and failed handshake to
stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
from pathlib import Path

LOG = logging.getLogger("tls_server")

# A client that stalls in the handshake must not block the next one for long.
HANDSHAKE_TIMEOUT_SECONDS = 5


def write_ready_file(path: Path, port: int) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"port": port, "pid": os.getpid()}))
    temporary.replace(path)


def serve(listener: socket.socket, context: ssl.SSLContext, stopping: threading.Event) -> None:
    while not stopping.is_set():
        try:
            connection, peer = listener.accept()
        except socket.timeout:
            continue
        connection.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except OSError as exc:
            LOG.info("handshake with %s:%s failed: %s", peer[0], peer[1], exc)
            connection.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Serve one certificate over TLS on 127.0.0.1.")
    parser.add_argument("--certificate", required=True, type=Path, help="PEM file of the certificate to serve")
    parser.add_argument("--key", required=True, type=Path, help="PEM file of its private key")
    parser.add_argument("--ready-file", required=True, type=Path, help="file to write the port and PID to")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s tls_server %(levelname)s %(message)s")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(arguments.certificate), str(arguments.key))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        write_ready_file(arguments.ready_file, port)
        LOG.info("serving %s on 127.0.0.1:%d", arguments.certificate, port)
        serve(listener, context, stopping)
    LOG.info("stopped serving on 127.0.0.1:%d", port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
