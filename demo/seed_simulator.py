"""Seed a running simulator with the demo's world and one pending SSL request.

The request is made the way a requester would make it: from a fresh private key and a
CSR for the service name. The key stays in the output directory; only the CSR goes to
the simulator. Prints nothing secret; writes the approver's API key to a 0600 file.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control


def write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def make_key_and_csr(name: str, output: Path) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private(output / f"{name}.key", key_pem)
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ready-file", type=Path, required=True, help="the simulator's ready file")
    parser.add_argument("--output", type=Path, required=True, help="directory for the key files")
    parser.add_argument("--service", default="app.example.org", help="DNS name of the new service")
    arguments = parser.parse_args()

    ready = json.loads(arguments.ready_file.read_text())
    control = Control(ready["url"], ready["tls_ca"])
    control.reset()
    control.create_enterprise("Example University", ["example.org"])
    approver = control.create_user("approver@example.org", ["ssl_approver"], name="Alex Approver")
    control.create_user("developer@example.org", ["ssl_approver"], name="Dana Developer")
    write_private(arguments.output / "approver.key", approver["api_key"].encode())

    csr = make_key_and_csr(arguments.service, arguments.output)
    request = control.create_ssl_request(
        [arguments.service], "developer@example.org", requester_name="Dana Developer", product="OV", csr=csr
    )
    print(f"seeded pending SSL request {request['transactionId']} for {arguments.service}")


if __name__ == "__main__":
    main()
